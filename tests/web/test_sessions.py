"""Session lifetimes on a moved clock (time-machine): every request moves the idle clock, and
the cookie's expiry in the browser with it; an absolute lifetime from sign-in ends any session,
however active. Each end is explained on the sign-in page it leads to."""
from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from tests import factories
from tests.conftest import FormClient

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
EMAIL = "officer@example.org"


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def browser(app, session, clock):
    """Signed in through the real form at START."""
    factories.add_user(session, EMAIL, "editor")
    session.commit()
    signing_in = FormClient(app.test_client())
    assert signing_in.post("/login", {"email": EMAIL, "password": factories.PASSWORD}).status_code == 302
    return signing_in.client


def assert_signed_out(browser, message: str) -> None:
    response = browser.get("/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert message in browser.get(response.headers["Location"]).get_data(as_text=True)
    assert browser.get("/").status_code == 302  # and it stays ended


@pytest.mark.settings(SESSION_IDLE_MINUTES=1)
def test_a_session_used_every_40_seconds_outlives_its_idle_minute(browser, clock):
    for elapsed in range(40, 241, 40):
        clock.shift(40)
        assert browser.get("/").status_code == 200, elapsed
        assert browser.get_cookie("session").expires == START + timedelta(seconds=elapsed, hours=12), elapsed


@pytest.mark.settings(SESSION_IDLE_MINUTES=1)
def test_61_seconds_without_a_request_end_a_session(browser, clock):
    clock.shift(40)
    assert browser.get("/").status_code == 200
    clock.shift(61)
    assert_signed_out(browser, "after a time without activity")


def use_until(browser, clock, end: datetime) -> None:
    """A request every 29 minutes (never idle for the default 30) up to ``end``, all served."""
    while time.time() + 29 * 60 < end.timestamp():
        clock.shift(timedelta(minutes=29))
        assert browser.get("/").status_code == 200
    clock.move_to(end)
    assert browser.get("/").status_code == 200


def test_twelve_hours_after_signing_in_even_an_active_session_ends(browser, clock):
    use_until(browser, clock, START + timedelta(hours=12))
    clock.shift(1)
    assert_signed_out(browser, "Your session ended 12 hours after you signed in")


@pytest.mark.settings(SESSION_MAX_HOURS=2)
def test_the_absolute_lifetime_is_a_setting(browser, clock):
    use_until(browser, clock, START + timedelta(hours=2))
    clock.shift(1)
    assert_signed_out(browser, "ended 2 hours after you signed in")


def test_a_cookie_without_a_sign_in_time_has_outlived_it(browser):
    with browser.session_transaction() as cookie:
        del cookie["signed_in"]
    assert_signed_out(browser, "hours after you signed in")
