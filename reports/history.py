"""The History sheet: each gap's figures at the end of every day it has a snapshot, and beside
them the totals of the gaps shown by day, drawn above the table as a native line chart of
funding against requirement."""
from __future__ import annotations

from collections.abc import Iterable, Iterator

from openpyxl import Workbook
from openpyxl.chart import LineChart, Reference

from reports.rows import HistoryRow, Notes
from reports.sheets import HISTORY
from reports.summary import FUNDING_COLOUR, legible
from reports.tables import Placed, title_block, write_table

REQUIREMENT_COLOUR = "1F4E8C"
#: Rows kept free above the table for the chart (15 pt each).
CHART_ROWS = 18


class _DaysCounted:
    """The history rows as they stream, counting those that carry a day's totals."""

    def __init__(self, rows: Iterable[HistoryRow]):
        self.rows, self.days = rows, 0

    def __iter__(self) -> Iterator[HistoryRow]:
        for row in self.rows:
            self.days += row.total_day is not None
            yield row


def write_history(workbook: Workbook, rows: Iterable[HistoryRow], notes: Notes) -> Placed:
    counted = _DaysCounted(rows)
    above = title_block("How the gaps moved", [
        ("Chart", "Funding against requirement of the gaps shown, by day (US$)"),
        ("Figures", "Each gap's last snapshot of the day; the recompute job takes them."),
    ], blank_rows=CHART_ROWS)
    placed = write_table(workbook, HISTORY, counted, notes=notes, above=above)
    if counted.days:
        _chart(placed, counted.days)
    return placed


def _chart(placed: Placed, days: int) -> None:
    fields = [c.field for c in HISTORY.columns]
    chart = LineChart()
    chart.title = "Funding against requirement (US$)"
    chart.y_axis.numFmt = "#,##0"
    chart.x_axis.number_format = "yyyy-mm-dd"
    last = placed.first_row + days - 1
    for field, colour in (("total_requirement", REQUIREMENT_COLOUR), ("total_funding", FUNDING_COLOUR)):
        column = 1 + fields.index(field)
        chart.add_data(Reference(placed.sheet, min_col=column, min_row=placed.first_row - 1, max_row=last),
                       titles_from_data=True)
        chart.series[-1].graphicalProperties.line.solidFill = colour
        chart.series[-1].smooth = False
    day_column = 1 + fields.index("total_day")
    chart.set_categories(Reference(placed.sheet, min_col=day_column, min_row=placed.first_row, max_row=last))
    chart.width, chart.height = 22, 8
    legible(chart)
    placed.sheet.add_chart(chart, "A4")
