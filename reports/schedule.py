"""The Schedule sheet: what falls due in each of the next 12 months (overdue first), then
every instalment, the overdue ones filled pale red.

The month totals stand in the listing's own columns (what is due in the Donor column, the
count under Instalment, the US$ under Outstanding US$), so the sheet keeps one set of widths
and prints as one table.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from reports import formats, printing
from reports.rows import MonthDue, Notes
from reports.safe_text import literal_cell
from reports.sheets import SCHEDULE
from reports.tables import Above, Placed, header_cell, write_table

#: Where each figure of a month stands: the listing's columns it shares.
MONTH_COLUMNS = {"label": "donor", "instalments": "number", "due_usd": "outstanding_usd"}
MONTH_HEADERS = {"label": "Due", "instalments": "Instalments",
                 "due_usd": "Outstanding (US$ at the contribution's rate)"}


def write_schedule(workbook: Workbook, instalments, months: Sequence[MonthDue], notes: Notes) -> Placed:
    """The sheet, listing ``instalments`` as they stream, under the month totals."""
    table = replace(SCHEDULE, highlight="overdue")
    return write_table(workbook, table, instalments, notes=notes, above=_months_above(months))


def _months_above(months: Sequence[MonthDue]) -> Above:
    positions = {name: [c.field for c in SCHEDULE.columns].index(field) for name, field in MONTH_COLUMNS.items()}
    width = len(SCHEDULE.columns)

    def line(values: dict) -> list:
        cells = [None] * width
        for name, value in values.items():
            cells[positions[name]] = value
        return cells

    def write(sheet: WriteOnlyWorksheet) -> None:
        title = literal_cell(sheet, "Due in the next 12 months")
        title.font = formats.TITLE_FONT
        sheet.append([title])
        widths = {name: sheet.column_dimensions[SCHEDULE.letter(MONTH_COLUMNS[name])].width for name in MONTH_HEADERS}
        lines = max(printing.lines_needed(text, printing.line_room(widths[name]))
                    for name, text in MONTH_HEADERS.items())
        sheet.row_dimensions[2].height = printing.LINE_POINTS * lines + 3
        sheet.append(line({name: header_cell(sheet, text, formats.HEADER_ALIGNMENT if name == "label"
                                             else formats.NUMBER_HEADER_ALIGNMENT)
                           for name, text in MONTH_HEADERS.items()}))
        for month in months:
            sheet.append(line({"label": literal_cell(sheet, month.label),
                                      "instalments": month.instalments, "due_usd": _usd(sheet, month.due_usd)}))
        first, last = 3, 2 + len(months)
        sheet.append(line({name: _total(sheet, name, positions, first, last) for name in MONTH_HEADERS}))
        sheet.append([])

    return Above(len(months) + 4, write)


def _usd(sheet: WriteOnlyWorksheet, value) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value)
    cell.number_format = formats.USD_FORMAT
    return cell


def _total(sheet: WriteOnlyWorksheet, name: str, positions: dict, first: int, last: int) -> WriteOnlyCell:
    """The totals row of the month block: "Total" under the labels, a SUM under the figures."""
    if name == "label":
        cell = WriteOnlyCell(sheet, "Total")
    else:
        letter = SCHEDULE.letter(MONTH_COLUMNS[name])
        cell = WriteOnlyCell(sheet, f"=SUM({letter}{first}:{letter}{last})" if last >= first else 0)
        cell.number_format = formats.USD_FORMAT if name == "due_usd" else formats.COUNT_FORMAT
    cell.font = formats.TOTAL_FONT
    cell.border = formats.TOTAL_BORDER
    return cell
