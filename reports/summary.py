"""The Summary sheet: a title block (the programme, the as-of time, what was selected), then
one row per gap with a totals row of SUM formulas, coverage drawn as a data bar, and a native
bar chart of funding against shortfall per gap."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.chart.text import RichText
from openpyxl.drawing.text import CharacterProperties, Paragraph, ParagraphProperties
from openpyxl.formatting.rule import DataBarRule
from openpyxl.utils import get_column_letter

from reports import formats, printing
from reports.rows import GapRow, Notes
from reports.sheets import GAPS
from reports.tables import Placed, title_block, write_table

#: Bar colours of the chart: funding as on the app's pages, shortfall in a muted red.
FUNDING_COLOUR = "2E7D4F"
#: Height of a default row (15 pt) in centimetres: how many rows a chart covers.
CM_PER_ROW = 15 / 72 * 2.54
SHORTFALL_COLOUR = "C0504D"


def described(notes: Notes) -> list[tuple[str, str]]:
    """The title block's lines: what a reader at a donor meeting asks first."""
    lines = [("Programme", notes.programme)] if notes.programme else []
    selection = "; ".join(f"{label}: {value}" for label, value in notes.filters if label != "Scope")
    impact = get_column_letter(GAPS.printed_columns + 1)
    return [*lines, ("As of", f"{notes.as_of:%Y-%m-%d %H:%M} UTC"),
            ("Selection", selection or "Every gap, every contribution"), ("Source", notes.source),
            ("Printed", f"the figures; the impact targets (columns {impact} onwards) are on screen only")]


def write_gaps(workbook: Workbook, gaps: Sequence[GapRow], notes: Notes, title: str = GAPS.title, *,
               titled: bool = True) -> Placed:
    """The gaps table with totals, data bar and chart, on a sheet called ``title``, under the
    title block when ``titled``."""
    above = title_block(notes.title, described(notes)) if titled else None
    placed = write_table(workbook, replace(GAPS, title=title), gaps, notes=notes, totals=True, above=above)
    last_printed = placed.totals_row or placed.last_row
    if placed.rows:
        _coverage_bars(placed)
        last_printed = _funding_chart(placed)
    placed.sheet.print_area = f"A1:{get_column_letter(GAPS.printed_columns)}{last_printed}"
    return placed


def legible(chart) -> None:
    """Chart text at 11 pt, like the sheet's, so it prints at 8 pt or more whatever the scale
    the sheet takes (openpyxl's default is smaller); both axes shown in Excel too."""
    size = 100 * printing.BODY_POINTS
    for part in (chart.x_axis, chart.y_axis, chart.legend):
        part.txPr = RichText(p=[Paragraph(pPr=ParagraphProperties(defRPr=CharacterProperties(sz=size)),
                                          endParaRPr=CharacterProperties(sz=size))])
    chart.x_axis.delete = chart.y_axis.delete = False


def _coverage_bars(placed: Placed) -> None:
    column = placed.table.letter("coverage")
    bars = DataBarRule(start_type="num", start_value=0, end_type="num", end_value=1, color=formats.BAR_COLOUR,
                       showValue=True)
    placed.sheet.conditional_formatting.add(f"{column}{placed.first_row}:{column}{placed.last_row}", bars)


def _series(placed: Placed, field: str) -> Reference:
    column = 1 + [c.field for c in placed.table.columns].index(field)
    return Reference(placed.sheet, min_col=column, min_row=placed.first_row - 1, max_row=placed.last_row)


def _funding_chart(placed: Placed) -> int:
    """Stacked horizontal bars: funding then shortfall, which together make the requirement;
    returns the last row the chart covers."""
    chart = BarChart()
    chart.type = "bar"
    chart.grouping = "stacked"
    chart.overlap = 100
    chart.title = "Funding and shortfall per gap (US$)"
    chart.y_axis.numFmt = "#,##0"
    chart.y_axis.majorGridlines = None
    chart.x_axis.scaling.orientation = "maxMin"  # first gap at the top, as in the table
    for field, colour in (("funding", FUNDING_COLOUR), ("shortfall", SHORTFALL_COLOUR)):
        chart.add_data(_series(placed, field), titles_from_data=True)
        chart.series[-1].graphicalProperties.solidFill = colour
        chart.series[-1].graphicalProperties.line.solidFill = colour
    chart.set_categories(Reference(placed.sheet, min_col=1, min_row=placed.first_row, max_row=placed.last_row))
    chart.width = 24
    chart.height = min(40, 4 + 0.8 * placed.rows)
    legible(chart)
    first = (placed.totals_row or placed.last_row) + 3
    placed.sheet.add_chart(chart, f"A{first}")
    return first + int(chart.height / CM_PER_ROW) + 1
