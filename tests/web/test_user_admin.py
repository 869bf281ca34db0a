"""Users in the browser: invitations and reset links, roles, disabling, the last administrator,
and the first administrator's own password."""
from __future__ import annotations

import html
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from tests import factories, serving
from tests.conftest import FormClient, hidden_fields
from tests.test_outbox import FakeSMTP
from tracker.core import db, mail
from tracker.core.models import AuditEntry, SignInLink, User
from tracker.users import passwords

NEW_PASSWORD = "a brand new passphrase of mine"


def first_admin(runner, session) -> tuple[str, str]:
    """``flask init-db`` on an empty database: the admin's email and the password it printed."""
    result = runner.invoke(args=["init-db"])
    assert result.exit_code == 0, result.output
    email, password = re.search(r"Admin created: (\S+) with password (\S+)", result.output).groups()
    return email, password


def signed_in(app, email: str, password: str) -> FormClient:
    browser = FormClient(app.test_client())
    response = browser.post("/login", {"email": email, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)
    return browser


def test_the_first_admin_must_choose_a_new_password(app, runner, session):
    email, printed = first_admin(runner, session)
    browser = signed_in(app, email, printed)
    for page in ("/", "/admin/users", "/contributions"):
        response = browser.client.get(page)
        assert response.status_code == 302 and response.headers["Location"] == "/account/password", page
    assert browser.client.get("/api/v1/gaps").status_code == 403
    assert "Choose a password of your own" in browser.client.get("/account/password").get_data(as_text=True)
    same = browser.post("/account/password", {"current_password": printed, "new_password": printed,
                                              "confirm": printed})
    assert same.status_code == 400 and "other than the current one" in same.get_data(as_text=True)
    changed = browser.post("/account/password", {"current_password": printed, "new_password": NEW_PASSWORD,
                                                 "confirm": NEW_PASSWORD})
    assert changed.status_code == 302
    assert browser.client.get("/").status_code == 200
    assert user_named(session, email).must_change_password is False


@pytest.fixture
def admin(client_as) -> FormClient:
    return FormClient(client_as("admin"))


def read(query):
    """What the database holds now, read apart from the test's write session (which would hold
    SQLite's write lock)."""
    with db.new_session() as reader:
        return reader.execute(query).all()


def user_named(_session, email: str) -> User:
    return read(select(User).where(User.email == email))[0][0]


def invite(admin: FormClient, email: str, role: str = "editor", donor: str = "") -> str:
    """Invite through the form; the link the page shows, once."""
    page = admin.post("/admin/users/invite", {"email": email, "role": role, "donor": donor})
    assert page.status_code == 200, page.get_data(as_text=True)
    assert page.headers["Cache-Control"] == "no-store"
    return LINK.search(page.get_data(as_text=True)).group(1)


LINK = re.compile(r'value="http://localhost(/link/[A-Za-z0-9_-]+)"')


def accept(app, link: str, password: str = NEW_PASSWORD) -> FormClient:
    browser = FormClient(app.test_client())
    response = browser.post(link, {"new_password": password, "confirm": password})
    assert response.status_code == 302, response.get_data(as_text=True)
    return browser


def test_invite_accept_sign_in_role_change_then_disable(app, admin, session):
    link = invite(admin, "New.Person@example.org", "editor")
    invited = user_named(session, "new.person@example.org")
    assert invited.role == "editor" and invited.active
    assert "Choose your password" in app.test_client().get(link).get_data(as_text=True)

    accepted = accept(app, link)
    assert accepted.client.get("/gaps/new").status_code == 200  # signed in, as an editor
    other_device = signed_in(app, "new.person@example.org", NEW_PASSWORD)

    changed = admin.post(f"/admin/users/{invited.id}/role", {"role": "viewer", "donor": ""},
                         token_from=f"/admin/users/{invited.id}")
    assert changed.status_code == 302
    for browser in (accepted, other_device):  # both sessions ended by the new role
        assert browser.client.get("/").headers["Location"].startswith("/login")
    as_viewer = signed_in(app, "new.person@example.org", NEW_PASSWORD)
    assert as_viewer.client.get("/gaps/new").status_code == 403

    disabled = admin.post(f"/admin/users/{invited.id}/access", {}, token_from=f"/admin/users/{invited.id}")
    assert disabled.status_code == 302
    assert as_viewer.client.get("/").headers["Location"].startswith("/login")
    refused = FormClient(app.test_client()).post("/login", {"email": "new.person@example.org",
                                                            "password": NEW_PASSWORD})
    assert refused.status_code == 400 and "wrong" in refused.get_data(as_text=True)
    assert user_named(session, "new.person@example.org").active is False

    enabled = admin.post(f"/admin/users/{invited.id}/access", {}, token_from=f"/admin/users/{invited.id}")
    assert enabled.status_code == 302 and user_named(session, "new.person@example.org").active
    signed_in(app, "new.person@example.org", NEW_PASSWORD)


def test_a_used_expired_or_unknown_link_is_refused_saying_why(app, admin, session):
    link = invite(admin, "once@example.org")
    accept(app, link)
    again = app.test_client().get(link)
    assert again.status_code == 410 and "already been used" in again.get_data(as_text=True)
    reposted = FormClient(app.test_client()).post(link, {"new_password": "x" * 20, "confirm": "x" * 20},
                                                  token_from="/login")
    assert reposted.status_code == 410

    late = invite(admin, "late@example.org")
    with time_machine.travel(datetime.now(UTC) + timedelta(hours=73)):
        expired = app.test_client().get(late)
    assert expired.status_code == 410 and "expired" in expired.get_data(as_text=True)

    unknown = app.test_client().get("/link/not-a-token-anybody-was-given")
    assert unknown.status_code == 404 and "not valid" in unknown.get_data(as_text=True)
    assert passwords.verify(user_named(session, "late@example.org").password_hash, "x" * 20) is False


@pytest.mark.settings(TRACKER_INVITE_HOURS=1)
def test_the_link_lasts_the_hours_configured(app, admin):
    link = invite(admin, "soon@example.org")
    with time_machine.travel(datetime.now(UTC) + timedelta(minutes=61)):
        assert app.test_client().get(link).status_code == 410


def test_a_reset_link_replaces_the_password_once(app, admin, session):
    factories.add_user(session, "forgetful@example.org", "viewer")
    session.commit()
    user_id = user_named(session, "forgetful@example.org").id
    page = admin.post(f"/admin/users/{user_id}/reset", {}, token_from=f"/admin/users/{user_id}")
    assert page.status_code == 200 and "Password reset link" in page.get_data(as_text=True)
    link = LINK.search(page.get_data(as_text=True)).group(1)
    signed_in(app, "forgetful@example.org", factories.PASSWORD)  # the old one works until the link is used
    accept(app, link)
    signed_in(app, "forgetful@example.org", NEW_PASSWORD)
    assert read(select(SignInLink.purpose).where(SignInLink.user_id == user_id)) == [("reset",)]


def test_a_donor_user_is_linked_by_the_donor_s_name(app, admin, session):
    gap = factories.add_gap(session)
    japan = factories.add_contribution(session, gap, "1.00", donor="Government of Japan").donor
    sweden = factories.add_contribution(session, gap, "1.00", donor="Sweden").donor
    session.commit()
    form = admin.client.get("/admin/users/invite").get_data(as_text=True)
    assert 'list="donor-names"' in form and '<option value="Government of Japan">' in form
    invite(admin, "focal@japan.example", "donor", " government of  JAPAN ")
    invited = user_named(session, "focal@japan.example")
    assert (invited.role, invited.donor_id) == ("donor", japan.id)
    moved = admin.post(f"/admin/users/{invited.id}/role", {"role": "donor", "donor": "Sweden"},
                       token_from=f"/admin/users/{invited.id}")
    assert moved.status_code == 302 and user_named(session, "focal@japan.example").donor_id == sweden.id


def test_bad_input_on_each_form_is_refused_beside_the_field_and_nothing_is_stored(app, admin, session):
    factories.add_contribution(session, factories.add_gap(session), "1.00", donor="Sweden")
    session.commit()
    before = user_count(session), link_count(session)
    for data, message in [
        ({"email": "not an email", "role": "viewer", "donor": ""}, "valid email"),
        ({"email": "admin@example.org", "role": "viewer", "donor": ""}, "already exists"),
        ({"email": "d@example.org", "role": "donor", "donor": ""}, "Pick the donor"),
        ({"email": "d@example.org", "role": "donor", "donor": "Swedn"}, "No donor is called Swedn"),
        ({"email": "d@example.org", "role": "viewer", "donor": "Sweden"}, "Only donor users"),
        ({"email": "d@example.org", "role": "boss", "donor": ""}, "Not a valid choice"),
    ]:
        page = admin.post("/admin/users/invite", data)
        text = page.get_data(as_text=True)
        assert page.status_code == 400 and message in text, (data, text)
        assert f'value="{html.escape(data["email"], quote=True)}"' in text  # the input kept
    assert (user_count(session), link_count(session)) == before

    editor = factories.add_user(session, "ed@example.org", "editor")
    session.commit()
    url = f"/admin/users/{editor.id}"
    unknown = admin.post(f"{url}/role", {"role": "donor", "donor": "Nobody"}, token_from=url)
    assert unknown.status_code == 400 and "No donor is called Nobody" in unknown.get_data(as_text=True)
    stale = admin.hidden(url)
    admin.post(f"{url}/role", {"role": "viewer", "donor": ""}, token_from=url)
    conflict = admin.client.post(f"{url}/role", data={**stale, "role": "admin", "donor": ""})
    assert conflict.status_code == 409 and "changed by someone else" in conflict.get_data(as_text=True)
    missing = admin.client.post(f"{url}/access", data={"csrf_token": stale["csrf_token"]})
    assert missing.status_code == 400
    assert (user_named(session, "ed@example.org").role, user_named(session, "ed@example.org").active) == (
        "viewer", True)

    link = invite(admin, "typist@example.org")
    for data, message in [({"new_password": "short", "confirm": "short"}, "at least 12"),
                          ({"new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD + "!"}, "differ")]:
        page = FormClient(app.test_client()).post(link, data)
        assert page.status_code == 400 and message in page.get_data(as_text=True)
    assert user_named(session, "typist@example.org").password_hash == "!"
    accept(app, link)  # still usable


def user_count(session) -> int:
    return read(select(func.count(User.id)))[0][0]


def link_count(session) -> int:
    return read(select(func.count(SignInLink.id)))[0][0]


def test_a_resubmitted_invitation_invites_once(admin, session):
    hidden = admin.hidden("/admin/users/invite")
    data = {**hidden, "email": "twice@example.org", "role": "viewer", "donor": ""}
    assert admin.client.post("/admin/users/invite", data=data).status_code == 200
    again = admin.client.post("/admin/users/invite", data=data)
    assert again.status_code == 302 and link_count(session) == 1


def test_the_last_active_admin_cannot_be_removed(app, admin, runner, session):
    only = user_named(session, "admin@example.org")
    url = f"/admin/users/{only.id}"
    for target, data in [("role", {"role": "editor", "donor": ""}), ("access", {})]:
        page = admin.post(f"{url}/{target}", data, token_from=url)
        assert page.status_code == 400 and "last active administrator" in page.get_data(as_text=True)
    for args in (["users", "set-role", "admin@example.org", "viewer"], ["users", "disable", "admin@example.org"]):
        result = runner.invoke(args=args)
        assert result.exit_code != 0 and "last active administrator" in result.output
    kept = user_named(session, "admin@example.org")
    assert (kept.role, kept.active, kept.version) == ("admin", True, only.version)

    factories.add_user(session, "second@example.org", "admin")
    session.commit()
    assert admin.post(f"{url}/role", {"role": "editor", "donor": ""}, token_from=url).status_code == 302
    second = user_named(session, "second@example.org")
    refused = runner.invoke(args=["users", "disable", "second@example.org"])
    assert refused.exit_code != 0 and user_named(session, "second@example.org").active
    assert second.role == "admin"


def test_every_change_is_in_the_audit_trail(app, admin, session):
    link = invite(admin, "audited@example.org")
    accept(app, link)
    user_id = user_named(session, "audited@example.org").id
    url = f"/admin/users/{user_id}"
    admin.post(f"{url}/role", {"role": "viewer", "donor": ""}, token_from=url)
    admin.post(f"{url}/reset", {}, token_from=url)
    admin.post(f"{url}/access", {}, token_from=url)
    entries = read(select(AuditEntry.actor, AuditEntry.record_type, AuditEntry.action).order_by(AuditEntry.id))
    mine = [(actor, kind, action) for actor, kind, action in entries if actor != "system"]
    assert mine == [
        ("admin@example.org", "user", "create"), ("admin@example.org", "sign-in link", "create"),
        ("audited@example.org", "user", "update"), ("audited@example.org", "sign-in link", "update"),
        ("admin@example.org", "user", "update"), ("admin@example.org", "sign-in link", "create"),
        ("admin@example.org", "user", "update"),
    ]
    page = admin.client.get(url).get_data(as_text=True)
    assert page.count("<tr>") >= 4 and "Values as stored" in page  # its history, with the user's changes
    trail = admin.client.get("/admin/audit?record_type=sign-in+link").get_data(as_text=True)
    assert trail.count("Purpose") == 2 and "(secret)" in trail


class RefusedSMTP(FakeSMTP):
    """An SMTP server that does not answer."""

    def __init__(self, host, port, timeout):
        raise ConnectionRefusedError("no server")


@pytest.mark.settings(TRACKER_SMTP_HOST="smtp.example.org", TRACKER_SMTP_STARTTLS=0)
def test_the_invitation_is_emailed_when_smtp_is_configured(app, admin, session, monkeypatch):
    monkeypatch.setattr(mail.smtplib, "SMTP", FakeSMTP)
    FakeSMTP.sent = []
    link = invite(admin, "mailed@example.org")
    [message] = FakeSMTP.sent
    assert (message["To"], message["Subject"]) == ("mailed@example.org", "You are invited to the Funding Gap Tracker")
    assert f"http://localhost{link}" in message.get_content() and "72 hours" in message.get_content()

    monkeypatch.setattr(mail.smtplib, "SMTP", RefusedSMTP)
    page = admin.post("/admin/users/invite", {"email": "unmailed@example.org", "role": "viewer", "donor": ""})
    assert page.status_code == 200 and "could not be e-mailed" in page.get_data(as_text=True)
    assert LINK.search(page.get_data(as_text=True))  # still shown, to send by hand


def test_without_smtp_nothing_is_emailed(admin, monkeypatch):
    monkeypatch.setattr(mail.smtplib, "SMTP", FakeSMTP)
    FakeSMTP.sent = []
    page = admin.post("/admin/users/invite", {"email": "quiet@example.org", "role": "viewer", "donor": ""})
    assert "nothing was e-mailed" in page.get_data(as_text=True) and FakeSMTP.sent == []


def test_two_admins_removing_each_other_at_once_leave_one(live_server):
    """Both posts released together, several rounds: never a 5xx, and an active admin is always left."""
    base = live_server
    for number in range(4):
        emails = (f"first{number}@example.org", f"second{number}@example.org")
        with db.new_session(write=True) as setup:
            for other in setup.scalars(select(User).where(User.role == "admin")):
                other.role = "viewer"  # the previous round's survivor steps aside
            made = [factories.add_user(setup, email, "admin") for email in emails]
            setup.commit()
            ids = [user.id for user in made]
        start = threading.Barrier(2)

        def remove(mine: str, theirs: int, action: str) -> int:
            with serving.signed_in(base, mine, factories.PASSWORD) as browser:
                page = browser.get(f"{base}/admin/users/{theirs}", timeout=60)
                data = {**hidden_fields(page.text), "role": "editor", "donor": ""}
                start.wait(timeout=30)
                return browser.post(f"{base}/admin/users/{theirs}/{action}", data=data, allow_redirects=False,
                                    timeout=60).status_code

        action = ("role", "access")[number % 2]
        with ThreadPoolExecutor(2) as pool:
            answers = list(pool.map(remove, emails, reversed(ids), [action, action]))
        assert all(status in (302, 400) for status in answers), answers
        left = read(select(func.count(User.id)).where(User.role == "admin", User.active))[0][0]
        assert left >= 1, (action, answers)


def test_a_resubmitted_disable_does_not_enable_again(admin, session):
    factories.add_user(session, "twice@example.org", "viewer")
    session.commit()
    url = f"/admin/users/{user_named(session, 'twice@example.org').id}"
    shown = admin.hidden(url)
    assert admin.client.post(f"{url}/access", data=shown).status_code == 302
    again = admin.client.post(f"{url}/access", data=shown)  # Back and resubmit, or a double click
    assert again.status_code == 409 and "Nothing was saved" in again.get_data(as_text=True)
    assert user_named(session, "twice@example.org").active is False
