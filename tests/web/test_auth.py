"""Signing in and out, throttling, sessions that end everywhere, production settings, headers, CSRF."""
from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from tests import factories
from tests.conftest import FormClient
from tracker import create_app
from tracker.core.models import User
from tracker.users import passwords

EMAIL = "officer@example.org"


@pytest.fixture
def officer(session):
    user = factories.add_user(session, EMAIL, "editor")
    session.commit()
    return user


def sign_in_form(app, email=EMAIL, password=factories.PASSWORD, address="10.0.0.1"):
    browser = FormClient(app.test_client())
    browser.client.environ_base["REMOTE_ADDR"] = address
    return browser, browser.post("/login", {"email": email, "password": password})


def test_signing_in_leads_to_the_page_asked_for(app, officer):
    browser = FormClient(app.test_client())
    asked = browser.client.get("/donors")
    assert asked.status_code == 302 and "next=/donors" in asked.headers["Location"]
    response = browser.client.post("/login?next=/donors", data={
        "email": " Officer@Example.org ", "password": factories.PASSWORD, "csrf_token": browser.token("/login")})
    assert response.headers["Location"] == "/donors"


def test_the_sign_in_page_has_labelled_email_and_password(anonymous):
    page = anonymous.get("/login").get_data(as_text=True)
    assert re.search(r'<label for="email">Email</label>', page)
    assert re.search(r'<label for="password">Password</label>', page)


def test_a_wrong_password_is_refused_without_saying_which_part_was_wrong(app, officer):
    _, response = sign_in_form(app, password="not the password at all")
    assert response.status_code == 400
    assert "The email or the password is wrong." in response.get_data(as_text=True)
    assert f'value="{EMAIL}"' in response.get_data(as_text=True)


def test_sign_in_never_redirects_off_site(app, officer):
    browser = FormClient(app.test_client())
    response = browser.client.post("/login?next=//evil.example/x", data={
        "email": EMAIL, "password": factories.PASSWORD, "csrf_token": browser.token("/login")})
    assert response.headers["Location"] == "/"


def test_throttling_holds_across_two_app_instances(app, officer, database_url):
    """Ten failures from one address through two workers sharing the database lock that
    account for that address on both; the owner from another address still gets in."""
    other = create_app({"DATABASE_URL": database_url, "SECRET_KEY": "test-secret", "TRACKER_SEED": ""})
    try:
        for attempt in range(10):
            _, response = sign_in_form(app if attempt % 2 else other, password=f"guess number {attempt}")
            assert response.status_code == 400
        for instance in (app, other):
            _, response = sign_in_form(instance)  # even the right password, from that address
            assert response.status_code == 429
            assert int(response.headers["Retry-After"]) > 0
            assert "Too many failed sign-ins" in response.get_data(as_text=True)
        assert sign_in_form(other, address="10.9.9.9")[1].status_code == 302
    finally:
        other.extensions["tracker.engine"].dispose()


def test_the_real_user_gets_back_in_after_the_window(app, officer):
    with time_machine.travel(datetime(2026, 3, 2, 9, 0, tzinfo=UTC), tick=False) as clock:
        for attempt in range(10):
            sign_in_form(app, password=f"guess number {attempt}")
        refused = sign_in_form(app)[1]
        assert refused.status_code == 429 and refused.headers["Retry-After"] == str(15 * 60)
        clock.shift(timedelta(minutes=15))
        assert sign_in_form(app)[1].status_code == 302


def test_guesses_at_unknown_accounts_from_one_address_lock_no_real_account_there(app, officer):
    for attempt in range(10):
        assert sign_in_form(app, email=f"someone{attempt}@example.org", address="203.0.113.5")[1].status_code == 400
    assert sign_in_form(app, address="203.0.113.5")[1].status_code == 302
    assert sign_in_form(app, address="198.51.100.7")[1].status_code == 302


def session_cookie(client) -> str:
    return client.get_cookie("session").value


def replay(app, cookie: str):
    fresh = app.test_client()
    fresh.set_cookie("session", cookie)
    return fresh.get("/")


def test_signing_out_ends_the_session_everywhere(app, officer):
    laptop, _ = sign_in_form(app)
    phone, _ = sign_in_form(app)
    old = session_cookie(laptop.client)
    assert replay(app, old).status_code == 200
    laptop.post("/logout", {}, token_from="/")  # the sign-out button is on every signed-in page
    assert replay(app, old).status_code == 302
    assert phone.client.get("/").status_code == 302


def test_a_password_change_ends_the_other_sessions(app, officer, session):
    laptop, _ = sign_in_form(app)
    phone, _ = sign_in_form(app)
    old = session_cookie(laptop.client)
    new_password = "a brand new passphrase"
    response = laptop.post("/account/password", {"current_password": factories.PASSWORD,
                                                 "new_password": new_password, "confirm": new_password})
    assert response.status_code == 302
    assert laptop.client.get("/").status_code == 200  # the one who changed it stays in
    assert phone.client.get("/").status_code == 302
    assert replay(app, old).status_code == 302
    session.expire_all()
    assert passwords.verify(session.get(User, officer.id).password_hash, new_password)


