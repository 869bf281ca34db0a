"""Everything listed adds up to what is totalled.

Random ledgers (payments, over-payments, write-offs, exchange differences from payments at
another rate, contributions marked paid, cancellations) are recorded through the services;
then the status workbook is downloaded through the app and read with openpyxl, and each US$
column of the Contributions and Payments sheets must sum exactly (in Decimal) to the
Summary's figure, per gap and overall; and the gap page's contributions table must sum to
the figures the same page shows; and each donor's statement must add up the same way, its
movements leading from the opening to the closing position, which is its summary. Both
databases: the figures are SQL, and SQLite and PostgreSQL each compute them.
"""
from __future__ import annotations

import io
import re
from decimal import Decimal
from html import unescape
from html.parser import HTMLParser

from hypothesis import HealthCheck, given, settings
from openpyxl import load_workbook
from sqlalchemy import select

from reports.sheets import (
    CONTRIBUTION_PARTS,
    CONTRIBUTIONS,
    GAPS,
    MOVEMENTS,
    PAYMENTS,
    STATEMENT_CONTRIBUTIONS,
    statement_summary,
)
from tests.test_figures import gap_plans, record_plans
from tests.web.test_reports import cents, records
from tracker.core import db
from tracker.core.figures import Totals, donor_totals, gap_figures
from tracker.core.models import Contribution, Gap

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


#: Each line of a statement's summary and the US$ column of its Contributions sheet that adds up to it.
STATEMENT_SUMMED = {"Pledged, not yet committed (not funding)": "pledged_usd",
                    "Committed or paid (funding)": "funding_usd", "Received": "received_usd",
                    "Written off (already out of funding)": "written_off_usd",
                    "Exchange difference (gain +, loss −; part of funding)": "exchange_difference_usd"}


def check_statement(client, donor_id: int) -> None:
    """A donor's statement: its Contributions columns sum to its summary, its movements take
    the opening position to the closing one, and the closing position is the summary."""
    with db.new_session() as session:
        totals = donor_totals(session, donor_id)
    response = client.get(f"/donors/{donor_id}/statement.xlsx")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data))
    currency = totals.single_currency.currency if totals.single_currency else None
    summary = {row["label"]: row for row in records(book["Statement"], statement_summary(currency))}
    listed = records(book["Contributions"], STATEMENT_CONTRIBUTIONS)
    for label, field in STATEMENT_SUMMED.items():
        assert total(listed, field) == cents(summary[label]["usd"]), label
    opening, *moved, closing = records(book["Movements"], MOVEMENTS)
    for field in ("committed_usd", "received_usd"):
        assert cents(opening[field]) + total(moved, field) == cents(closing[field]), field
    assert cents(closing["committed_usd"]) == cents(summary["Committed or paid (funding)"]["usd"]) == totals.funding_usd
    assert cents(closing["received_usd"]) == cents(summary["Received"]["usd"]) == totals.received_usd
    assert cents(closing["outstanding_usd"]) == cents(summary["Outstanding: committed, not yet received"]["usd"])


def donors_of(codes: list[str]) -> list[int]:
    with db.new_session() as session:
        return list(session.scalars(select(Contribution.donor_id).join(Gap).where(Gap.code.in_(codes)).distinct()))


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(plans=gap_plans)
def test_listed_columns_add_up_to_the_summary_the_gap_page_and_each_statement(client, plans):
    codes = record_plans(plans)
    check_workbook(client, codes)
    for code in codes:
        check_gap_page(client, code)
    for donor_id in donors_of(codes):
        check_statement(client, donor_id)
