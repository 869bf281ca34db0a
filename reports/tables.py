"""A table per row type, and the one function that writes a table into a sheet.

Every sheet of every workbook is an optional title block, a header row, data rows and, where
it adds up, a totals row of SUM formulas: frozen header, autofilter, fitted column widths,
headers and long text wrapped (never clipped), printed as :mod:`reports.printing` decides with
the header repeated on each page. Rows are appended as they are read, so a table of a million
rows streams through a write-only sheet in constant memory.
"""
from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from operator import attrgetter

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from reports import formats, printing
from reports.rows import Notes
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
    Kind.TEXT: 24, Kind.USD: 13, Kind.AMOUNT: 17, Kind.RATE: 10, Kind.DATE: 10,
    Kind.PERCENT: 8, Kind.COUNT: 8, Kind.ID: 6, Kind.AS_READ: 16,
}
#: Kinds whose cells are numbers, right-aligned under a right-aligned header.
_NUMBERS = frozenset({Kind.USD, Kind.AMOUNT, Kind.RATE, Kind.PERCENT, Kind.COUNT, Kind.DATE})
_FIXED_FORMATS = {
    Kind.USD: formats.USD_FORMAT, Kind.DATE: formats.DATE_FORMAT, Kind.PERCENT: formats.PERCENT_FORMAT,
    Kind.COUNT: formats.COUNT_FORMAT,
}


@dataclass(frozen=True)
class Column:
    """One column: its header, the row attribute it shows, and how.

    ``total`` is the totals-row formula, with ``{self}`` and ``{<field>}`` standing for column
    letters and ``{first}``, ``{last}``, ``{row}`` for the data rows and the totals row.
    ``wrap`` wraps long text (names, notes) inside the column instead of cutting it off.
    """

    header: str
    field: str
    kind: Kind = Kind.TEXT
    width: int | None = None
    total: str | None = None
    wrap: bool = False


@dataclass(frozen=True)
class Table:
    """A sheet's layout: its name, its columns, where the panes freeze (as if the header were
    row 1), and how many first columns identify a row on every printed page."""

    title: str
    columns: tuple[Column, ...]
    freeze: str = "A2"
    title_columns: int = 1
    highlight: str | None = None  # a row attribute: when true, the row is filled pale red
    printed_columns: int | None = None  # how many first columns print (None: all)
    strong: str | None = None  # a row attribute: when true, the row is bold (a statement's positions)
    portrait: bool = False  # printed upright when it fits at 8 pt (a statement's sheets)

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


@dataclass(frozen=True)
class Above:
    """What stands above a table (a title block, a small table): how many rows it takes, and
    what writes them. The height is known first: a streamed sheet's panes are set before its
    first row."""

    height: int
    write: Callable[[WriteOnlyWorksheet], None]


