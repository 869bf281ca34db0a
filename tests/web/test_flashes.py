"""Every action tells the person what it did: each POST route, carried out successfully through
its real form, leads to a page with a flash message saying so."""
from __future__ import annotations

import html
import io
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from tests import factories
from tests.conftest import FormClient
from tests.fts import exports as fts_exports
from tests.imports import files
from tests.rates import samples
from tests.web.test_contributions import GOOD
from tests.web.test_gaps import NEW_GAP
from tests.web.test_imports import submit, upload
from tracker.contributions import rules as contributions
from tracker.core.models import Reminder, utcnow
from tracker.rates import rules as rates
from tracker.schedules import outbox

SOON = (contributions.today() + timedelta(days=30)).isoformat()


@pytest.fixture
def world(session):
    gap = factories.add_gap(session, "KHM-SME", requirement="720000.00")
    commitment = factories.add_contribution(session, gap, "1000.00", donor="Government of Japan")
    session.commit()
    return {"gap": gap, "contribution": commitment}


def _contribution_url(world, tail: str) -> str:
    return f"/contributions/{world['contribution'].id}/{tail}"


def _version(world) -> str:
    return str(world["contribution"].version)


def sign_in(browser, session, world):
    factories.add_user(session, "officer@example.org", "editor")
    session.commit()
    return FormClient(browser).post("/login", {"email": "officer@example.org", "password": factories.PASSWORD},
                                    follow_redirects=True), "Signed in as officer@example.org."


def sign_out(browser, session, world):
    return browser.post("/logout", {}, follow_redirects=True, token_from="/"), "You are signed out"


def change_password(browser, session, world):
    new = "a brand new passphrase"
    return browser.post("/account/password", {"current_password": factories.PASSWORD, "new_password": new,
                                              "confirm": new}, follow_redirects=True), "Password changed."


def create_gap(browser, session, world):
    return browser.post("/gaps/new", NEW_GAP, follow_redirects=True), "Gap KHM-HEALTH created."


def edit_gap(browser, session, world):
    gap = world["gap"]
    fields = {**NEW_GAP, "code": gap.code, "title": "Renamed", "version": str(gap.version)}
    return browser.post("/gaps/KHM-SME/edit", fields, follow_redirects=True), "Gap KHM-SME saved."


NEW_PROGRAMME = {"code": "ILO-SP-LAO", "name": "ILO Social Protection Programme — Lao PDR", "countries": ["LA"],
                 "organisation": "ILO", "contact": "https://www.social-protection.org"}


def create_programme(browser, session, world):
    return browser.post("/programmes/new", NEW_PROGRAMME, follow_redirects=True), "Programme ILO-SP-LAO created."


def edit_programme(browser, session, world):
    programme = world["gap"].programme
    fields = {**NEW_PROGRAMME, "code": programme.code, "version": str(programme.version), "published": "y"}
    return browser.post(f"/programmes/{programme.code}/edit", fields, follow_redirects=True), "Programme TEST saved."


def record_contribution(browser, session, world):
    return (browser.post("/gaps/KHM-SME/contributions/new", GOOD, follow_redirects=True),
            "Contribution of 250,000.00 USD from Government of Japan recorded.")


def edit_contribution(browser, session, world):
    fields = {**GOOD, "new_donor": "", "donor_id": str(world["contribution"].donor_id), "version": _version(world)}
    return (browser.post(_contribution_url(world, "edit"), fields, follow_redirects=True),
            f"Contribution {world['contribution'].id} saved.")


def cancel_contribution(browser, session, world):
    return (browser.post(_contribution_url(world, "cancel"), {"reason": "Withdrawn", "version": _version(world)},
                         follow_redirects=True), f"Contribution {world['contribution'].id} cancelled.")


def record_payment(browser, session, world):
    fields = {"date_received": contributions.today().isoformat(), "amount": "400.00", "rate": "", "reference": ""}
    return (browser.post(_contribution_url(world, "payments/new"), fields, follow_redirects=True),
            "Payment of 400.00 USD recorded.")


def _payment(session, world):
    made = factories.add_payment(session, world["contribution"], "100.00", received=contributions.today())
    session.commit()
    return made


def correct_payment(browser, session, world):
    payment = _payment(session, world)
    fields = {"date_received": payment.date_received.isoformat(), "amount": "150.00", "rate": "", "reference": "",
              "version": str(payment.version)}
    return (browser.post(f"/payments/{payment.id}/edit", fields, follow_redirects=True),
            f"Payment {payment.id} corrected.")


