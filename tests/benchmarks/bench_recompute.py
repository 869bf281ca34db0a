"""How long does the recompute job take, next to the raw aggregate it cannot beat (the floor)?

A throwaway database is migrated and loaded with example data (1,000 gaps and 1,000,000
contributions by default), then each of these is timed (median of ``--repeat`` runs after
one untimed warm-up):

- the raw aggregate: ``figures_query()`` compiled once to SQL (values inlined), run on a
  DBAPI cursor with every row fetched: no SQLAlchemy, no objects. The floor;
- the recompute job's work, first run of the day: figures of every gap plus one snapshot
  per gap written (the snapshots are deleted, untimed, before each repetition);
- the same, steady state: nothing changed since the last snapshot, nothing written;
- the whole job as the scheduler runs it (lock, job history, one transaction), steady state.

Usage: ``python -m tests.benchmarks.bench_recompute [--postgres [SERVER_URL] | --database-url URL]
[--gaps N] [--contributions M] [--repeat R]``; a SQLite file in a temporary folder by default.

``make bench`` runs it after the figures benchmark, whose throwaway databases and raw
aggregate it shares.
"""
from __future__ import annotations

import argparse
import contextlib
import os
import platform
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import Engine, delete

from tests.benchmarks.bench_figures import database, raw_aggregate
from tests.benchmarks.databases import DEFAULT_POSTGRES_SERVER
from tracker import create_app
from tracker.core import db, schema
from tracker.core.models import GapSnapshot
from tracker.gaps.snapshots import record_snapshots
from tracker.jobs.runner import Runner
from tracker.maintenance.demo import load_demo


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tests.benchmarks.bench_recompute",
                                     description=__doc__.split("\n\n")[0])
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--postgres", nargs="?", const=DEFAULT_POSTGRES_SERVER, metavar="SERVER_URL",
                       help="a throwaway database on this PostgreSQL server, dropped afterwards "
                            f"(default server: {DEFAULT_POSTGRES_SERVER})")
    where.add_argument("--database-url", help="an existing, empty database to fill")
    parser.add_argument("--gaps", type=int, default=1_000, help="example gaps (default: %(default)s)")
    parser.add_argument("--contributions", type=int, default=1_000_000,
                        help="example contributions (default: %(default)s)")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs of each measurement (default: %(default)s)")
    return parser.parse_args(argv)


def timed(action: Callable[[], object], repeat: int, before: Callable[[], object] = lambda: None) -> list[float]:
    """Seconds of ``repeat`` runs of ``action`` after one warm-up; ``before`` runs untimed each time."""
    before()
    action()
    seconds = []
    for _ in range(repeat):
        before()
        start = time.perf_counter()
        action()
        seconds.append(time.perf_counter() - start)
    return seconds


def recompute_work() -> int:
    """What the recompute job does inside its transaction (tracker.jobs._recompute)."""
    with db.writing() as session:
        return record_snapshots(session, datetime.now(UTC))


def forget_snapshots() -> None:
    with db.writing() as session:
        session.execute(delete(GapSnapshot))


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    with database(args) as url, contextlib.ExitStack() as stack:
        app = create_app({"DATABASE_URL": url, "TRACKER_SEED": "", "SECRET_KEY": "bench"})
        engine: Engine = app.extensions["tracker.engine"]
        try:
            schema.upgrade_database(url)
            start = time.perf_counter()
            with db.writing() as session:
                load_demo(session, args.gaps, args.contributions)
            if engine.dialect.name == "postgresql":
                with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                    connection.exec_driver_sql("VACUUM ANALYZE")
            loaded = time.perf_counter() - start
            runner = Runner(app.config, process="benchmark")
            raw = stack.enter_context(raw_aggregate(engine))
            rows = [
                ("raw aggregate, DBAPI cursor (floor)", timed(raw, args.repeat)),
                (f"recompute, first run ({args.gaps:,} snapshots written)",
                 timed(recompute_work, args.repeat, before=forget_snapshots)),
                ("recompute, steady state (nothing written)", timed(recompute_work, args.repeat)),
                ("whole job via the runner (lock, history), steady",
                 timed(lambda: runner.run("recompute"), args.repeat)),
            ]
            server = f"{engine.dialect.name} {'.'.join(map(str, engine.dialect.server_version_info or ()))}"
        finally:
            engine.dispose()
    print(f"{server} · {os.cpu_count()} CPUs · {platform.processor() or platform.machine()} · "
          f"Python {platform.python_version()}")
    print(f"loaded {args.gaps:,} gaps + {args.contributions:,} contributions in {loaded:.1f} s")
    floor = statistics.median(rows[0][1])
    width = max(len(name) for name, _ in rows)
    print(f"{'measurement':<{width}}  {'median':>10}  {'min':>10}  {'× raw':>6}")
    for name, seconds in rows:
        median = statistics.median(seconds)
        print(f"{name:<{width}}  {median * 1000:>7.1f} ms  {min(seconds) * 1000:>7.1f} ms  {median / floor:>6.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
