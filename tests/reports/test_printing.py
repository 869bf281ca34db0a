"""Printed, the workbooks are legible: LibreOffice prints each one to PDF and pdfplumber reads
it back. No character is smaller than 8 pt, no header sticks out of its cell, every heading
and every total is on the pages as text, and each page's header names the document."""
from __future__ import annotations

from datetime import UTC, datetime

import pdfplumber
import pytest

from reports.sheets import (
    CONTRIBUTIONS,
    DONORS,
    GAPS,
    HISTORY,
    MOVEMENTS,
    PAYMENTS,
    SCHEDULE,
    STATEMENT_GAPS,
    STATEMENT_INSTALMENTS,
)
from tests.reports.documents import STATEMENT_DONOR, Printed, example_ledger, printed, statement_url
from tests.web.test_reports import workbook
from tracker.core.figures import DEFINITIONS, Totals, donor_totals, gap_figures
from tracker.donors.rules import find_donor

SHEETS = {"Summary": GAPS.columns[:GAPS.printed_columns], "Contributions": CONTRIBUTIONS.columns,
          "Payments": PAYMENTS.columns, "Donors": DONORS.columns, "Schedule": SCHEDULE.columns,
          "History": HISTORY.columns}


@pytest.fixture
def ledger(session):
    example_ledger(session, datetime.now(UTC).date())
    session.commit()


def status_printed(client, tmp_path) -> Printed:
    _, content = workbook(client, "/reports/status.xlsx")
    return printed(content, tmp_path)


def missing_words(done: Printed, sheet: str, texts) -> list[str]:
    """Words of ``texts`` not printed on ``sheet``'s pages (a wrapped header's words stand on
    several lines, so words are compared, not whole headers)."""
    printed_words = done.words_of(sheet)
    return [word for text in texts for word in text.split() if word not in printed_words]


def usd(value) -> str:
    return f"{value:,.2f}"


def test_the_status_workbook_prints_at_8_pt_or_more_with_nothing_clipped(client, ledger, tmp_path):
    done = status_printed(client, tmp_path)
    assert done.smallest >= 8, done.smallest
    assert done.clipped == []
    for sheet in (*SHEETS, "Notes"):
        assert done.pages_of(sheet), f"no page of {sheet}"
    assert all(page.startswith("Funding gap status\n") and " UTC" in page for page in done.pages)


def test_every_heading_of_the_status_workbook_is_printed(client, ledger, tmp_path):
    done = status_printed(client, tmp_path)
    for sheet, columns in SHEETS.items():
        assert missing_words(done, sheet, [c.header for c in columns]) == [], sheet
    assert missing_words(done, "Summary", ["Funding gap status", "Programme: ILO Social Protection Programme"]) == []
    assert missing_words(done, "Schedule", ["Due in the next 12 months", "Overdue (due before today)"]) == []
    assert missing_words(done, "History", ["How the gaps moved", "Funding against requirement (US$)"]) == []
    assert missing_words(done, "Notes", [label for label, _ in DEFINITIONS]) == []


def test_every_total_of_the_summary_is_printed(client, session, ledger, tmp_path):
    done = status_printed(client, tmp_path)
    totals = Totals.of(gap_figures(session))
    shown = [usd(getattr(totals, f"{name}_usd")) for name in (
        "requirement", "funding", "pledged", "received", "written_off", "exchange_difference", "shortfall",
        "surplus", "gap_if_pledges_honoured")]
    assert missing_words(done, "Summary", shown) == []
    assert f"{totals.coverage_pct}%" in done.words_of("Summary")


def test_the_contributions_export_prints_legibly_with_every_heading(client, ledger, tmp_path):
    _, content = workbook(client, "/reports/contributions.xlsx")
    done = printed(content, tmp_path)
    assert done.smallest >= 8 and done.clipped == []
    assert missing_words(done, "Contributions", [c.header for c in CONTRIBUTIONS.columns]) == []
    assert missing_words(done, "Contributions", ["cancelled — counts 0", "Written off: The fund closed"]) == []
    assert all(page.startswith("Contributions export\n") for page in done.pages)


def test_letter_paper_by_setting(app, client, ledger, tmp_path):
    app.config["TRACKER_PAPER_SIZE"] = "Letter"
    _, content = workbook(client, "/reports/contributions.xlsx")
    with pdfplumber.open(printed(content, tmp_path).pdf) as document:
        assert {(round(p.width), round(p.height)) for p in document.pages} == {(792, 612)}


def test_the_donor_statement_prints_upright_and_legibly_with_its_totals(client, session, ledger, tmp_path):
    _, content = workbook(client, statement_url(session))
    done = printed(content, tmp_path)
    assert done.smallest >= 8 and done.clipped == []
    with pdfplumber.open(done.pdf) as document:
        upright = {n for n, page in enumerate(document.pages) if page.height > page.width}
    for sheet in ("Statement", "Movements", "Instalments", "Gaps funded"):
        assert set(done.pages_of(sheet)) <= upright, sheet
    assert all(page.startswith("Statement of contributions — European Union") for page in done.pages)
    assert missing_words(done, "Statement", ["Statement of contributions", "Reporting currency: US dollars",
                                             "Outstanding: committed, not yet received", STATEMENT_DONOR]) == []
    for sheet, table in (("Movements", MOVEMENTS), ("Instalments", STATEMENT_INSTALMENTS),
                         ("Gaps funded", STATEMENT_GAPS)):
        assert missing_words(done, sheet, [c.header for c in table.columns]) == [], sheet
    movements = "\n".join(done.pages[n] for n in done.pages_of("Movements"))
    assert all(line in movements for line in ("Opening position", "Closing position", "Commitment", "Payment"))
    totals = donor_totals(session, find_donor(session, STATEMENT_DONOR).id)
    assert missing_words(done, "Statement", [usd(totals.funding_usd), usd(totals.received_usd),
                                             usd(totals.outstanding_usd)]) == []
    assert missing_words(done, "Notes", [label for label, _ in DEFINITIONS]) == []