def write_table(workbook: Workbook, table: Table, rows: Iterable, *, notes: Notes, totals: bool = False,
                above: Above | None = None) -> Placed:
    """Add ``table`` as a new sheet of ``workbook`` with ``rows``, streamed as they come.

    Column widths are fitted to the content when ``rows`` is a sequence (small sheets) and
    taken from the table otherwise (streamed sheets, whose widths must be set before the
    first row). ``above`` writes the rows over the table; ``totals`` adds a totals row under
    the data. ``notes`` names the document and its as-of time in every page's footer, and
    the paper. A row whose ``table.highlight`` attribute is true is filled pale red.
    """
    sheet = workbook.create_sheet(table.title)
    widths = _size_columns(sheet, table, rows if isinstance(rows, Sequence) else ())
    header_row = 1 if above is None else above.height + 1
    printing.set_up(sheet, widths[:table.printed_columns], on=printing.paper(notes.paper), document=notes.title,
                    as_of=notes.as_of, title_row=header_row, title_columns=table.title_columns,
                    portrait=table.portrait)
    freeze_column = "".join(ch for ch in table.freeze if ch.isalpha())
    sheet.freeze_panes = f"{freeze_column}{header_row - 1 + int(table.freeze[len(freeze_column):])}"
    lines = max(printing.lines_needed(c.header, printing.line_room(w)) for c, w in zip(table.columns, widths,
                                                                                         strict=True))
    sheet.row_dimensions[header_row].height = printing.LINE_POINTS * lines + 3
    if above is not None:
        above.write(sheet)
    sheet.append([header_cell(sheet, column.header, _header_alignment(column.kind)) for column in table.columns])
    makers = [_CellMaker(sheet, column, printing.line_room(width, bold=False))
              for column, width in zip(table.columns, widths, strict=True)]
    marked = attrgetter(table.highlight) if table.highlight else None
    strong = attrgetter(table.strong) if table.strong else None
    wrapped = [(make.value, make.room) for make in makers if make.column.wrap]
    restyled = _Restyled(sheet)
    count = 0
    for count, row in enumerate(rows, start=1):
        cells = [make(row) for make in makers]
        tall = _tall_enough(sheet, header_row + count, row, wrapped)
        highlighted = bool(marked and marked(row))
        bold = bool(strong and strong(row))
        if tall or highlighted or bold:
            cells = restyled(cells, fill=formats.OVERDUE_FILL if highlighted else None, top=tall, bold=bold)
        sheet.append(cells)
        sheet.row_dimensions.pop(header_row + count, None)  # written: a million rows keep no heights
    first_row, last_row = header_row + 1, header_row + count
    sheet.auto_filter.ref = f"A{header_row}:{table.last_letter}{last_row}"
    totals_row = None
    if totals and count:
        totals_row = last_row + 1
        sheet.append(_totals(sheet, table, first=first_row, last=last_row, row=totals_row))
    return Placed(sheet, table, first_row, last_row, totals_row)


def title_block(title: str, pairs: Sequence[tuple[str, str]], blank_rows: int = 1) -> Above:
    """What stands above a table: ``title``, a "label: value" line each (one cell, which runs
    on over the empty cells beside it), then ``blank_rows``."""
    def write(sheet: WriteOnlyWorksheet) -> None:
        heading = literal_cell(sheet, title)
        heading.font = formats.TITLE_FONT
        sheet.row_dimensions[1].height = 21
        sheet.append([heading])
        for label, value in pairs:
            sheet.append([literal(sheet, f"{label}: {value}")])
        for _ in range(blank_rows):
            sheet.append([])
    return Above(1 + len(pairs) + blank_rows, write)


def _tall_enough(sheet: WriteOnlyWorksheet, index: int, row, wrapped) -> bool:
    """Give row ``index`` the height its wrapped text needs (LibreOffice keeps a row's stored
    height, so without one a wrapped name would print over the next row); whether it is taller
    than a line."""
    lines = max((printing.lines_needed(str(value(row) or ""), room) for value, room in wrapped), default=1)
    if lines > 1:
        sheet.row_dimensions[index].height = printing.LINE_POINTS * lines + 2
    return lines > 1


class _Restyled:
    """Cells (or values) made into cells with a fill (a highlighted row) and/or aligned to the
    top (a tall row, whose every cell then reads from its first line). Each new style is
    built once and shared: restyling hashes styles, which a long sheet cannot do per cell.
    A bold row (a statement's opening and closing positions) is restyled the same way."""

    def __init__(self, sheet: WriteOnlyWorksheet):
        self.sheet = sheet
        self.styles: dict[tuple, StyleArray] = {}

    def __call__(self, cells: list, *, fill=None, top: bool = False, bold: bool = False) -> list[Cell]:
        restyled = []
        for value in cells:
            cell = value if isinstance(value, Cell) else Cell(self.sheet, row=1, column=1, value=value)
            key = (tuple(cell._style or StyleArray()), fill is not None, top, bold)  # no style yet: the default
            style = self.styles.get(key)
            if style is None:
                if fill is not None:
                    cell.fill = fill
                if bold:
                    cell.font = formats.TOTAL_FONT
                if top:
                    cell.alignment = Alignment(horizontal=cell.alignment.horizontal,
                                               wrap_text=cell.alignment.wrap_text, vertical="top")
                self.styles[key] = StyleArray(cell._style)
            else:
                cell._style = StyleArray(style)
            restyled.append(cell)
        return restyled


