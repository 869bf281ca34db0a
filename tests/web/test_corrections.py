"""The ledger survives ordinary mistakes, through the real forms (CSRF on), on both databases:
stale tabs, posts without a version, Back and resubmit, likely duplicates, payments corrected
and voided, money on closed gaps, text too long, values out of range, exchange differences."""
from __future__ import annotations

import html
import re
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from tests import factories
from tests.conftest import hidden_fields
from tests.web.test_contributions import GOOD, error_beside
from tracker.contributions import rules as contributions
from tracker.core.figures import figures_of
from tracker.core.models import AuditEntry, Contribution, FormSubmission, Gap, Payment
from tracker.web.forms import STALE_FORM


@pytest.fixture
def gap(session):
    made = factories.add_gap(session, "KHM-SME", requirement="10000.00")
    session.commit()
    return made


@pytest.fixture
def commitment(session, gap):
    made = factories.add_contribution(session, gap, "1000.00", donor="EU", currency="EUR", rate="0.8",
                                      reference="EU-1")
    session.commit()
    return made


def count(session, model) -> int:
    found = session.scalar(select(func.count()).select_from(model))
    session.commit()
    return found


def page_of(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def value_of(page: str, name: str) -> str:
    found = re.search(rf'<(?:input|textarea)[^>]*name="{name}"[^>]*?(?:value="([^"]*)"[^>]*)?>([^<]*)', page)
    assert found, f"no field {name}"
    return html.unescape(found.group(1) if found.group(1) is not None else found.group(2).removeprefix("\r\n"))


def selected(page: str, name: str) -> str:
    block = re.search(rf'<select[^>]*name="{name}".*?</select>', page, re.S).group(0)
    return re.search(r'<option selected value="([^"]*)"|<option value="([^"]*)" selected', block).group(1)


def edit_fields(contribution, **changes) -> dict:
    return {"donor_id": str(contribution.donor_id), "new_donor": "", "donor_type": "government",
            "donor_country": "", "amount": "1000.00", "currency": "EUR", "rate": "0.8", "rate_date": "",
            "status": "committed", "decision_date": "2026-01-15", "reference": "EU-1", "note": "", **changes}


# Conflicts that lose nothing -----------------------------------------------------------------


def test_two_tabs_keep_both_changes_after_the_409(forms, session, commitment):
    """Tab A changes the amount and the note; tab B, opened before, changes only the reference."""
    url = f"/contributions/{commitment.id}/edit"
    tab_a, tab_b = forms.hidden(url), forms.hidden(url)
    saved_a = forms.client.post(url, data={**tab_a, **edit_fields(commitment, amount="1200.00", note="Revised")})
    assert saved_a.status_code == 302
    conflict = forms.client.post(url, data={**tab_b, **edit_fields(commitment, reference="EU-1-B")})
    page = page_of(conflict)
    assert conflict.status_code == 409
    assert "changed by someone else" in page
    # Field by field: A's changes marked as someone else's, B's own change marked as B's.
    assert re.search(r'<th scope="row">Amount</th>\s*<td>1200.00 <em>\(changed by someone else\)', page)
    assert re.search(r'<th scope="row">Agreement reference</th>\s*<td>EU-1</td>\s*<td>EU-1-B <em>\(your change\)',
                     page)
    assert '<th scope="row">New donor&#39;s type</th>' not in conflict.get_data(as_text=True)  # left as shown
    # The form holds A's amount and note, B's reference, and the version now stored: nothing stale.
    session.refresh(commitment)
    assert value_of(page, "amount") == "1200.00" and value_of(page, "note") == "Revised"
    assert value_of(page, "reference") == "EU-1-B"
    assert value_of(page, "version") == str(commitment.version)
    session.commit()
    again = forms.client.post(url, data={**hidden_fields(conflict.get_data(as_text=True)),
                                         **edit_fields(commitment, amount="1200.00", note="Revised",
                                                       reference="EU-1-B")})
    assert again.status_code == 302
    session.refresh(commitment)
    assert (commitment.amount_minor, commitment.note, commitment.reference) == (120_000, "Revised", "EU-1-B")


def test_a_field_both_tabs_changed_is_marked_and_shows_the_saved_value(forms, session, commitment):
    url = f"/contributions/{commitment.id}/edit"
    tab_a, tab_b = forms.hidden(url), forms.hidden(url)
    assert forms.client.post(url, data={**tab_a, **edit_fields(commitment, note="From A")}).status_code == 302
    conflict = forms.client.post(url, data={**tab_b, **edit_fields(commitment, note="From B")})
    page = page_of(conflict)
    assert conflict.status_code == 409
    assert re.search(r'<tr class="clash">\s*<th scope="row">Internal note</th>\s*<td>From A.*?<td>From B', page, re.S)
    assert value_of(page, "note") == "From A"
    session.refresh(commitment)
    assert commitment.note == "From A"


@pytest.mark.parametrize("form", ["contribution", "gap", "cancel", "payment"])
def test_a_post_without_its_version_is_refused_not_filled_in(forms, session, commitment, form):
    payment = factories.add_payment(session, commitment, "100.00", rate="0.8") if form == "payment" else None
    session.commit()
    url, fields = {
        "contribution": (f"/contributions/{commitment.id}/edit", edit_fields(commitment, note="Stale")),
        "gap": ("/gaps/KHM-SME/edit", {"code": "KHM-SME", "title": "Stale", "country": "KH", "programme": "TEST",
                                       "requirement": "10000.00", "status": "open"}),
        "cancel": (f"/contributions/{commitment.id}/cancel", {"reason": "Stale"}),
        "payment": (f"/payments/{payment.id if payment else 0}/edit", {"date_received": "2026-02-01", "amount": "90.00",
                                                     "rate": "0.8", "reference": ""}),
    }[form]
    response = forms.post(url, {**fields, "version": None})
    assert response.status_code == 400
    assert STALE_FORM in page_of(response)
    session.expire_all()
    assert commitment.note == "" and commitment.status == "committed"
    assert session.get(Gap, commitment.gap_id).title != "Stale"
    assert payment is None or payment.amount_minor == 10_000


def test_a_version_that_is_not_a_number_is_refused(forms, commitment):
    response = forms.post(f"/contributions/{commitment.id}/edit", edit_fields(commitment, version="abc"))
    assert response.status_code == 400 and STALE_FORM in page_of(response)


# Resubmits add nothing -----------------------------------------------------------------------


def test_back_and_resubmit_records_one_payment_and_lands_where_the_first_did(forms, session, commitment):
    url = f"/contributions/{commitment.id}/payments/new"
    opened = forms.hidden(url)  # the form as the browser keeps it for Back
    payment = {"date_received": "2026-03-10", "amount": "400.00", "rate": "0.8", "reference": "W-1"}
    first = forms.client.post(url, data={**opened, **payment})
    assert first.status_code == 302 and first.headers["Location"].endswith("/gaps/KHM-SME")
    again = forms.client.post(url, data={**opened, **payment}, follow_redirects=True)
    assert again.status_code == 200
    assert "already recorded when the form was first sent; nothing was added again" in page_of(again)
    assert again.request.path == "/gaps/KHM-SME"
    assert count(session, Payment) == 1


def test_a_resubmitted_contribution_lands_on_the_first(forms, session, gap):
    url = "/gaps/KHM-SME/contributions/new"
    opened = forms.hidden(url)
    assert forms.client.post(url, data={**opened, **GOOD}).status_code == 302
    again = forms.client.post(url, data={**opened, **GOOD})
    first = session.scalar(select(Contribution.id))
    assert again.status_code == 302 and again.headers["Location"].endswith(f"/contributions/{first}")
    assert count(session, Contribution) == 1
    assert session.scalar(select(FormSubmission.record_id).where(FormSubmission.key == opened["submission"])) == first


def test_a_resubmitted_gap_lands_on_the_first(forms, session):
    factories.add_programme(session)
    session.commit()
    fields = {"code": "KHM-HEALTH", "title": "Health", "country": "KH", "programme": "TEST", "requirement": "1000",
              "status": "open"}
    opened = forms.hidden("/gaps/new")
    assert forms.client.post("/gaps/new", data={**opened, **fields}).status_code == 302
    again = forms.client.post("/gaps/new", data={**opened, **fields})
    assert again.status_code == 302 and again.headers["Location"].endswith("/gaps/KHM-HEALTH")
    assert count(session, Gap) == 1


def test_two_separate_submissions_are_never_confused(forms, session, commitment):
    url = f"/contributions/{commitment.id}/payments/new"
    for reference in ("W-1", "W-2"):
        response = forms.post(url, {"date_received": "2026-03-10", "amount": "100.00", "rate": "0.8",
                                    "reference": reference})
        assert response.status_code == 302
    assert count(session, Payment) == 2


def test_a_creating_form_without_its_key_is_refused(forms, session, commitment):
    response = forms.post(f"/contributions/{commitment.id}/payments/new",
                          {"date_received": "2026-03-10", "amount": "100.00", "rate": "0.8", "submission": None})
    assert response.status_code == 400 and STALE_FORM in page_of(response)
    assert count(session, Payment) == 0


# Likely duplicates ---------------------------------------------------------------------------


def test_a_likely_duplicate_contribution_waits_for_a_confirmation(forms, session, commitment):
    typed_again = {**GOOD, "new_donor": "EU", "amount": "1000.00", "currency": "EUR", "rate": "0.8",
                   "decision_date": "2026-03-01", "reference": "eu-1 "}
    response = forms.post("/gaps/KHM-SME/contributions/new", typed_again)
    page = page_of(response)
    assert response.status_code == 409
    assert f"This looks like contribution No. {commitment.id}" in page and "recorded by" in page
    assert 'name="confirm_duplicate"' in page
    assert count(session, Contribution) == 1
    confirmed = forms.client.post("/gaps/KHM-SME/contributions/new",
                                  data={**hidden_fields(response.get_data(as_text=True)), **typed_again,
                                        "confirm_duplicate": "y"})
    assert confirmed.status_code == 302
    assert count(session, Contribution) == 2


def test_a_likely_duplicate_payment_waits_for_a_confirmation(forms, session, commitment):
    factories.add_payment(session, commitment, "100.00", rate="0.8")
    session.commit()
    url = f"/contributions/{commitment.id}/payments/new"
    same_day = {"date_received": "2026-02-01", "amount": "100.00", "rate": "0.8", "reference": ""}
    response = forms.post(url, same_day)
    assert response.status_code == 409 and "is already recorded on contribution" in page_of(response)
    assert count(session, Payment) == 1
    assert forms.post(url, {**same_day, "confirm_duplicate": "y"}).status_code == 302
    assert count(session, Payment) == 2


def test_the_same_amount_with_another_reference_is_no_duplicate(forms, session, commitment):
    other = {**GOOD, "new_donor": "EU", "amount": "1000.00", "currency": "EUR", "rate": "0.8", "reference": "EU-2"}
    assert forms.post("/gaps/KHM-SME/contributions/new", other).status_code == 302


# Payments corrected and voided ---------------------------------------------------------------


def test_a_voided_payment_stays_struck_through_and_counts_nothing(forms, client, session, commitment):
    factories.add_schedule(session, commitment, 2)
    payment = factories.add_payment(session, commitment, "1000.00", rate="0.8")
    session.commit()
    assert commitment.status == "paid"
    response = forms.post(f"/payments/{payment.id}/void", {"reason": "Typed on the wrong contribution",
                                                           "version": str(payment.version)})
    assert response.status_code == 302
    session.expire_all()
    assert payment.voided_at is not None and payment.amount_minor == 100_000  # kept, whole
    assert commitment.status == "committed"  # its payments no longer reach the amount
    assert [i.paid_minor for i in commitment.instalments] == [0, 0]
    figures = figures_of(session, "KHM-SME")
    assert (figures.received_cents, figures.funding_cents) == (0, 125_000)
    page = page_of(client.get(f"/contributions/{commitment.id}"))
    assert "<del>" in page and "Typed on the wrong contribution" in page and "voided" in page
    trail = session.scalars(select(AuditEntry).where(AuditEntry.record_type == "payment",
                                                     AuditEntry.record_id == payment.id)).all()
    assert [e.action for e in trail] == ["create", "update"] and trail[1].reason == "Typed on the wrong contribution"
    session.commit()
    again = forms.post(f"/payments/{payment.id}/edit", {"date_received": "2026-02-01", "amount": "5.00",
                                                       "rate": "0.8", "reference": ""})
    assert again.status_code == 400 and "voided" in page_of(again)


def test_a_corrected_payment_moves_the_figures_and_the_instalments(forms, session, commitment):
    factories.add_schedule(session, commitment, 2)
    payment = factories.add_payment(session, commitment, "300.00", rate="0.8")
    session.commit()
    response = forms.post(f"/payments/{payment.id}/edit", {"date_received": "2026-02-02", "amount": "600.00",
                                                           "rate": "1.0", "reference": "W-9"})
    assert response.status_code == 302
    session.expire_all()
    assert (payment.amount_minor, payment.usd_cents, payment.reference) == (60_000, 60_000, "W-9")
    assert [i.paid_minor for i in commitment.instalments] == [50_000, 10_000]
    assert figures_of(session, "KHM-SME").received_cents == 60_000


def test_a_stale_payment_correction_is_a_409(forms, session, commitment):
    payment = factories.add_payment(session, commitment, "300.00", rate="0.8")
    session.commit()
    url = f"/payments/{payment.id}/edit"
    tab_a, tab_b = forms.hidden(url), forms.hidden(url)
    fields = {"date_received": "2026-02-01", "rate": "0.8", "reference": ""}
    assert forms.client.post(url, data={**tab_a, **fields, "amount": "310.00"}).status_code == 302
    conflict = forms.client.post(url, data={**tab_b, **fields, "amount": "320.00"})
    assert conflict.status_code == 409
    session.expire_all()
    assert payment.amount_minor == 31_000


# Rules that hold on every path ---------------------------------------------------------------


def test_the_rate_of_a_written_off_contribution_is_fixed(forms, session, gap):
    euro = factories.add_contribution(session, gap, "1000.00", donor="EU", currency="EUR", rate="1")
    contributions.write_off(session, euro, "Budget cut", euro.version)
    session.commit()
    before = figures_of(session, "KHM-SME")
    session.commit()  # end the test's own transaction, which on SQLite holds the write lock
    assert (before.funding_cents, before.written_off_cents) == (0, 100_000)
    response = forms.post(f"/contributions/{euro.id}/edit",
                          edit_fields(euro, rate="0.5", reference="", decision_date="2026-01-15"))
    assert response.status_code == 400
    assert "written off at 1, so the rate can no longer change" in error_beside(page_of(response), "rate")
    after = figures_of(session, "KHM-SME")
    assert (after.funding_cents, after.written_off_cents) == (0, 100_000)


def test_a_closed_gap_takes_no_money_through_any_form(forms, session, commitment):
    url = f"/contributions/{commitment.id}/payments/new"
    opened_payment = forms.hidden(url)
    opened_contribution = forms.hidden("/gaps/KHM-SME/contributions/new")
    gap = session.get(Gap, commitment.gap_id)
    gap.status = "closed"
    session.commit()
    recorded = forms.client.post("/gaps/KHM-SME/contributions/new", data={**opened_contribution, **GOOD})
    paid = forms.client.post(url, data={**opened_payment, "date_received": "2026-03-10", "amount": "1.00",
                                        "rate": "0.8"})
    for response in (recorded, paid):
        assert response.status_code == 400
        assert "The funding gap KHM-SME is closed; reopen it" in page_of(response)
    assert (count(session, Contribution), count(session, Payment)) == (1, 0)


@pytest.mark.parametrize("field, value, limit", [("new_donor", "D" * 208, 200), ("reference", "R" * 101, 100)])
def test_text_longer_than_its_column_is_refused_never_cut(forms, session, gap, field, value, limit):
    response = forms.post("/gaps/KHM-SME/contributions/new", {**GOOD, field: value})
    page = page_of(response)
    assert response.status_code == 400
    assert f"At most {limit:,} characters are allowed here ({len(value)} typed)" in error_beside(page, field)
    assert value in page  # kept whole for the person to shorten
    assert f'maxlength="{limit}"' not in page  # a browser would cut a pasted value silently
    assert count(session, Contribution) == 0


def test_a_rate_that_makes_an_absurd_us_dollar_value_is_refused(forms, client, session, gap):
    huge = {**GOOD, "amount": "9,999,999,999,999.99", "currency": "EUR", "rate": "0.0000000001"}
    response = forms.post("/gaps/KHM-SME/contributions/new", huge)
    assert response.status_code == 400
    assert "below 0.0001 units per US$" in error_beside(page_of(response), "rate")
    for _ in range(10):
        response = forms.post("/gaps/KHM-SME/contributions/new", {**huge, "amount": "1000000000000", "rate": "0.0001"})
        assert response.status_code == 400
        assert "the most one record may hold" in error_beside(page_of(response), "amount")
    assert count(session, Contribution) == 0
    assert client.get("/").status_code == 200 and client.get("/api/v1/gaps").status_code == 200


# Exchange differences ------------------------------------------------------------------------


@pytest.mark.parametrize("paid_at, difference", [("1.0", "-250.00"), ("0.5", "750.00")])
def test_a_fully_paid_contribution_counts_at_what_was_received(forms, client, session, commitment, paid_at,
                                                                difference):
    """Committed as EUR 1,000 at 0.8 (US$ 1,250); paid in full at another rate."""
    factories.add_payment(session, commitment, "1000.00", rate=paid_at)
    session.commit()
    received = Decimal(1000) / Decimal(paid_at)
    gap = client.get("/api/v1/gaps/KHM-SME").get_json()
    assert gap["funding_usd"] == gap["received_usd"] == f"{received:.2f}"
    assert gap["exchange_difference_usd"] == difference
    page = page_of(client.get(f"/contributions/{commitment.id}"))
    assert ("Exchange loss" if difference.startswith("-") else "Exchange gain") in page


def test_a_partly_paid_commitment_keeps_its_committed_value(client, session, commitment):
    factories.add_payment(session, commitment, "500.00", rate="1.0")
    session.commit()
    gap = client.get("/api/v1/gaps/KHM-SME").get_json()
    assert (gap["funding_usd"], gap["received_usd"], gap["exchange_difference_usd"]) == ("1250.00", "500.00", "0.00")


def test_on_a_closed_gap_a_note_may_be_corrected_but_not_the_money(forms, session, commitment):
    gap = session.get(Gap, commitment.gap_id)
    gap.status = "closed"
    session.commit()
    url = f"/contributions/{commitment.id}/edit"
    refused = forms.post(url, edit_fields(commitment, amount="900.00"))
    assert refused.status_code == 400 and "is closed; reopen it" in page_of(refused)
    assert forms.post(url, edit_fields(commitment, note="Agreement filed")).status_code == 302
    session.refresh(commitment)
    assert (commitment.amount_minor, commitment.note) == (100_000, "Agreement filed")
