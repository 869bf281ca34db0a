"""A table per row type, and the one function that writes a table into a sheet.

Every sheet of every workbook is a header row, data rows and, where it adds up, a totals row
of SUM formulas: frozen header, autofilter, fitted column widths, landscape printing fitted
to the page width with the header repeated on each page. Rows are appended as they are read,
so a table of a million rows streams through a write-only sheet in constant memory.
"""
from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from operator import attrgetter

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from reports import formats
from reports.safe_text import literal, literal_cell

#: Widest a fitted column grows, in characters; longer text wraps or is cut off on screen.
MAX_WIDTH = 60
#: The totals row's formula for a column: the SUM of its data rows.
SUM = "=SUM({self}{first}:{self}{last})"


class Kind(enum.Enum):
    """What a column holds, which decides its number format and default width."""

    TEXT = "text"
    USD = "usd"
    AMOUNT = "amount"  # in the currency of the row's ``currency``
    RATE = "rate"  # written as typed (0.92, 151.37, 4100): no format adds to what the number says
    DATE = "date"
    PERCENT = "percent"
    COUNT = "count"
    ID = "id"  # a record's number: shown plain, without thousands separators
    AS_READ = "as read"  # a value from someone's file: text stays literal, numbers and dates as they were

    @property
    def width(self) -> int:
        """Default width in characters, for streamed sheets whose content is not known ahead."""
        return _WIDTHS[self]


_WIDTHS = {
    Kind.TEXT: 24, Kind.USD: 17, Kind.AMOUNT: 19, Kind.RATE: 14, Kind.DATE: 12,
    Kind.PERCENT: 10, Kind.COUNT: 10, Kind.ID: 9, Kind.AS_READ: 16,
}
_FIXED_FORMATS = {
    Kind.USD: formats.USD_FORMAT, Kind.DATE: formats.DATE_FORMAT, Kind.PERCENT: formats.PERCENT_FORMAT,
    Kind.COUNT: formats.COUNT_FORMAT,
}


@dataclass(frozen=True)
class Column:
    """One column: its header, the row attribute it shows, and how.

    ``total`` is the totals-row formula, with ``{self}`` and ``{<field>}`` standing for column
    letters and ``{first}``, ``{last}``, ``{row}`` for the data rows and the totals row.
    """

    header: str
    field: str
    kind: Kind = Kind.TEXT
    width: int | None = None
    total: str | None = None


@dataclass(frozen=True)
class Table:
    """A sheet's layout: its name, its columns, and where the panes freeze."""

    title: str
    columns: tuple[Column, ...]
    freeze: str = "A2"

    def letter(self, field: str) -> str:
        """The column letter of ``field``."""
        return get_column_letter(1 + [c.field for c in self.columns].index(field))

    @property
    def last_letter(self) -> str:
        return get_column_letter(len(self.columns))


@dataclass(frozen=True)
class Placed:
    """Where a table landed: its sheet, its data rows, and its totals row if any."""

    sheet: WriteOnlyWorksheet
    table: Table
    first_row: int
    last_row: int
    totals_row: int | None

    @property
    def rows(self) -> int:
        return self.last_row - self.first_row + 1


def write_table(workbook: Workbook, table: Table, rows: Iterable, *, totals: bool = False) -> Placed:
    """Add ``table`` as a new sheet of ``workbook`` with ``rows``, streamed as they come.

    Column widths are fitted to the content when ``rows`` is a sequence (small sheets) and
    taken from the table otherwise (streamed sheets, whose widths must be set before the
    first row). ``totals`` adds a totals row under the data.
    """
    sheet = workbook.create_sheet(table.title)
    _size_columns(sheet, table, rows if isinstance(rows, Sequence) else ())
    _set_printing(sheet, table)
    sheet.append([_header_cell(sheet, column.header) for column in table.columns])
    makers = [_CellMaker(sheet, column) for column in table.columns]
    count = 0
    for count, row in enumerate(rows, start=1):
        sheet.append([make(row) for make in makers])
    last_row = count + 1
    sheet.auto_filter.ref = f"A1:{table.last_letter}{last_row}"
    totals_row = None
    if totals and count:
        totals_row = last_row + 1
        sheet.append(_totals(sheet, table, first=2, last=last_row, row=totals_row))
    return Placed(sheet, table, 2, last_row, totals_row)


