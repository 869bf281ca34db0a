"""Everything listed adds up to what is totalled.

Random ledgers (payments, over-payments, write-offs, exchange differences from payments at
another rate, contributions marked paid, cancellations) are recorded through the services;
then the status workbook is downloaded through the app and read with openpyxl, and each US$
column of the Contributions and Payments sheets must sum exactly (in Decimal) to the
Summary's figure, per gap and overall; and the gap page's contributions table must sum to
the figures the same page shows. Both databases: the figures are SQL, and SQLite and
PostgreSQL each compute them.
"""
from __future__ import annotations

import io
import re
from decimal import Decimal
from html import unescape
from html.parser import HTMLParser

from hypothesis import HealthCheck, given, settings
from openpyxl import load_workbook

from reports.sheets import CONTRIBUTION_PARTS, CONTRIBUTIONS, GAPS, PAYMENTS
from tests.test_figures import gap_plans, record_plans
from tests.web.test_reports import cents, records
from tracker.core import db
from tracker.core.figures import Totals, gap_figures

#: Each US$ column of the Contributions sheet and the Summary figure it adds up to.
SUMMED = {"pledged_usd": "pledged", "funding_usd": "funding", "received_usd": "received",
          "written_off_usd": "written_off", "exchange_difference_usd": "exchange_difference"}
#: The gap page's US$ columns and the card that shows the same figure.
PAGE_COLUMNS = {"Pledged (US$)": "Open pledges", "Funding (US$)": "Funding (committed or paid)",
                "Received (US$)": "Received", "Written off (US$)": "Written off",
                "Exchange difference (US$)": "Exchange"}


def total(rows, field: str) -> Decimal:
    return sum((cents(row[field]) for row in rows), Decimal("0.00"))


def check_workbook(client, codes: list[str]) -> None:
    response = client.get("/reports/status.xlsx")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data))
    summary = {row["code"]: row for row in records(book["Summary"], GAPS)}
    listed = records(book["Contributions"], CONTRIBUTIONS)
    paid = records(book["Payments"], PAYMENTS)
    for code in codes:
        of_gap = [row for row in listed if row["gap_code"] == code]
        for field, figure in SUMMED.items():
            assert total(of_gap, field) == cents(summary[code][figure]), (code, field)
        assert total([p for p in paid if p["gap_code"] == code], "usd") == cents(summary[code]["received"]), code
    with db.new_session() as session:
        totals = Totals.of(gap_figures(session))
    for field, figure in SUMMED.items():
        assert total(listed, field) == total(summary.values(), figure) == getattr(totals, f"{figure}_usd"), field
    assert total(paid, "usd") == totals.received_usd
    for row in listed:
        if row["shown_status"].startswith("cancelled"):
            assert row["shown_status"] == "cancelled — counts 0"
            assert all(cents(row[c.field]) == 0 for c in CONTRIBUTION_PARTS), row


class TableReader(HTMLParser):
    """The text of each cell of the contributions table, row by row (header, body, totals)."""

    def __init__(self):
        super().__init__()
        self.rows: list[list[str]] = []
        self.inside = self.cell = None

    def handle_starttag(self, tag, attrs):
        if tag == "table" and "contributions" in (dict(attrs).get("class") or "").split():
            self.inside = True
        elif self.inside and tag == "tr":
            self.rows.append([])
        elif self.inside and tag in ("td", "th"):
            self.cell = []

    def handle_endtag(self, tag):
        if tag == "table":
            self.inside = False
        elif self.inside and tag in ("td", "th") and self.cell is not None:
            self.rows[-1].append(" ".join("".join(self.cell).split()))
            self.cell = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)


def amount(text: str) -> Decimal:
    return Decimal(text.replace(",", ""))


def card(page: str, label: str) -> Decimal:
    """The US$ figure of the card whose title starts with ``label`` (0 when the page shows none)."""
    found = re.search(rf"<dt>{re.escape(label)}[^<]*</dt><dd>US\$ (-?[\d,]+\.\d\d)", page)
    return amount(found.group(1)) if found else Decimal("0.00")


def check_gap_page(client, code: str) -> None:
    page = unescape(client.get(f"/gaps/{code}").get_data(as_text=True))
    reader = TableReader()
    reader.feed(page)
    if not reader.rows:
        assert "No contribution recorded yet" in page
        return
    header, *body, totals = reader.rows
    assert totals[0].startswith("Total")
    in_totals = dict(zip([h for h in header if h.endswith("(US$)")], [t for t in totals[1:] if t], strict=True))
    for column, label in PAGE_COLUMNS.items():
        figure = card(page, label)
        if column not in header:
            assert figure == 0, (code, column)
            continue
        index = header.index(column)
        listed = sum((amount(row[index]) for row in body), Decimal("0.00"))
        assert listed == amount(in_totals[column]) == figure, (code, column, listed, in_totals[column], figure)


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(plans=gap_plans)
def test_listed_columns_add_up_to_the_summary_and_to_the_gap_page(client, plans):
    codes = record_plans(plans)
    check_workbook(client, codes)
    for code in codes:
        check_gap_page(client, code)
