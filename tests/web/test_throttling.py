"""Sign-in throttling (``tracker.users.throttle``): it holds under concurrent guesses across
gunicorn workers, locks only the (account, address) pair, slows the wide scopes rather than
locking the owner out, and every attempt costs one hash check, outside any write transaction.

The pair's lock and its window are in tests/web/test_auth.py; here the rest, on a frozen clock
where the slow-down's delays are read."""
from __future__ import annotations

import sqlite3
import threading
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from datetime import UTC, datetime, timedelta

import argon2
import pytest
import requests
import time_machine
from sqlalchemy import select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from tests import factories
from tests.conftest import FormClient
from tests.serving import CSRF, AppProcess, app_env, free_port, get_status, gunicorn_command
from tracker.core import db
from tracker.core.models import SignInCounter, ThrottleScope
from tracker.users import rules, throttle, views

EMAIL = "officer@example.org"
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
LIMITS = throttle.Limits(max_failures=10, window=timedelta(minutes=15), account_slow_after=50, address_slow_after=50)


@pytest.fixture
def officer(session):
    user = factories.add_user(session, EMAIL, "editor")
    session.commit()
    return user


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def attempt(app, address: str, email: str = EMAIL, password: str = "a wrong guess"):
    browser = FormClient(app.test_client())
    browser.client.environ_base["REMOTE_ADDR"] = address
    return browser.post("/login", {"email": email, "password": password})


def retry_after(response) -> int:
    assert response.status_code == 429, response.status_code
    return int(response.headers["Retry-After"])


@pytest.mark.settings(LOGIN_ACCOUNT_SLOW_AFTER=3)
def test_an_account_guessed_from_many_addresses_slows_those_addresses_and_never_the_owner(app, officer, clock):
    for n in range(4):
        assert attempt(app, f"203.0.113.{n}").status_code == 400  # 4 failures, one beyond 3
    assert attempt(app, "203.0.113.0").status_code == 400  # let in at once, then 5
    assert retry_after(attempt(app, "203.0.113.0")) == 2
    assert retry_after(attempt(app, "203.0.113.1")) == 2  # the delay is the account's, not the address's
    clock.shift(2)
    assert attempt(app, "203.0.113.1").status_code == 400  # 6
    assert retry_after(attempt(app, "203.0.113.0")) == 4  # doubling: slowed, never locked
    assert attempt(app, "198.51.100.7", password=factories.PASSWORD).status_code == 302  # the owner elsewhere
    clock.shift(4)
    assert attempt(app, "203.0.113.0", password=factories.PASSWORD).status_code == 302  # and there, after waiting


@pytest.mark.settings(LOGIN_ADDRESS_SLOW_AFTER=3)
def test_an_address_spraying_many_accounts_is_slowed_only_where_it_has_failed(app, officer, clock):
    for n in range(4):
        assert attempt(app, "203.0.113.9", email=f"someone{n}@example.org").status_code == 400
    assert attempt(app, "203.0.113.9", email="someone0@example.org").status_code == 400
    assert retry_after(attempt(app, "203.0.113.9", email="someone1@example.org")) == 2
    assert attempt(app, "203.0.113.9", email="someone9@example.org").status_code == 400  # a first guess: checked
    assert attempt(app, "203.0.113.9", password=factories.PASSWORD).status_code == 302  # a real account there


def test_the_slow_down_never_exceeds_the_window(app, officer, clock):
    with db.new_session(write=True) as other:
        other.add_all([
            SignInCounter(scope=ThrottleScope.PAIR, email=EMAIL, address="203.0.113.9", failures=5,
                          window_started_at=START),
            SignInCounter(scope=ThrottleScope.ACCOUNT, email=EMAIL, address="", failures=10_000,
                          window_started_at=START, admitted_at=START),
        ])
        other.commit()
    assert retry_after(attempt(app, "203.0.113.9")) == 15 * 60


@pytest.mark.parametrize("case", ["unknown", "disabled", "wrong", "right"])
def test_every_sign_in_checks_one_hash_with_no_write_lock_held(app, officer, session, database_url, monkeypatch,
                                                              case):
    """Same work for unknown, disabled and live accounts (so they cannot be told apart by
    timing), and argon2 never runs inside a write transaction (so it never holds SQLite's lock)."""
    if case == "disabled":
        rules.disable(session, officer)
        session.commit()
    checked = []
    verify = argon2.PasswordHasher.verify

    def counted(hasher, stored, password):
        checked.append((argon2.extract_parameters(stored), write_lock_is_free(database_url)))
        return verify(hasher, stored, password)

    monkeypatch.setattr(argon2.PasswordHasher, "verify", counted)
    email = "nobody@example.org" if case == "unknown" else EMAIL
    password = "a wrong guess" if case == "wrong" else factories.PASSWORD
    assert attempt(app, "10.0.0.1", email, password).status_code == (302 if case == "right" else 400)
    assert checked == [(argon2.extract_parameters(officer.password_hash), True)]


