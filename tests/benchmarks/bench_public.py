"""Does public traffic cost anything that grows with the ledger? The issue's goal: the public
page's throughput at 1,000,000 contributions within 10 % of its throughput at 10,000.

For each size, a fresh database gets 1,000 example gaps (programme DEMO, published with all its
gaps, every example donor named publicly, so that each gap lists its five largest donors at
both sizes and the pages differ only in their figures) and the contributions; the recompute job's
public part runs once (snapshots and the named donors' funding, timed as setup); then each
database is served by its own gunicorn on 127.0.0.1 (the Procfile's command) and a bounded load
generator — a few client threads, each with its own HTTP connection, sharing a fixed number of
requests — fetches each URL from each server in turn, in interleaved rounds. Requests/s and the
latency percentiles are printed per size, with the ratio of the two sizes.

Usage: ``python -m tests.benchmarks.bench_public [--postgres [SERVER_URL]] [--gaps N]
[--sizes 10000,1000000] [--requests R] [--clients C] [--workers W] [--seed S]``; SQLite temp
files by default.
"""
from __future__ import annotations

import argparse
import http.client
import json
import statistics
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

from sqlalchemy import update

from tests.benchmarks import report
from tests.benchmarks.bench_figures import database, parse_args, prepare
from tests.serving import AppProcess, app_env, free_port, get_status, gunicorn_command
from tracker import create_app
from tracker.core import db
from tracker.core.models import Donor, Gap, Programme
from tracker.gaps import snapshots
from tracker.maintenance.demo import PROGRAMME

NAME = "public"
#: What the load generator fetches, each on its own: the page, the open data, and the page asked
#: again with its entity tag (a cache's revalidation: 304).
URLS = [f"/p/{PROGRAMME}", "/open/v1/gaps.json"]
REVALIDATED = f"/p/{PROGRAMME}"
#: Rounds the requests of each URL are split into, the sizes taking turns in each.
ROUNDS = 5


@dataclass(frozen=True)
class Load:
    """One URL under load: every request's latency, and the wall-clock time of them all."""

    name: str
    latencies: list[float]
    wall: float

    @property
    def per_second(self) -> float:
        return len(self.latencies) / self.wall

    def percentile(self, share: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))]

    def json(self) -> dict:
        return {"name": self.name, "requests": len(self.latencies), "wall_seconds": self.wall,
                "requests_per_second": self.per_second, "p50_seconds": self.percentile(0.50),
                "p99_seconds": self.percentile(0.99), "mean_seconds": statistics.fmean(self.latencies)}


def _more(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--sizes", default="10000,1000000",
                        help="contribution counts to compare, comma-separated (default: %(default)s)")
    parser.add_argument("--requests", type=int, default=500, help="requests per URL (default: %(default)s)")
    parser.add_argument("--clients", type=int, default=4, help="concurrent client threads (default: %(default)s)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default: %(default)s)")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv, "python -m tests.benchmarks.bench_public", __doc__, more=_more)
    sizes = [int(size) for size in args.sizes.split(",")]
    with ExitStack() as stack:
        servers, runs = [], []
        for size in sizes:
            args.contributions = size
            url = stack.enter_context(database(args))
            runs.append(_prepare(url, args))
            servers.append(stack.enter_context(_served(url, args.workers)))
        loads = _measure(servers, args)
    for run, measured in zip(runs, loads):
        run["loads"] = [load.json() for load in measured]
        print(f"\n{args.gaps:,} gaps, {run['contributions']:,} contributions · {run['machine']['database']}")
        for step in run["setup"]:
            print(f"  setup: {step['name']}: {step['seconds']:.1f} s")
        for load in measured:
            print(f"  {load.name:<42} {load.per_second:8.1f} req/s   p50 {load.percentile(.5) * 1000:7.1f} ms"
                  f"   p99 {load.percentile(.99) * 1000:7.1f} ms")
    _print_comparison(sizes, runs)
    path = _save(args, sizes, runs)
    print(f"\nresults in {path}")
    return 0


def _prepare(url: str, args: argparse.Namespace) -> dict:
    app = create_app({"DATABASE_URL": url, "TRACKER_SEED": "", "SECRET_KEY": "x"})
    engine = app.extensions["tracker.engine"]
    try:
        setup = prepare(engine, args)
        setup.append(report.once("publish DEMO; recompute (snapshots, named donors)", _publish))
        machine = report.machine(engine)
    finally:
        engine.dispose()
    return {"contributions": args.contributions, "machine": machine,
            "setup": [{"name": s.name, "seconds": s.median} for s in setup]}


@contextmanager
def _served(url: str, workers: int) -> Iterator[str]:
    """The app on ``url`` served by gunicorn on a free local port; yields its base URL."""
    port = free_port()
    server = AppProcess(gunicorn_command(port, workers), app_env(url))
    base = f"http://127.0.0.1:{port}"
    try:
        if get_status(f"{base}/p/{PROGRAMME}") != 200:
            raise SystemExit(f"/p/{PROGRAMME} does not answer 200; gunicorn said:\n{''.join(server.output)}")
        yield base
    finally:
        server.stop()


