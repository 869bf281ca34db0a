"""Spreadsheets to import, made on the fly: workbooks, CSV, a zip bomb, and a body too large to send."""
from __future__ import annotations

import csv
import functools
import io
import zipfile
from datetime import datetime

from openpyxl import Workbook

HEADERS = ["Donor", "Gap", "Funding", "Currency", "Exchange rate", "Status", "Decision date", "Reference"]
CLEAN = [
    ["Government of Japan", "KHM-SME", 250000.5, "USD", None, "Committed", datetime(2026, 3, 1), "JP-1"],
    ["  sweden  ", "KHM-SME", 1000, "EUR", 0.8, " Pledged ", datetime(2026, 2, 1), "SE-1"],
    ["Kuwait  Fund", "khm-sme", "12,345.678", "KWD", "0.307", "paid", "2026-01-20", "KW-1"],
]
#: Each bad row and the column of its problem.
WITH_ERRORS = [
    *CLEAN,
    ["Placeholder", "KHM-SME", 0, "USD", None, "Pledged", None, ""],  # row 5: zero amount
    ["", "KHM-SME", 100, "USD", None, "Paid", None, ""],  # row 6: no donor
    ["ILO RBSA", "NOPE", 100, "USD", None, "maybe", "03/01/2026", ""],  # row 7: status and date (and gap)
    ["Norway", "KHM-SME", 12.345, "USD", None, "committed", None, ""],  # row 8: cents
    ["Norway", "KHM-SME", 100, "EUR", None, "committed", datetime(2026, 1, 5), ""],  # row 9: no rate on file
]

#: A donor name that needs quotes with doubled quotes inside, as Excel and Python's csv write it.
QUOTED_DONOR = 'WFP "FAC": food, emergency'


def after_8_kib(row) -> list[list]:
    """Plain rows filling more than the 8 KiB a dialect used to be guessed from, then ``row``."""
    filler = [[f"Donor {n}", "KHM-SME", 100 + n, "USD", None, "paid", datetime(2026, 1, 5), f"F-{n}"]
              for n in range(200)]
    return [*filler, row]


def workbook(rows, headers=HEADERS, sheet="Sheet1") -> bytes:
    book = Workbook()
    book.active.title = sheet
    book.active.append(headers)
    for row in rows:
        book.active.append(row)
    target = io.BytesIO()
    book.save(target)
    return target.getvalue()


def csv_file(rows, headers=HEADERS, delimiter=",") -> bytes:
    target = io.StringIO()
    writer = csv.writer(target, delimiter=delimiter)
    writer.writerow(headers)
    for row in rows:
        writer.writerow(["" if v is None else v.date().isoformat() if isinstance(v, datetime) else v for v in row])
    return target.getvalue().encode("utf-8")


@functools.cache
def wide_csv(columns: int = 100_000) -> bytes:
    """The issue's wide upload: a 0.69 MB CSV whose header row has 100,000 cells, over one row
    of a contribution padded with empty cells to the header's width (a file every reader accepts
    as far as its shape goes)."""
    headers = [*HEADERS, *(f"c{n}" for n in range(columns - len(HEADERS)))]
    row = ["Japan", "KHM-SME", "100", "USD", "", "paid", "", "W-1"]
    return ",".join(headers).encode() + b"\n" + ",".join(row).encode() + b"," * (columns - len(row)) + b"\n"


@functools.cache
def zip_bomb() -> bytes:
    """A 4.5 MB .xlsx whose one sheet inflates to 1 GiB (made once, in 1 MiB steps)."""
    target = io.BytesIO()
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as part:
            chunk = b" " * (1 << 20)
            for _ in range(1024):
                part.write(chunk)
    return target.getvalue()


class HugeBody(io.RawIOBase):
    """A request body of ``size`` bytes that exists only as it is read (never all in memory)."""

    def __init__(self, size: int):
        self.size, self.position = size, 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        self.position = {io.SEEK_SET: 0, io.SEEK_CUR: self.position, io.SEEK_END: self.size}[whence] + offset
        return self.position

    def tell(self) -> int:
        return self.position

    def readinto(self, buffer) -> int:
        length = min(len(buffer), self.size - self.position)
        buffer[:length] = b"x" * length
        self.position += length
        return length