class _CellMaker:
    """Makes one column's cells, with what can be decided once per sheet decided once: a
    million-row sheet calls it fifteen million times."""

    def __init__(self, sheet: WriteOnlyWorksheet, column: Column, room: int):
        self.sheet, self.column, self.room = sheet, column, room  # room: characters a line holds
        self.value = attrgetter(column.field)
        self.styles: dict[str, StyleArray] = {}
        self.make = {Kind.TEXT: self._wrapped if column.wrap else self._text, Kind.AS_READ: self._as_read,
                     Kind.ID: self._plain, Kind.RATE: self._plain, Kind.AMOUNT: self._amount,
                     Kind.DATE: self._plain,  # openpyxl formats a date as DATE_FORMAT by itself, and faster
                     }.get(column.kind, self._formatted)

    def __call__(self, row):
        value = self.value(row)
        if value is None or value == "":
            return None  # an empty cell is not written at all
        return self.make(value, row)

    def _text(self, value, _row):
        return literal(self.sheet, str(value))

    def _wrapped(self, value, _row):
        """Text longer than a line, wrapped; shorter text stays a plain value (a million rows)."""
        text = literal(self.sheet, str(value))
        if isinstance(text, str) and len(text) <= self.room:
            return text
        if isinstance(text, Cell):
            text.alignment = formats.WRAP
            return text
        return Cell(self.sheet, row=1, column=1, value=text, style_array=self._style("wrap", formats.WRAP))

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
        # row and column are placeholders: a write-only sheet places the cell when it is appended
        return Cell(self.sheet, row=1, column=1, value=value, style_array=self._style(number_format))

    def _style(self, key: str, alignment=None) -> StyleArray:
        """The shared style ``key``: a number format, or (with ``alignment``) an alignment."""
        style = self.styles.get(key)
        if style is None:
            prototype = WriteOnlyCell(self.sheet)
            if alignment is None:
                prototype.number_format = key
            else:
                prototype.alignment = alignment
            style = self.styles[key] = prototype._style  # openpyxl keeps a cell's style there
        return style


def _header_alignment(kind: Kind):
    return formats.NUMBER_HEADER_ALIGNMENT if kind in _NUMBERS else formats.HEADER_ALIGNMENT


def header_cell(sheet: WriteOnlyWorksheet, header: str, alignment=formats.HEADER_ALIGNMENT) -> Cell:
    """A header, wrapped, aligned as its column's values."""
    cell = literal_cell(sheet, header)
    cell.font = formats.HEADER_FONT
    cell.fill = formats.HEADER_FILL
    cell.alignment = alignment
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


def _size_columns(sheet: WriteOnlyWorksheet, table: Table, rows: Sequence) -> list[float]:
    """Set each column's width and return the widths: the table's (or its kind's), or, for a
    sheet whose rows are known, the longest value (wrapped columns no wider than they ask)."""
    widths = []
    for index, column in enumerate(table.columns, start=1):
        width = column.width or column.kind.width
        if rows:
            longest_word = max(len(word) for word in column.header.split())
            longest = max(longest_word, *(_shown_length(getattr(r, column.field)) for r in rows))
            if column.kind is Kind.AMOUNT:
                longest += 4  # the currency code before the amount ("EUR 1,000.00")
            elif column.kind in (Kind.DATE, Kind.ID):
                longest += 1  # right-aligned: a space before the left-aligned text beside it
            width = min(width if column.wrap else MAX_WIDTH, max(longest_word, longest))
        widths.append(width + 2)
        sheet.column_dimensions[get_column_letter(index)].width = width + 2
    return widths


def _shown_length(value) -> int:
    """Roughly how many characters ``value`` takes on screen in its format."""
    if value is None:
        return 0
    if isinstance(value, Decimal):
        return len(f"{value:,}") + 1  # and a minus sign's room
    if isinstance(value, datetime):
        return 16
    if isinstance(value, date):
        return 10
    if isinstance(value, int):
        return len(f"{value:,}")
    return len(str(value))