def _measure(servers: list[str], args: argparse.Namespace) -> list[list[Load]]:
    """Each URL on each server, in interleaved rounds (as ``report.timed`` does): on a shared
    machine the load drifts, and each round puts the same load on every size, so the ratios hold."""
    tags = [_fetch_once(base, REVALIDATED) for base in servers]
    cases = [(path, None, 200, path) for path in URLS]
    cases.append((REVALIDATED, "tag", 304, f"{REVALIDATED} (If-None-Match: 304)"))
    per_round = max(1, args.requests // ROUNDS)
    found: list[dict[str, list[Load]]] = [{name: [] for *_, name in cases} for _ in servers]
    for _ in range(ROUNDS):
        for path, tagged, expect, name in cases:
            for index, base in enumerate(servers):
                headers = {"If-None-Match": tags[index]} if tagged else None
                found[index][name].append(_load(base, path, per_round, args.clients, headers, expect, name))
    return [[Load(name, [x for load in rounds for x in load.latencies], sum(load.wall for load in rounds))
             for name, rounds in by_name.items()] for by_name in found]


def _publish() -> None:
    """What an editor does with the forms (publish the programme and its gaps, name some donors),
    then the recompute job's run."""
    with db.writing() as session:
        session.execute(update(Programme).where(Programme.code == PROGRAMME).values(published=True))
        session.execute(update(Gap).values(published=True))
        session.execute(update(Donor).values(named_publicly=True))
        now = datetime.now(UTC)
        snapshots.record_snapshots(session, now)
        snapshots.record_public_donors(session, now)


def _fetch_once(base: str, path: str) -> str:
    connection = http.client.HTTPConnection(urlsplit(base).netloc, timeout=60)
    connection.request("GET", path)
    response = connection.getresponse()
    response.read()
    connection.close()
    return response.getheader("ETag")


def _load(base: str, path: str, requests: int, clients: int, headers: dict | None = None, expect: int = 200,
          name: str | None = None) -> Load:
    """``requests`` GETs of ``path`` shared by ``clients`` threads, after a warm-up of a few each."""
    netloc = urlsplit(base).netloc
    remaining = iter(range(requests))
    lock = threading.Lock()
    latencies: list[float] = []
    failures: list[str] = []

    def client() -> None:
        connection = http.client.HTTPConnection(netloc, timeout=60)
        for _ in range(5):  # warm-up: the workers' caches, this connection
            _get(connection, path, headers)
        mine = []
        while True:
            with lock:
                if next(remaining, None) is None:
                    break
            start = time.perf_counter()
            status = _get(connection, path, headers)
            mine.append(time.perf_counter() - start)
            if status != expect:
                failures.append(f"{path} answered {status}")
        connection.close()
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - start
    if failures:
        raise SystemExit(f"{len(failures)} failures, e.g. {failures[0]}")
    return Load(name or path, latencies, wall)


def _get(connection: http.client.HTTPConnection, path: str, headers: dict | None) -> int:
    connection.request("GET", path, headers=headers or {})
    response = connection.getresponse()
    response.read()
    return response.status


def _print_comparison(sizes: list[int], runs: list[dict]) -> None:
    if len(runs) < 2:
        return
    small, large = runs[0], runs[-1]
    print(f"\n{'URL':<42} {'req/s at ' + format(sizes[0], ','):>18} {'req/s at ' + format(sizes[-1], ','):>20}"
          f" {'ratio':>7}")
    for before, after in zip(small["loads"], large["loads"]):
        ratio = after["requests_per_second"] / before["requests_per_second"]
        print(f"{before['name']:<42} {before['requests_per_second']:18.1f} {after['requests_per_second']:20.1f}"
              f" {ratio:7.2f}")
    page = large["loads"][0]["requests_per_second"] / small["loads"][0]["requests_per_second"]
    print(f"\npublic page throughput at {sizes[-1]:,} / at {sizes[0]:,} = {page:.2f} (goal ≥ 0.90)")


def _save(args: argparse.Namespace, sizes: list[int], runs: list[dict]):
    now = datetime.now(UTC)
    dialect = runs[0]["machine"]["database"].split()[0]
    path = report.RESULTS / f"{NAME}-{dialect}-{now:%Y%m%dT%H%M%SZ}.json"
    report.RESULTS.mkdir(exist_ok=True)
    parameters = {"gaps": args.gaps, "sizes": sizes, "requests": args.requests, "clients": args.clients,
                  "workers": args.workers, "seed": args.seed}
    path.write_text(json.dumps({"benchmark": NAME, "at": now.isoformat(timespec="seconds"),
                                "parameters": parameters, "runs": runs}, indent=2) + "\n")
    return path


if __name__ == "__main__":
    raise SystemExit(main())
