"""The sample rate files beside this module, built from the published layouts."""
from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path

from openpyxl import Workbook

HERE = Path(__file__).parent
UN = HERE / "un-operational-2026-03.csv"
UN_BROKEN = HERE / "un-operational-broken.csv"
UN_NO_RATE_COLUMN = HERE / "un-operational-no-rate-column.csv"
ECB = HERE / "eurofxref-hist.csv"
ECB_BROKEN = HERE / "eurofxref-broken.csv"


def un_workbook() -> bytes:
    """The UN sample as the .xlsx the UN Treasury's page downloads: rates as numbers, dates as dates."""
    book = Workbook()
    sheet = book.active
    lines = UN.read_text().splitlines()
    sheet.append(lines[0].split(","))
    for line in lines[1:]:
        country, name, code, rate, effective = line.split(",")
        sheet.append([country, name, code, float(rate) if "." in rate else int(rate),
                      datetime.strptime(effective, "%d-%b-%Y")])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
