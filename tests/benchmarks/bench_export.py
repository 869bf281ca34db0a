"""How fast, and in how much memory, is the contributions export? The issue's goals: within
1.3× of the floor's time, and peak memory flat from 100,000 to 1,000,000 contributions.

A throwaway database is migrated and filled with example data (1,000 gaps; contributions
added up to each size in turn), then at each size four exports of the same contributions
are run, each in a fresh Python process so that its peak resident memory is its own:

- raw: the contributions query run raw on the DBAPI cursor, every row appended as it comes
  to a bare openpyxl write-only sheet: the least any openpyxl export can cost, but of raw
  values (minor units, scaled rates), not of what a reader needs;
- floor: the same rows the export writes (``tracker.exports.contribution_rows``, streamed)
  appended as plain tuples to a bare write-only sheet: no number formats, no literal-text
  guard, no layout. The goal is measured against this;
- export: ``GET /reports/contributions.xlsx`` through the Flask test client, the response
  read in chunks and thrown away, which is the app's whole path (query, rows, currency
  formats, literal text, temporary file, send_file);
- pandas: the same query into a DataFrame, then ``DataFrame.to_excel`` (what a user might
  otherwise script).

Machines are shared and timings drift, so with ``--repeat N`` the measurements take turns
N times and the median is reported.

Usage: ``python -m tests.benchmarks.bench_export [--sizes 100000 1000000] [--repeat N]
[--measurements raw floor export pandas] [--postgres [SERVER_URL] | --database-url URL]``;
a SQLite temp file by default. The benchmark runner calls :func:`main` with the same arguments.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import secrets
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from tests.benchmarks.bench_figures import signed_in_client
from tracker import create_app
from tracker.core import db, schema
from tracker.core.models import Contribution
from tracker.exports.rows import contribution_rows, contributions_query
from tracker.maintenance.demo import load_demo

MEASUREMENTS = ("raw", "floor", "export", "pandas")
DEFAULT_POSTGRES_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
RESULTS = Path(__file__).resolve().parents[2] / "bench-results"
GOAL_RATIO = 1.3


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tests.benchmarks.bench_export",
                                     description=__doc__.split("\n\n")[0])
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--postgres", nargs="?", const=DEFAULT_POSTGRES_SERVER, metavar="SERVER_URL",
                       help="use a throwaway database on this PostgreSQL server, dropped afterwards")
    where.add_argument("--database-url", help="an existing, empty database to fill; default: a SQLite temp file")
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000],
                        help="contribution counts to measure, ascending (default: %(default)s)")
    parser.add_argument("--gaps", type=int, default=1_000, help="example gaps (default: %(default)s)")
    parser.add_argument("--measurements", nargs="+", choices=MEASUREMENTS, default=list(MEASUREMENTS),
                        help="which to run (default: all; the goal needs floor and export)")
    parser.add_argument("--repeat", type=int, default=1, help="turns of each measurement; the median is reported")
    parser.add_argument("--measure", choices=MEASUREMENTS, help=argparse.SUPPRESS)  # one child process's job
    return parser.parse_args(argv)


@contextmanager
def throwaway_database(args: argparse.Namespace):
    """The database to fill: given, or a SQLite temp file, or a PostgreSQL database dropped afterwards."""
    if args.database_url:
        yield args.database_url
    elif args.postgres:
        admin = create_engine(make_url(args.postgres), isolation_level="AUTOCOMMIT")
        name = f"tracker_bench_{secrets.token_hex(4)}"
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield make_url(args.postgres).set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
    else:
        with tempfile.TemporaryDirectory(prefix="tracker-bench-") as folder:
            yield f"sqlite:///{Path(folder) / 'bench.sqlite3'}"


def fill_to(url: str, size: int, gaps: int) -> None:
    """Add example contributions until there are ``size`` (and the gaps, the first time)."""
    engine = db.make_engine(url)
    db.bind(engine)
    try:
        with db.writing() as session:
            present = session.scalar(select(func.count()).select_from(Contribution))
            load_demo(session, 0 if present else gaps, size - present, seed=size)
    finally:
        engine.dispose()


def raw_rows(url: str):
    """The export's query compiled to plain SQL, its rows straight from the DBAPI cursor
    (a server-side cursor on PostgreSQL, as the export's ``yield_per`` uses)."""
    engine = create_engine(url)
    connection = engine.raw_connection()
    try:
        sql = str(contributions_query().compile(engine, compile_kwargs={"literal_binds": True}))
        server_side = engine.dialect.name == "postgresql"
        cursor = connection.cursor(name="bench") if server_side else connection.cursor()
        cursor.execute(sql)
        yield from cursor
    finally:
        connection.close()
        engine.dispose()


def bare_loop(rows, target: Path) -> int:
    """Append ``rows`` (tuples) to a bare write-only sheet; the openpyxl floor."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Contributions")
    count = 0
    for count, row in enumerate(rows, start=1):
        sheet.append(row)
    workbook.save(target)
    return count


def measure_raw(url: str, target: Path) -> int:
    return bare_loop(raw_rows(url), target)


def measure_floor(url: str, target: Path) -> int:
    engine = db.make_engine(url)
    db.bind(engine)
    with db.new_session() as session:
        return bare_loop((tuple(vars(row).values()) for row in contribution_rows(session)), target)


def measure_export(url: str, target: Path) -> int:
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "TRACKER_SEED": ""})
    response = signed_in_client(app).get("/reports/contributions.xlsx", buffered=False)
    assert response.status_code == 200, response.status
    with target.open("wb") as out:
        for chunk in response.response:
            out.write(chunk)
    response.close()
    engine = db.make_engine(url)
    with engine.connect() as connection:
        return connection.scalar(select(func.count()).select_from(Contribution))


def measure_pandas(url: str, target: Path) -> int:
    import pandas

    names = [column.name for column in contributions_query().selected_columns]
    frame = pandas.DataFrame.from_records(list(raw_rows(url)), columns=names)
    frame.to_excel(target, index=False, sheet_name="Contributions")
    return len(frame)


def child(args: argparse.Namespace) -> int:
    """Run one measurement and print seconds, rows, file size and this process's peak memory."""
    measure = {"raw": measure_raw, "floor": measure_floor, "export": measure_export,
               "pandas": measure_pandas}[args.measure]
    with tempfile.TemporaryDirectory(prefix="tracker-bench-out-") as folder:
        target = Path(folder) / "out.xlsx"
        started = time.perf_counter()
        rows = measure(args.database_url, target)
        seconds = time.perf_counter() - started
        size = target.stat().st_size
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    print(json.dumps({"seconds": seconds, "rows": rows, "bytes": size, "peak_mib": peak_kib / 1024}))
    return 0


def run_child(name: str, url: str) -> dict:
    command = [sys.executable, "-m", "tests.benchmarks.bench_export", "--measure", name, "--database-url", url]
    done = subprocess.run(command, capture_output=True, text=True, cwd=Path(__file__).resolve().parents[2])
    if done.returncode != 0:
        raise SystemExit(f"{name} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def median_run(turns: list[dict]) -> dict:
    """The turn with the median time (its memory and size with it), and every turn's seconds."""
    ordered = sorted(turns, key=lambda t: t["seconds"])
    return {**ordered[(len(ordered) - 1) // 2], "turns": [round(t["seconds"], 1) for t in turns]}


def report(results: dict) -> str:
    lines = [f"{'rows':>10}  {'measurement':<8}  {'seconds':>9}  {'× floor':>7}  {'peak MiB':>9}  "
             f"{'file MB':>8}  turns",
             "-" * 70]
    for size, by_name in results.items():
        floor = by_name.get("floor", {}).get("seconds")
        for name, found in by_name.items():
            ratio = f"{found['seconds'] / floor:>7.2f}" if floor else f"{'':>7}"
            lines.append(f"{size:>10,}  {name:<8}  {found['seconds']:>9.1f}  {ratio}  {found['peak_mib']:>9.0f}  "
                         f"{found['bytes'] / 1e6:>8.1f}  {found['turns']}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.measure:
        return child(args)
    names = [n for n in MEASUREMENTS if n in args.measurements]
    results: dict[int, dict] = {}
    with throwaway_database(args) as url:
        engine = db.make_engine(url)
        schema.upgrade(engine)
        engine.dispose()
        for size in sorted(args.sizes):
            started = time.perf_counter()
            fill_to(url, size, args.gaps)
            print(f"{size:,} contributions loaded in {time.perf_counter() - started:.0f} s", flush=True)
            turns: dict[str, list] = {name: [] for name in names}
            for _ in range(args.repeat):
                for name in names:
                    turns[name].append(run_child(name, url))
                    print(f"  {name}: {turns[name][-1]}", flush=True)
            results[size] = {name: median_run(found) for name, found in turns.items()}
        database = make_url(url).get_backend_name()
    print(report(results))
    if {"floor", "export"} <= set(names):
        export_ratio = max(r["export"]["seconds"] / r["floor"]["seconds"] for r in results.values())
        peaks = [r["export"]["peak_mib"] for r in results.values()]
        print(f"Export / floor, worst: {export_ratio:.2f}× (goal ≤ {GOAL_RATIO}×); export peak memory "
              f"{peaks[0]:.0f} → {peaks[-1]:.0f} MiB")
    print(f"({database}, {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()})")
    RESULTS.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    (RESULTS / f"export-{stamp}.json").write_text(json.dumps(
        {"database": database, "results": {str(k): v for k, v in results.items()}}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
