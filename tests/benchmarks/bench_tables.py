"""How fast are the long tables? Every sortable, searchable listing page, timed through the
Flask test client on a fresh database of example data (1,000 gaps and 100,000 contributions by
default), beside the dashboard they are read against ("× raw" is the ratio to ``GET /``).

Usage: ``python -m tests.benchmarks.bench_tables [--postgres [SERVER_URL] | --database-url URL]
[--gaps N] [--contributions M] [--repeat R] [--seed S]``; a SQLite temp file by default.
"""
from __future__ import annotations

from sqlalchemy import Engine, select

from tests.benchmarks import report
from tests.benchmarks.bench_figures import database, parse_args, prepare, signed_in_client
from tracker import create_app
from tracker.core import db
from tracker.core.models import Donor, Gap

NAME = "tables"

#: The pages timed, after the dashboard; {gap} and {donor} are the first example gap and donor.
PAGES = [
    "/gaps/{gap}", "/gaps/{gap}?sort=usd", "/donors/{donor}", "/donors/{donor}?sort=gap&page=3",
    "/donors", "/donors?sort=funding", "/donors?q=donor 01",
    "/contributions", "/contributions?sort=usd", "/contributions?sort=donor", "/contributions?sort=status",
    "/contributions?sort=reference", "/contributions?page=1000", "/contributions?q=DEMO-123",
    "/contributions?q=example donor 007",
    # Filtered (issue 13): alone, combined with a search, a sort and a page, and on a gap's and a donor's page.
    "/contributions?status=committed", "/contributions?currency=EUR", "/contributions?overdue=y",
    "/contributions?date_from=2023-01-01&date_to=2023-03-31", "/contributions?cancelled=hide&sort=usd",
    "/contributions?status=paid&currency=USD&sort=donor&page=20", "/contributions?q=DEMO-123&status=committed",
    "/contributions?gap={gap}&cancelled=hide", "/gaps/{gap}?status=committed&currency=EUR",
    "/donors/{donor}?date_from=2023-01-01&cancelled=hide",
]


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv, "python -m tests.benchmarks.bench_tables", __doc__, contributions=100_000)
    with database(args) as url:
        app = create_app({"DATABASE_URL": url, "TRACKER_SEED": "", "SECRET_KEY": "x"})
        engine: Engine = app.extensions["tracker.engine"]
        try:
            setup = prepare(engine, args)
            timings = measure(app, args.repeat)
            machine = report.machine(engine)
        finally:
            engine.dispose()
    print(f"\nresults in {report.publish(NAME, args, machine, setup, timings)}")
    return 0


def measure(app, repeat: int) -> list[report.Timing]:
    client = signed_in_client(app)
    with db.new_session() as session:
        gap = session.scalar(select(Gap.code).order_by(Gap.code).limit(1))
        donor = session.scalar(select(Donor.id).order_by(Donor.name_key).limit(1))
    urls = ["/", *(page.format(gap=gap, donor=donor) for page in PAGES)]
    return report.timed({f"GET {url}": _getter(client, url) for url in urls}, repeat)


def _getter(client, url: str):
    def get() -> None:
        status = client.get(url).status_code
        if status != 200:
            raise SystemExit(f"GET {url} answered {status}")
    return get


if __name__ == "__main__":
    raise SystemExit(main())
