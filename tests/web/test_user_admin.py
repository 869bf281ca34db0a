"""Users in the browser: invitations and reset links, roles, disabling, the last administrator,
and the first administrator's own password."""
from __future__ import annotations

import re

from sqlalchemy import select

from tests.conftest import FormClient
from tracker.core.models import User

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
    assert "Choose a password of your own" in browser.client.get("/account/password").get_data(as_text=True)
    same = browser.post("/account/password", {"current_password": printed, "new_password": printed,
                                              "confirm": printed})
    assert same.status_code == 400 and "other than the current one" in same.get_data(as_text=True)
    changed = browser.post("/account/password", {"current_password": printed, "new_password": NEW_PASSWORD,
                                                 "confirm": NEW_PASSWORD})
    assert changed.status_code == 302
    assert browser.client.get("/").status_code == 200
    assert session.scalar(select(User.must_change_password).where(User.email == email)) is False