def void_payment(browser, session, world):
    payment = _payment(session, world)
    return (browser.post(f"/payments/{payment.id}/void", {"reason": "Typed twice", "version": str(payment.version)},
                         follow_redirects=True), f"Payment {payment.id} voided")


def edit_donor(browser, session, world):
    donor = world["contribution"].donor
    fields = {"name": "Japan", "type": "government", "country": "JP", "version": str(donor.version)}
    return browser.post(f"/donors/{donor.id}/edit", fields, follow_redirects=True), "Donor Japan saved."


def add_contact(browser, session, world):
    donor = world["contribution"].donor
    fields = {"name": "Aiko Tanaka", "email": "aiko@mofa.example", "role": "focal point", "language": "en"}
    return (browser.post(f"/donors/{donor.id}/contacts/new", fields, follow_redirects=True),
            "Contact Aiko Tanaka added to Government of Japan.")


def edit_contact(browser, session, world):
    contact = factories.add_contact(session, world["contribution"].donor)
    session.commit()
    fields = {"name": "Aiko Tanaka-Sato", "email": contact.email, "role": contact.role, "language": "en",
              "version": str(contact.version)}
    return (browser.post(f"/donors/contacts/{contact.id}/edit", fields, follow_redirects=True),
            "Contact Aiko Tanaka-Sato saved.")


def merge_donors(browser, session, world):
    kept = world["contribution"].donor
    duplicate = factories.add_contribution(session, world["gap"], "5.00", donor="Japan (Gov.)").donor
    session.commit()
    fields = {"into": str(kept.id), "version": str(duplicate.version), "into_version": str(kept.version),
              "confirmed": "yes"}
    return (browser.post(f"/donors/{duplicate.id}/merge", fields, follow_redirects=True),
            "Japan (Gov.) merged into Government of Japan")


def generate_schedule(browser, session, world):
    fields = {"count": "4", "frequency": "quarterly", "first_due_date": SOON, "version": _version(world)}
    return (browser.post(_contribution_url(world, "schedule"), fields, follow_redirects=True),
            "saved: 4 instalments.")


def type_schedule(browser, session, world):
    fields = {"lines": f"{SOON} 1000.00", "version": _version(world)}
    return (browser.post(_contribution_url(world, "schedule/typed"), fields, follow_redirects=True,
                         token_from=_contribution_url(world, "schedule")), "saved: 1 instalment.")


def write_off(browser, session, world):
    fields = {"reason": "Budget cut", "confirm": "y", "version": _version(world)}
    return (browser.post(_contribution_url(world, "write-off"), fields, follow_redirects=True),
            f"1,000.00 USD of contribution {world['contribution'].id} written off.")


def mark_reminder_sent(browser, session, world):
    factories.add_schedule(session, world["contribution"], 1, "one-off", contributions.today() + timedelta(days=3))
    session.commit()
    outbox.write_reminders(session, utcnow(), outbox.ReminderRules(40, 3, 7))
    reminder_id = session.scalar(select(Reminder.id))
    session.commit()
    return (browser.post(f"/reminders/{reminder_id}/sent", {}, follow_redirects=True, token_from="/reminders"),
            f"Reminder {reminder_id} marked sent.")


def run_job_now(browser, session, world):
    return (browser.post("/admin/jobs/recompute/run", {}, follow_redirects=True, token_from="/admin/jobs"),
            "is queued")


def upload_spreadsheet(browser, session, world):
    content = files.workbook(files.CLEAN)
    return (browser.post("/import", {"spreadsheet": (io.BytesIO(content), "pledges.xlsx")}, follow_redirects=True),
            "pledges.xlsx uploaded")


def import_spreadsheet(browser, session, world):
    imported = submit(browser, upload(browser, files.workbook(files.CLEAN)), "confirm")
    return browser.client.get(imported.headers["Location"]), "contribution(s) imported"


def import_fts_flows(browser, session, world):
    url = upload(browser, fts_exports.csv_file(), "fts.csv")
    return (browser.post(url, {"plan_0": "KHM-SME", "confirm": "1"}, follow_redirects=True),
            "fts.csv imported: 6 flow(s) added, 0 updated.")


def _someone(session) -> int:
    someone = factories.add_user(session, "someone@example.org", "viewer")
    session.commit()
    return someone.id


