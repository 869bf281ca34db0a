"""How fast are the figures of every gap? The issue's goal: ``gap_figures`` within 1.5× of
the raw aggregate it runs.

A fresh database is migrated and seeded with example data (1,000 gaps and 1,000,000
contributions by default), then each of these is timed, from the cheapest to the dearest:

- the raw aggregate: ``figures_query()`` compiled once to SQL (values inlined) and run on the
  DBAPI cursor, all rows fetched. No SQLAlchemy, no objects: the floor any code can reach;
- ``gap_figures(session)``: the same query through SQLAlchemy, rows turned into ``GapFigures``;
- the dashboard ``GET /`` through the Flask test client (figures, totals, template);
- the same page over a real HTTP connection to a werkzeug server in this process;
- the page of the gap with the most contributions (its figures, first page of contributions,
  latest payments, trend and history).

Usage: ``python -m tests.benchmarks [--postgres [SERVER_URL] | --database-url URL]
[--gaps N] [--contributions M] [--repeat R] [--seed S]``; a SQLite temp file by default.
"""
from __future__ import annotations

import argparse
import os
import re
import secrets
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext

from flask import Flask
from sqlalchemy import Engine, func, select

from tests.benchmarks import report
from tests.benchmarks.databases import DEFAULT_POSTGRES_SERVER, postgres_database, sqlite_database
from tests.serving import serving
from tracker import create_app
from tracker.core import db, schema
from tracker.core.figures import figures_query, gap_figures
from tracker.core.models import Gap
from tracker.maintenance.demo import load_demo
from tracker.users import rules as users

NAME = "figures"