class _CellMaker:
    """Makes one column's cells, with what can be decided once per sheet decided once: a
    million-row sheet calls it fifteen million times."""

    def __init__(self, sheet: WriteOnlyWorksheet, column: Column):
        self.sheet, self.column = sheet, column
        self.value = attrgetter(column.field)
        self.styles: dict[str, StyleArray] = {}
        self.make = {Kind.TEXT: self._text, Kind.AS_READ: self._as_read, Kind.ID: self._plain,
                     Kind.RATE: self._plain, Kind.AMOUNT: self._amount,
                     Kind.DATE: self._plain,  # openpyxl formats a date as DATE_FORMAT by itself, and faster
                     }.get(column.kind, self._formatted)

    def __call__(self, row):
        value = self.value(row)
        if value is None or value == "":
            return None  # an empty cell is not written at all
        return self.make(value, row)

    def _text(self, value, _row):
        return literal(self.sheet, str(value))

    def _as_read(self, value, _row):
        return literal(self.sheet, value) if isinstance(value, str) else value

    def _plain(self, value, _row):
        return value

    def _formatted(self, value, _row):
        return self._styled(value, _FIXED_FORMATS[self.column.kind])

    def _amount(self, value: Decimal, row):
        return self._styled(value, formats.amount_format(row.currency, formats.places(value)))

    def _styled(self, value, number_format: str) -> Cell:
        """A cell with ``number_format``; the style is built once per format and shared."""
        style = self.styles.get(number_format)
        if style is None:
            prototype = WriteOnlyCell(self.sheet)
            prototype.number_format = number_format
            style = self.styles[number_format] = prototype._style  # openpyxl keeps a cell's style there
        return Cell(self.sheet, row=1, column=1, value=value, style_array=style)  # placed when appended


def _header_cell(sheet: WriteOnlyWorksheet, header: str) -> Cell:
    cell = literal_cell(sheet, header)
    cell.font = formats.HEADER_FONT
    cell.fill = formats.HEADER_FILL
    cell.alignment = formats.HEADER_ALIGNMENT
    return cell


def _totals(sheet: WriteOnlyWorksheet, table: Table, *, first: int, last: int, row: int) -> list:
    letters = {column.field: table.letter(column.field) for column in table.columns}
    cells = []
    for index, column in enumerate(table.columns):
        if column.total:
            cell = WriteOnlyCell(sheet, column.total.format(self=letters[column.field], first=first, last=last,
                                                             row=row, **letters))
            cell.number_format = _FIXED_FORMATS.get(column.kind, "General")
        else:
            cell = WriteOnlyCell(sheet, "Total" if index == 0 else None)
        cell.font = formats.TOTAL_FONT
        cell.border = formats.TOTAL_BORDER
        cells.append(cell)
    return cells


def _size_columns(sheet: WriteOnlyWorksheet, table: Table, rows: Sequence) -> None:
    for index, column in enumerate(table.columns, start=1):
        width = column.width or column.kind.width
        if rows:
            longest_word = max(len(word) for word in column.header.split())
            width = min(MAX_WIDTH, max(longest_word, *(_shown_length(getattr(r, column.field)) for r in rows)))
        sheet.column_dimensions[get_column_letter(index)].width = width + 2


def _shown_length(value) -> int:
    """Roughly how many characters ``value`` takes on screen in its format."""
    if value is None:
        return 0
    if isinstance(value, Decimal):
        return len(f"{value:,}") + 5
    if isinstance(value, datetime):
        return 16
    if isinstance(value, date):
        return 10
    if isinstance(value, int):
        return len(f"{value:,}")
    return len(str(value))


def print_landscape_fitted(sheet: WriteOnlyWorksheet) -> None:
    """Print in landscape, as many pages long as needed but one page wide."""
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True


def _set_printing(sheet: WriteOnlyWorksheet, table: Table) -> None:
    """Frozen header; landscape, fitted to the page width, header row on every page, page numbers below."""
    sheet.freeze_panes = table.freeze
    print_landscape_fitted(sheet)
    sheet.print_title_rows = "1:1"
    sheet.oddFooter.center.text = f"{table.title} · page &P of &N"
