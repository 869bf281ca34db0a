"""Does the time of a sign-in tell whether the account exists? Every attempt verifies one
argon2 hash, against a dummy for an unknown e-mail and before refusing a disabled account, so
each case stays near the floor, one verification (the issue measured 14 ms for a disabled
account against about 270 ms for the others). Each post comes from an address of its own, as
an attacker probing accounts would send it, so that no throttle answers instead.

tests/web/test_throttling.py checks the same thing structurally (one verification per attempt);
the times are measured here, not asserted there.

Usage: ``python -m tests.benchmarks.bench_signin [--postgres [SERVER_URL] | --database-url URL]
[--repeat R]``; a SQLite temp file by default.
"""
from __future__ import annotations

import itertools
import re
import secrets

from tests.benchmarks import report
from tests.benchmarks.bench_figures import database, parse_args
from tracker import create_app
from tracker.core import db, schema
from tracker.users import passwords, rules

NAME = "signin"
PASSWORD = secrets.token_urlsafe(16)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv, "python -m tests.benchmarks.bench_signin", __doc__, contributions=0)
    with database(args) as url:
        app = create_app({"DATABASE_URL": url, "TRACKER_SEED": "", "SECRET_KEY": "x"})
        engine = app.extensions["tracker.engine"]
        try:
            schema.upgrade_database(url)
            live, disabled = _accounts()
            stored = passwords.hash_password(PASSWORD)
            post = _poster(app, posts=4 * (args.repeat + 1))  # four cases post, untimed once
            timings = report.timed({
                "floor: one argon2 verification": lambda: passwords.verify(stored, "a wrong guess"),
                "POST /login, unknown e-mail (400)": lambda: post(f"nobody-{secrets.token_hex(4)}@example.org",
                                                                  "a wrong guess", 400),
                "POST /login, disabled account (400)": lambda: post(disabled, PASSWORD, 400),
                "POST /login, wrong password (400)": lambda: post(live, "a wrong guess", 400),
                "POST /login, right password (302)": lambda: post(live, PASSWORD, 302),
            }, args.repeat)
            machine = report.machine(engine)
        finally:
            engine.dispose()
    print(f"\nresults in {report.publish(NAME, args, machine, [], timings)}")
    return 0


def _accounts() -> tuple[str, str]:
    with db.writing() as session:
        live = rules.create_user(session, f"live-{secrets.token_hex(4)}@example.org", "editor", PASSWORD)
        disabled = rules.create_user(session, f"gone-{secrets.token_hex(4)}@example.org", "editor", PASSWORD)
        rules.disable(session, disabled)
        return live.email, disabled.email


def _poster(app, posts: int):
    """A function posting the sign-in form from a new address each time, checking the status.

    Each post is a new browser, whose page and CSRF token are fetched before the timing starts
    (a successful sign-in starts a new session, without the old token)."""
    browsers = iter([_browser_with_token(app) for _ in range(posts)])
    addresses = (f"10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}" for n in itertools.count(1))

    def post(email: str, password: str, expected: int) -> None:
        client, token = next(browsers)
        answer = client.post("/login", data={"email": email, "password": password, "csrf_token": token},
                             environ_overrides={"REMOTE_ADDR": next(addresses)})
        if answer.status_code != expected:
            raise SystemExit(f"Signing in as {email} answered {answer.status_code}, not {expected}")

    return post


def _browser_with_token(app):
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    return client, re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)


if __name__ == "__main__":
    raise SystemExit(main())