@pytest.mark.parametrize("changes, message", [
    ({"current_password": "wrong wrong wrong"}, "not your current password"),
    ({"new_password": "short", "confirm": "short"}, "at least 12 characters"),
    ({"confirm": "something else entirely"}, "differ"),
])
def test_a_bad_password_change_is_refused(app, officer, session, changes, message):
    laptop, _ = sign_in_form(app)
    entry = {"current_password": factories.PASSWORD, "new_password": "a brand new passphrase",
             "confirm": "a brand new passphrase", **changes}
    response = laptop.post("/account/password", entry)
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    session.expire_all()
    assert passwords.verify(session.get(User, officer.id).password_hash, factories.PASSWORD)


def test_disabling_a_user_ends_their_sessions(app, officer, runner):
    laptop, _ = sign_in_form(app)
    assert runner.invoke(args=["users", "disable", EMAIL]).exit_code == 0
    assert laptop.client.get("/").status_code == 302
    assert sign_in_form(app)[1].status_code == 400


def test_an_idle_session_ends(app, officer):
    laptop, _ = sign_in_form(app)
    with laptop.client.session_transaction() as cookie:
        cookie["seen"] = int(time.time()) - 31 * 60
    response = laptop.client.get("/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_pbkdf2_hash_is_upgraded_to_argon2_at_sign_in(app, officer, session):
    from werkzeug.security import generate_password_hash

    session.get(User, officer.id).password_hash = generate_password_hash(factories.PASSWORD, "pbkdf2:sha256:600000")
    session.commit()
    assert sign_in_form(app)[1].status_code == 302
    session.expire_all()
    assert session.get(User, officer.id).password_hash.startswith("$argon2id$")


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app({"TRACKER_ENV": "production", "SECRET_KEY": "", "DATABASE_URL": f"sqlite:///{tmp_path}/x.db"})


def test_production_refuses_debug_and_sends_cookies_over_https_only(tmp_path, monkeypatch):
    settings = {"TRACKER_ENV": "production", "SECRET_KEY": "k" * 32, "DATABASE_URL": f"sqlite:///{tmp_path}/x.db"}
    app = create_app(settings)
    assert app.config["SESSION_COOKIE_SECURE"] and not app.debug
    app.extensions["tracker.engine"].dispose()
    monkeypatch.setenv("FLASK_DEBUG", "1")
    with pytest.raises(RuntimeError, match="Debug"):
        create_app(settings)


def test_security_headers(anonymous):
    headers = anonymous.get("/login").headers
    policy = headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in policy and "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in headers
    assert "max-age=" in anonymous.get("/login", base_url="https://tracker.example").headers["Strict-Transport-Security"]


def test_public_pages_have_their_own_headers_without_script(anonymous, session):
    factories.add_programme(session, "OPEN", published=True)
    session.commit()
    for url in ("/p/OPEN", "/p/OPEN/embed", "/open/v1/gaps.json"):
        headers = anonymous.get(url).headers
        policy = headers["Content-Security-Policy"]
        assert "default-src 'none'" in policy and "script-src" not in policy and "frame-ancestors 'none'" in policy
        assert headers["X-Frame-Options"] == "DENY" and headers["X-Content-Type-Options"] == "nosniff"


def test_the_session_cookie_is_httponly_and_samesite(app, officer):
    browser, _ = sign_in_form(app)
    cookie = browser.client.get_cookie("session")
    assert cookie.http_only and cookie.same_site == "Lax"


def test_templates_hold_no_inline_script_or_style():
    """The CSP forbids inline code; a page that needed it would break in the browser. Every
    template of every package is read, wherever it lives."""
    from pathlib import Path

    import tracker

    templates = sorted(Path(tracker.__file__).parent.rglob("templates/**/*.html"))
    assert len(templates) >= 28, templates
    for template in templates:
        text = template.read_text()
        assert not re.search(r"<script(?![^>]*\bsrc=)", text), template.name
        assert not re.search(r"\sstyle=|<style", text), template.name
        assert not re.search(r"\son[a-z]+=", text), template.name


def test_every_form_refuses_a_cross_site_post_without_its_token(app, client_as, session):
    """A form posted from another site carries the victim's cookie but not the token."""
    from tests.web.test_access import url_of

    gap = factories.add_gap(session, "KHM-SME")
    made = factories.add_contribution(session, gap, "100.00")
    paid_in = factories.add_payment(session, made, "10.00")
    session.commit()
    admin = client_as("admin")
    values = {"code": "KHM-SME", "programme": gap.programme.code, "contribution_id": made.id, "payment_id": paid_in.id,
              "donor_id": made.donor_id, "reminder_id": 1, "user_id": 1, "contact_id": 1, "rate_id": 1,
              "name": "recompute", "token": "no-such-upload"}
    posted = [rule for rule in app.url_map.iter_rules() if "POST" in rule.methods]
    assert len(posted) >= 8
    for rule in posted:
        response = admin.post(url_of(app, rule, values), data={"reason": "x", "amount": "1"},
                              headers={"Origin": "https://evil.example"})
        assert response.status_code == 400, rule.endpoint
        assert "security token" in response.get_data(as_text=True), rule.endpoint
