"""The builders alone, from plain rows: layout, formats, formulas, and streaming memory."""
from __future__ import annotations

import io
import tempfile
import tracemalloc
from decimal import Decimal

from openpyxl import load_workbook

from reports import formats
from reports.contributions import write_contributions_workbook
from reports.sheets import CONTRIBUTIONS, GAPS, HISTORY, SCHEDULE
from reports.status import write_status_workbook
from tests.reports import builders

#: Where the Summary's table starts under its title block (title, as of, selection, source, printed, blank line).
SUMMARY_HEADER = 7


def built(write, *args):
    target = io.BytesIO()
    write(target, *args)
    return load_workbook(io.BytesIO(target.getvalue()))


def headers(sheet, row: int = 1) -> list[str]:
    return [cell.value for cell in sheet[row]]


def test_the_status_workbook_has_its_sheets_headers_and_properties():
    book = built(write_status_workbook, builders.status_report())
    assert book.sheetnames == ["Summary", "Contributions", "Payments", "Donors", "Schedule", "History", "Notes"]
    assert headers(book["Summary"], SUMMARY_HEADER) == [c.header for c in GAPS.columns]
    assert headers(book["Contributions"]) == [c.header for c in CONTRIBUTIONS.columns]
    assert (book.properties.title, book.properties.creator) == ("Funding gap status", "Funding Gap Tracker")


def test_money_is_numbers_in_currency_formats_and_dates_are_dates():
    book = built(write_status_workbook, builders.status_report(contributions=iter([
        builders.contribution(1), builders.contribution(2, amount=Decimal("1500"), currency="JPY"),
        builders.contribution(3, amount=Decimal("1.250"), currency="KWD")])))
    rows = list(book["Contributions"].iter_rows(min_row=2))
    assert [(r[5].value, r[5].number_format) for r in rows] == [
        (1000, '"EUR "#,##0.00'), (1500, '"JPY "#,##0'), (1.25, '"KWD "#,##0.000')]
    funding = [c.field for c in CONTRIBUTIONS.columns].index("funding_usd")
    assert (rows[0][funding].value, rows[0][funding].number_format) == (1250, formats.USD_FORMAT)
    assert rows[0][4].is_date and rows[0][4].number_format == formats.DATE_FORMAT
    summary = book["Summary"]
    coverage = summary[f"M{SUMMARY_HEADER + 1}"]
    assert coverage.value == 0.3472 and coverage.number_format == formats.PERCENT_FORMAT


def test_the_summary_totals_are_sum_formulas_with_coverage_of_the_totals():
    book = built(write_status_workbook, builders.status_report(gaps=[builders.gap("A-1"), builders.gap("B-2")]))
    first, row = SUMMARY_HEADER + 1, SUMMARY_HEADER + 3
    totals = book["Summary"][row]
    assert totals[0].value == "Total"
    assert totals[3].value == f"=SUM(D{first}:D{first + 1})" and totals[3].number_format == formats.USD_FORMAT
    assert totals[12].value == f'=IF(D{row}=0,"",E{row}/D{row})'


def test_sheets_are_finance_grade_frozen_filtered_and_printable():
    book = built(write_status_workbook, builders.status_report())
    summary = book["Summary"]
    data = SUMMARY_HEADER + 1
    assert summary["A1"].value == "Funding gap status" and summary["A2"].value == "As of: 2026-11-25 09:30 UTC"
    assert summary.freeze_panes == f"C{data}"
    assert summary.auto_filter.ref == f"A{SUMMARY_HEADER}:P{data}"
    assert summary.page_setup.orientation == "landscape" and summary.page_setup.paperSize == 9
    assert summary.print_title_rows == f"${SUMMARY_HEADER}:${SUMMARY_HEADER}"
    assert summary.column_dimensions["B"].width >= len("Gap KHM-SME")
    assert summary.row_dimensions[SUMMARY_HEADER].height >= 4 * 15  # "Shortfall if every pledge is honoured (US$)"
    assert [rule.dataBar is not None for rule in summary.conditional_formatting[f"M{data}:M{data}"]] == [True]
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
    month_totals = 3 + len(builders.months())
    assert formulas and all((title, row) in {("Summary", SUMMARY_HEADER + 2), ("Donors", 3), ("Schedule", month_totals)}
                            for title, row in formulas)


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


def test_wide_sheets_print_at_8_pt_or_more_and_narrow_ones_fit():
    """Fitted to the width only when that keeps 11 pt text at 8 pt or more; otherwise at 75 %
    with the identifying columns repeated on every page."""
    book = built(write_status_workbook, builders.status_report())
    for sheet in book:
        setup = sheet.page_setup
        fitted = sheet.sheet_properties.pageSetUpPr.fitToPage
        assert fitted or int(setup.scale or 100) >= 75, sheet.title
        assert "Page &P of &N" in sheet.oddFooter.center.text and "2026-11-25 09:30 UTC" in sheet.oddFooter.right.text
    contributions = book["Contributions"]
    assert not contributions.sheet_properties.pageSetUpPr.fitToPage and contributions.page_setup.scale == 75
    assert contributions.print_title_cols == "$A:$C" and contributions.print_title_rows == "$1:$1"
    assert book["Notes"].page_setup.orientation == "landscape"


def test_letter_paper_by_setting():
    book = built(write_status_workbook, builders.status_report(notes=builders.notes(paper="Letter")))
    assert {sheet.page_setup.paperSize for sheet in book} == {1}


def test_the_schedule_totals_each_month_and_fills_overdue_instalments():
    book = built(write_status_workbook, builders.status_report())
    sheet = book["Schedule"]
    assert sheet["A1"].value == "Due in the next 12 months"
    donor, count, usd = (SCHEDULE.letter(f) for f in ("donor", "number", "outstanding_usd"))
    assert (sheet[f"{donor}3"].value, sheet[f"{count}3"].value, sheet[f"{usd}3"].value) == (
        "Overdue (due before today)", 1, 625)
    assert sheet[f"{donor}4"].value == "January 2026" and sheet[f"{donor}15"].value == "December 2026"
    assert sheet[f"{usd}16"].value == f"=SUM({usd}3:{usd}15)"
    header = 18
    assert headers(sheet, header) == [c.header for c in SCHEDULE.columns]
    overdue, pending = sheet[header + 1], sheet[header + 2]
    assert overdue[-1].value == "overdue" and {c.fill.fgColor.rgb for c in overdue} == {"00F8D7DA"}
    assert pending[-1].value == "pending" and pending[0].fill.fgColor.rgb != "00F8D7DA"


def test_the_history_has_a_line_chart_of_funding_against_requirement():
    book = built(write_status_workbook, builders.status_report())
    sheet = book["History"]
    [chart] = sheet._charts
    assert chart.tagname == "lineChart" and len(chart.series) == 2
    header = next(r for r in range(1, 40) if sheet.cell(r, 1).value == HISTORY.columns[0].header)
    assert sheet.print_title_rows == f"${header}:${header}"
    assert [sheet.cell(header + d, 8).value for d in (1, 2, 3)] == [10000, 20000, 30000]