def write_lock_is_free(database_url: str) -> bool:
    """Whether another connection can write the throttle's rows at once, without waiting."""
    if database_url.startswith("sqlite"):
        with closing(sqlite3.connect(make_url(database_url).database, timeout=0, isolation_level=None)) as probe:
            try:
                probe.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError:
                return False
            probe.execute("ROLLBACK")
            return True
    with db.current_engine().connect() as probe:
        try:
            probe.execute(text("SELECT 1 FROM sign_in_counter FOR UPDATE NOWAIT"))
        except OperationalError:  # psycopg's LockNotAvailable
            return False
        return True


def admit(session, address: str = "10.0.0.1") -> None:
    throttle.admit(session, EMAIL, address, LIMITS)
    session.commit()


def finish(session, succeeded: bool, address: str = "10.0.0.1") -> None:
    throttle.finish(session, EMAIL, address, succeeded, LIMITS)
    session.commit()


def test_checks_under_way_hold_the_pairs_slots_until_they_are_recorded(app, session, clock):
    for _ in range(10):
        admit(session)
    with pytest.raises(throttle.Busy):
        admit(session)
    session.rollback()
    finish(session, succeeded=True)  # a right password frees its slot
    admit(session)
    for _ in range(10):
        finish(session, succeeded=False)
    with pytest.raises(throttle.Refused):
        admit(session)
    session.rollback()
    admit(session, address="10.0.0.2")  # another address is not concerned


def test_slots_of_a_worker_that_died_checking_are_freed_after_a_minute(app, session, clock):
    for _ in range(10):
        admit(session)
    clock.shift(59)
    with pytest.raises(throttle.Busy):
        admit(session)
    session.rollback()
    clock.shift(1)
    admit(session)


def test_a_sign_in_that_waits_too_long_for_a_slot_is_asked_to_retry_in_a_second(app, officer, session, monkeypatch):
    for _ in range(10):
        admit(session)
    monkeypatch.setattr(views, "BUSY_PATIENCE_SECONDS", 0)
    assert retry_after(attempt(app, "10.0.0.1", password=factories.PASSWORD)) == 1


# The race, as the issue saw it: concurrent wrong passwords across the production server's
# four workers, each worker counting before another had recorded its failure.

ATTACKER, OWNER = "203.0.113.66", "198.51.100.7"


@pytest.fixture
def production_server(database_url, officer):
    """gunicorn with 4 workers as the Procfile runs it, behind one proxy whose X-Forwarded-For
    gives each request its address."""
    port = free_port()
    server = AppProcess(gunicorn_command(port, workers=4), app_env(database_url, TRACKER_PROXIES=1))
    try:
        for _ in range(4):
            server.wait_for("Booting worker with pid")
        assert get_status(f"http://127.0.0.1:{port}/login") == 200
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


def post_sign_in(base: str, password: str, address: str, start: threading.Barrier | None = None) -> int:
    """Open the sign-in page for its CSRF token (each browser its own cookie), wait for the others,
    post the form; the status."""
    with requests.Session() as browser:
        browser.headers["X-Forwarded-For"] = address
        try:
            token = CSRF.search(browser.get(f"{base}/login", timeout=60).text).group(1)
        except BaseException:
            if start:
                start.abort()
            raise
        if start:
            start.wait(timeout=120)
        return browser.post(f"{base}/login", data={"email": EMAIL, "password": password, "csrf_token": token},
                            allow_redirects=False, timeout=120).status_code


@pytest.mark.parametrize("guesses", [40, 50])
def test_concurrent_wrong_passwords_across_gunicorn_workers_are_checked_at_most_ten_times(production_server,
                                                                                          guesses):
    start = threading.Barrier(guesses)
    with ThreadPoolExecutor(max_workers=guesses) as pool:
        answers = list(pool.map(lambda n: post_sign_in(production_server, f"guess number {n}", ATTACKER, start),
                                range(guesses)))
    assert sorted(answers) == [400] * 10 + [429] * (guesses - 10)
    assert post_sign_in(production_server, factories.PASSWORD, ATTACKER) == 429  # that pair is locked
    assert post_sign_in(production_server, factories.PASSWORD, OWNER) == 302  # the owner elsewhere is not
    with db.new_session() as reading:
        pair = reading.scalar(select(SignInCounter).filter_by(scope="pair", email=EMAIL, address=ATTACKER))
        assert (pair.failures, pair.checking) == (10, 0)
