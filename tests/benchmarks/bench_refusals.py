"""How fast are hostile uploads refused? A zip bomb (a 4.5 MB .xlsx that would inflate to 1 GiB)
and a 1 TiB request body must be refused from what they declare, never by reading them: the
times here stay near the floor, reading the bomb's ZIP directory with ``zipfile`` alone.

The test suite checks the same refusals for their answers and their memory (tests/web/test_imports.py,
tests/imports/test_reading.py); their speed is measured here, not asserted there.

Usage: ``python -m tests.benchmarks.bench_refusals [--postgres [SERVER_URL] | --database-url URL]
[--repeat R]``; a SQLite temp file by default.
"""
from __future__ import annotations

import io
import re
import zipfile

from tests.benchmarks import report
from tests.benchmarks.bench_figures import database, parse_args, signed_in_client
from tests.imports import files
from tracker import create_app
from tracker.core import schema
from tracker.imports.files import UnreadableFile, read_table

NAME = "refusals"
#: The import's default limit on what an upload may unpack to (config IMPORT_MAX_UNZIPPED_BYTES).
UNZIPPED_CAP = 50 * 1024 * 1024


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv, "python -m tests.benchmarks.bench_refusals", __doc__, contributions=0)
    bomb = files.zip_bomb()
    with database(args) as url:
        app = create_app({"DATABASE_URL": url, "TRACKER_SEED": "", "SECRET_KEY": "x"})
        engine = app.extensions["tracker.engine"]
        try:
            schema.upgrade_database(url)
            client = signed_in_client(app, "editor")
            timings = report.timed({
                "floor: zipfile reads the bomb's directory": lambda: _declared_size(bomb),
                "read_table refuses the bomb": lambda: _refused_by_reader(bomb),
                "POST /import of the bomb (400)": lambda: _posted(client, bomb),
                "POST /import of a 1 TiB body (413)": lambda: _posted_huge(client),
            }, args.repeat)
            machine = report.machine(engine)
        finally:
            engine.dispose()
    print(f"\nresults in {report.publish(NAME, args, machine, [], timings)}")
    return 0


def _declared_size(bomb: bytes) -> int:
    return sum(info.file_size for info in zipfile.ZipFile(io.BytesIO(bomb)).infolist())


def _refused_by_reader(bomb: bytes) -> None:
    try:
        read_table("bomb.xlsx", bomb, max_unzipped=UNZIPPED_CAP)
    except UnreadableFile:
        return
    raise SystemExit("The zip bomb was read instead of refused")


def _token(client) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', client.get("/import").get_data(as_text=True)).group(1)


def _posted(client, bomb: bytes) -> None:
    answer = client.post("/import", data={"csrf_token": _token(client), "spreadsheet": (io.BytesIO(bomb), "bomb.xlsx")})
    if answer.status_code != 400:
        raise SystemExit(f"The zip bomb's upload answered {answer.status_code}")


def _posted_huge(client) -> None:
    answer = client.post("/import", input_stream=files.HugeBody(1 << 40),
                         content_type="multipart/form-data; boundary=x")
    if answer.status_code != 413:
        raise SystemExit(f"The 1 TiB upload answered {answer.status_code}")


if __name__ == "__main__":
    raise SystemExit(main())