def invite_user(browser, session, world):
    return (browser.post("/admin/users/invite", {"email": "new@example.org", "role": "viewer", "donor": ""}),
            "Invitation for new@example.org made")


def change_role(browser, session, world):
    url = f"/admin/users/{_someone(session)}"
    return (browser.post(f"{url}/role", {"role": "editor", "donor": ""}, follow_redirects=True, token_from=url),
            "someone@example.org is now editor")


def disable_user(browser, session, world):
    url = f"/admin/users/{_someone(session)}"
    return (browser.post(f"{url}/access", {}, follow_redirects=True, token_from=url),
            "someone@example.org disabled")


def reset_password(browser, session, world):
    url = f"/admin/users/{_someone(session)}"
    return browser.post(f"{url}/reset", {}, token_from=url), "Password reset link for someone@example.org made"


def accept_link(browser, session, world):
    link = re.search(r'value="http://localhost(/link/[^"]+)"', invite_user(browser, session, world)[0]
                     .get_data(as_text=True)).group(1)
    new = "a brand new passphrase"
    return (FormClient(browser.client.application.test_client()).post(
        link, {"new_password": new, "confirm": new}, follow_redirects=True), "Password set.")


def add_rate(browser, session, world):
    fields = {"currency": "EUR", "day": "2026-03-01", "rate": "0.9", "kind": "un-operational", "source": ""}
    return (browser.post("/rates/add", fields, follow_redirects=True, token_from="/rates"),
            "UN operational rate for EUR on 2026-03-01 added")


def import_rates(browser, session, world):
    content = samples.ECB.read_bytes()
    return (browser.post("/rates/import", {"file": (io.BytesIO(content), samples.ECB.name), "source": "ecb"},
                         follow_redirects=True, token_from="/rates"), f"{samples.ECB.name}: ")


def correct_rate(browser, session, world):
    rate = rates.add_rate(session, "EUR", date(2026, 3, 1), Decimal("0.9"), "un-operational")
    session.commit()
    url = f"/rates/{rate.id}/correct"
    return (browser.post(url, {"rate": "0.91", "reason": "Typo", "version": str(rate.version)},
                         follow_redirects=True), "The EUR rate of 2026-03-01 is now 0.91")


ACTIONS = {
    "auth.login": sign_in, "auth.logout": sign_out, "auth.password": change_password,
    "gaps.new": create_gap, "gaps.edit": edit_gap,
    "programmes.new": create_programme, "programmes.edit": edit_programme,
    "contributions.new": record_contribution, "contributions.edit": edit_contribution,
    "contributions.cancel": cancel_contribution, "contributions.new_payment": record_payment,
    "contributions.edit_payment": correct_payment, "contributions.void_payment": void_payment,
    "donors.edit": edit_donor, "donors.merge": merge_donors,
    "donors.new_contact": add_contact, "donors.edit_contact": edit_contact,
    "schedules.generate": generate_schedule, "schedules.typed": type_schedule, "schedules.write_off": write_off,
    "outbox.mark_sent": mark_reminder_sent, "jobs.run_now": run_job_now,
    "imports.upload": upload_spreadsheet, "imports.columns": import_spreadsheet, "fts.plans_page": import_fts_flows,
    "admin.invite": invite_user, "admin.user_role": change_role, "admin.user_access": disable_user,
    "admin.user_reset": reset_password, "auth.link": accept_link,
    "rates.add": add_rate, "rates.import_table": import_rates, "rates.correct": correct_rate,
}


def test_every_route_that_accepts_a_post_is_checked_here(app):
    posting = {rule.endpoint for rule in app.url_map.iter_rules() if "POST" in rule.methods}
    assert posting == set(ACTIONS)


@pytest.mark.parametrize("endpoint", sorted(ACTIONS))
def test_every_action_flashes_what_it_did(endpoint, anonymous, client_as, session, world):
    browser = anonymous if endpoint == "auth.login" else FormClient(client_as("admin"))
    response, said = ACTIONS[endpoint](browser, session, world)
    assert response.status_code == 200
    flashes = [html.unescape(text) for text in re.findall(r'<p class="flash success">([^<]*)</p>',
                                                          response.get_data(as_text=True))]
    assert any(said in text for text in flashes), flashes


def test_flashes_are_announced_to_screen_readers(client, world):
    page = FormClient(client).post("/gaps/new", NEW_GAP, follow_redirects=True).get_data(as_text=True)
    assert re.search(r'<div class="flashes" role="status">\s*<p class="flash success">', page)