def parse_args(argv: list[str] | None, prog: str = "python -m tests.benchmarks", description: str = __doc__,
               contributions: int = 1_000_000, gaps: int = 1_000, repeat: int = 7,
               more: Callable[[argparse.ArgumentParser], None] | None = None) -> argparse.Namespace:
    """The options every benchmark takes; another benchmark passes its own name, text and sizes,
    and adds its own options with ``more``."""
    parser = argparse.ArgumentParser(prog=prog, description=description.split("\n\n")[0])
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--postgres", nargs="?", const=DEFAULT_POSTGRES_SERVER, metavar="SERVER_URL",
                       help="create a throwaway database tracker_bench_<hex> on this PostgreSQL server, "
                            f"dropped afterwards (default server: {DEFAULT_POSTGRES_SERVER})")
    where.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL"),
                       help="an existing, empty database to fill (env BENCH_DATABASE_URL); "
                            "default: a SQLite temp file")
    parser.add_argument("--gaps", type=_count(1), default=gaps, help="example gaps (default: %(default)s)")
    parser.add_argument("--contributions", type=_count(0), default=contributions,
                        help="example contributions (default: %(default)s)")
    parser.add_argument("--repeat", type=_count(1), default=repeat,
                        help="timed rounds of the measurements (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=1, help="random seed of the example data (default: %(default)s)")
    if more is not None:
        more(parser)
    return parser.parse_args(argv)


def _count(least: int):
    """An argparse type for a whole number of at least ``least``."""
    def parse(text: str) -> int:
        value = int(text)
        if value < least:
            raise argparse.ArgumentTypeError(f"must be at least {least}")
        return value
    return parse


def database(args: argparse.Namespace) -> AbstractContextManager[str]:
    """The database to fill: throwaway unless the caller names one (and then it must be empty)."""
    if args.postgres:
        return postgres_database(args.postgres)
    if args.database_url:
        return nullcontext(args.database_url)
    return sqlite_database()


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    with database(args) as url:
        app = create_app({"DATABASE_URL": url, "TRACKER_SEED": "", "SECRET_KEY": "x"})
        engine: Engine = app.extensions["tracker.engine"]
        try:
            setup = prepare(engine, args)
            timings = measure(app, engine, args.repeat)
            machine = report.machine(engine)
        finally:
            engine.dispose()
    path = report.publish(NAME, args, machine, setup, timings)
    print(f"\nfigures / raw = {timings[1].median / timings[0].median:.2f} (goal ≤ 1.5); results in {path}")
    return 0


def prepare(engine: Engine, args: argparse.Namespace) -> list[report.Timing]:
    """Migrate, refuse a database that already holds gaps, load the example data."""
    url = engine.url.render_as_string(hide_password=False)
    setup = [report.once("migrate (alembic upgrade head)", lambda: schema.upgrade_database(url))]
    with db.new_session() as session:
        if session.scalar(select(func.count()).select_from(Gap)):
            raise SystemExit("The benchmark database already has gaps; give it an empty one.")
    setup.append(report.once(f"load {args.gaps:,} gaps + {args.contributions:,} contributions",
                             lambda: _load(args)))
    if engine.dialect.name == "postgresql":
        setup.append(report.once("VACUUM ANALYZE", lambda: _vacuum_analyze(engine)))
    return setup


def _load(args: argparse.Namespace) -> None:
    with db.writing() as session:
        load_demo(session, args.gaps, args.contributions, args.seed)


def _vacuum_analyze(engine: Engine) -> None:
    """What autovacuum does within a minute of such a load; done now so that it does not
    start half-way through the timings and change the plans under them."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("VACUUM ANALYZE")


def measure(app: Flask, engine: Engine, repeat: int) -> list[report.Timing]:
    """The floor first: the table reads every other measurement as a multiple of it."""
    client = signed_in_client(app)
    cookie = f"session={client.get_cookie('session').value}"
    busiest = _busiest_gap()
    with raw_aggregate(engine) as raw, serving(app, quiet=True) as url:
        _check_same_answer(raw(), _figures())
        return report.timed({
            "raw aggregate, DBAPI cursor (floor)": raw,
            "gap_figures(session)": _figures,
            "GET / (Flask test client)": lambda: _ok(client.get("/").status_code),
            "GET / (HTTP, werkzeug server)": lambda: _fetch(url, cookie),
            f"GET /gaps/{busiest} (Flask test client)": lambda: _ok(client.get(f"/gaps/{busiest}").status_code),
        }, repeat)


def signed_in_client(app: Flask, role: str = "viewer"):
    """A test client signed in with ``role`` through the real sign-in form."""
    password = secrets.token_urlsafe(16)
    email = f"bench-{secrets.token_hex(4)}@example.org"  # one per call: several runs may share a database
    with db.writing() as session:
        users.create_user(session, email, role, password)
    client = app.test_client()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', client.get("/login").get_data(as_text=True))
    answer = client.post("/login", data={"email": email, "password": password,
                                         "csrf_token": token.group(1)})
    if answer.status_code != 302:
        raise SystemExit(f"Signing in answered {answer.status_code}")
    return client


@contextmanager
def raw_aggregate(engine: Engine) -> Iterator[Callable[[], list]]:
    """A function running ``figures_query()`` as plain SQL on one DBAPI connection.

    Each run ends its transaction, as the session of a page does, so that neither side keeps
    a snapshot open that the other has to pay for.
    """
    sql = str(figures_query().compile(dialect=engine.dialect, compile_kwargs={"literal_binds": True}))
    connection = engine.raw_connection()

    def run() -> list:
        cursor = connection.cursor()
        try:
            cursor.execute(sql)
            return cursor.fetchall()
        finally:
            cursor.close()
            connection.rollback()

    try:
        yield run
    finally:
        connection.close()


def _busiest_gap() -> str:
    """The gap with the most contributions: the dearest gap page."""
    with db.new_session() as session:
        return max(gap_figures(session), key=lambda f: f.contributions).code


def _figures() -> list:
    with db.new_session() as session:
        return gap_figures(session)


def _check_same_answer(rows: list, figures: list) -> None:
    """The floor must compute what ``gap_figures`` does, or the ratio means nothing."""
    raw = [(gap_id, code, *(int(v) for v in sums)) for gap_id, code, _title, _status, *sums in rows]
    ours = [(f.gap_id, f.code, f.requirement_cents, f.funding_cents, f.pledged_cents, f.received_cents,
             f.written_off_cents, f.contributions, f.exchange_difference_cents) for f in figures]
    if raw != ours:
        raise SystemExit("The raw aggregate and gap_figures disagree; the benchmark would compare apples and pears.")


def _ok(status: int) -> None:
    if status != 200:
        raise SystemExit(f"GET / answered {status}")


def _fetch(url: str, cookie: str) -> None:
    with urllib.request.urlopen(urllib.request.Request(url, headers={"Cookie": cookie})) as response:
        _ok(response.status)
        response.read()
