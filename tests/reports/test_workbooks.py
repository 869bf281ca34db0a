"""The builders alone, from plain rows: layout, formats, formulas, and streaming memory."""
from __future__ import annotations

import io
import tempfile
import tracemalloc
from decimal import Decimal

from openpyxl import load_workbook

from reports import formats
from reports.contributions import write_contributions_workbook
from reports.sheets import CONTRIBUTIONS, GAPS
from reports.status import write_status_workbook
from tests.reports import builders


def built(write, *args):
    target = io.BytesIO()
    write(target, *args)
    return load_workbook(io.BytesIO(target.getvalue()))


def headers(sheet) -> list[str]:
    return [cell.value for cell in sheet[1]]


def test_the_status_workbook_has_its_sheets_headers_and_properties():
    book = built(write_status_workbook, builders.status_report())
    assert book.sheetnames == ["Summary", "Contributions", "Payments", "Donors", "Notes"]
    assert headers(book["Summary"]) == [c.header for c in GAPS.columns]
    assert headers(book["Contributions"]) == [c.header for c in CONTRIBUTIONS.columns]
    assert (book.properties.title, book.properties.creator) == ("Funding gap status", "Funding Gap Tracker")


def test_money_is_numbers_in_currency_formats_and_dates_are_dates():
    book = built(write_status_workbook, builders.status_report(contributions=iter([
        builders.contribution(1), builders.contribution(2, amount=Decimal("1500"), currency="JPY"),
        builders.contribution(3, amount=Decimal("1.250"), currency="KWD")])))
    rows = list(book["Contributions"].iter_rows(min_row=2))
    assert [(r[5].value, r[5].number_format) for r in rows] == [
        (1000, '"EUR "#,##0.00'), (1500, '"JPY "#,##0'), (1.25, '"KWD "#,##0.000')]
    assert (rows[0][9].value, rows[0][9].number_format) == (1250, formats.USD_FORMAT)
    assert rows[0][4].is_date and rows[0][4].number_format == formats.DATE_FORMAT
    summary = book["Summary"]
    assert summary["M2"].value == 0.3472 and summary["M2"].number_format == formats.PERCENT_FORMAT


def test_the_summary_totals_are_sum_formulas_with_coverage_of_the_totals():
    book = built(write_status_workbook, builders.status_report(gaps=[builders.gap("A-1"), builders.gap("B-2")]))
    totals = book["Summary"][4]
    assert totals[0].value == "Total"
    assert totals[3].value == "=SUM(D2:D3)" and totals[3].number_format == formats.USD_FORMAT
    assert totals[12].value == '=IF(D4=0,"",E4/D4)'


def test_sheets_are_finance_grade_frozen_filtered_and_printable():
    book = built(write_status_workbook, builders.status_report())
    summary = book["Summary"]
    assert summary.freeze_panes == "C2"
    assert summary.auto_filter.ref == "A1:P2"
    assert summary.page_setup.orientation == "landscape"
    assert (summary.page_setup.fitToWidth, summary.page_setup.fitToHeight) == (1, 0)
    assert summary.sheet_properties.pageSetUpPr.fitToPage
    assert summary.print_title_rows == "$1:$1"
    assert summary.column_dimensions["B"].width >= len("Gap KHM-SME")
    assert [rule.dataBar is not None for rule in summary.conditional_formatting["M2:M2"]] == [True]
    [chart] = summary._charts
    assert (chart.type, chart.grouping, len(chart.series)) == ("bar", "stacked", 2)


def test_the_notes_say_when_what_and_how():
    book = built(write_status_workbook, builders.status_report(notes=builders.notes(filters=[("Funding gap", "X")])))
    cells = {row[0]: row[1] if len(row) > 1 else None for row in book["Notes"].iter_rows(values_only=True) if row}
    assert cells["As of (UTC)"].isoformat() == "2026-11-25T09:30:00"
    assert cells["Funding gap"] == "X" and cells["Funding"] == "Committed or paid." and cells["Source"] == "tests"


def test_the_only_formulas_are_the_builders_totals():
    report = builders.status_report(contributions=iter([builders.contribution(donor="=1+1", note="=SUM(A1)")]))
    book = built(write_status_workbook, report)
    formulas = [(sheet.title, cell.row) for sheet in book for row in sheet.iter_rows() for cell in row
                if cell.data_type == "f"]
    assert formulas and all((title, row) in {("Summary", 3), ("Donors", 3)} for title, row in formulas)


def peak_memory(rows: int) -> int:
    """Peak Python memory while writing ``rows`` generated contributions to a throwaway file."""
    tracemalloc.start()
    try:
        with tempfile.TemporaryFile() as target:
            write_contributions_workbook(target, (builders.contribution(n) for n in range(rows)), builders.notes())
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_memory_does_not_grow_with_the_number_of_rows():
    small, large = peak_memory(300), peak_memory(3_000)
    assert large < small * 1.5, (small, large)
