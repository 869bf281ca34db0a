"""How every sheet prints: legible on A4 (or Letter), never shrunk below 8 pt.

A sheet is fitted to the page width only when the scale that takes keeps its 11 pt text at
8 pt or more; a sheet too wide for that prints at :data:`MIN_SCALE` % and breaks across pages,
its first columns (what identifies a row: number, gap, donor) repeated on every page, like its
header row. Wide sheets print landscape, narrow ones portrait (a statement's sheets upright
when they fit at 8 pt). Every page names the document in its header (a long name cut short:
a statement names its donor) and has a footer with the sheet, the page number and the as-of
time.

Widths are estimated as LibreOffice lays them out (:data:`POINTS_PER_WIDTH`, measured with
Carlito, Calibri's metric twin); Excel draws columns a little narrower, so what fits in one
fits in the other. ``tests/reports/test_printing.py`` prints the workbooks through LibreOffice
and reads the PDFs to check the font sizes and the text.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet.page import PageMargins

#: Points one unit of column width takes when LibreOffice prints at 100 % (Calibri 11).
POINTS_PER_WIDTH = 5.55
#: Size of the sheets' text, in points; titles are larger.
BODY_POINTS = 11
#: Smallest size any text may print at.
MIN_PRINTED_POINTS = 8
#: Smallest print scale, in percent: 11 pt text prints at 8.25 pt.
MIN_SCALE = 75
#: Height of one line of 11 pt text in a row, in points (Excel's and LibreOffice's default row).
LINE_POINTS = 15
#: Page margins in inches: narrow at the sides, room for the footer below.
MARGINS = PageMargins(left=0.5, right=0.5, top=0.6, bottom=0.75, header=0.3, footer=0.3)


@dataclass(frozen=True)
class Paper:
    """A paper size: openpyxl's code for it and its width and height in points (portrait)."""

    name: str
    code: int
    width: float
    height: float

    def printable_width(self, landscape: bool) -> float:
        """Points between the side margins."""
        return (self.height if landscape else self.width) - 72 * (MARGINS.left + MARGINS.right)


PAPERS = {paper.name: paper for paper in (Paper("A4", 9, 595.28, 841.89), Paper("Letter", 1, 612.0, 792.0))}
DEFAULT_PAPER = "A4"


def paper(name: str) -> Paper:
    """The paper called ``name`` (``A4`` or ``Letter``, any case)."""
    for known, found in PAPERS.items():
        if known.lower() == name.strip().lower():
            return found
    raise ValueError(f"Unknown paper size {name!r}; use {' or '.join(PAPERS)}.")


@dataclass(frozen=True)
class Layout:
    """How a sheet prints: orientation, and either fitted to the width or at a fixed scale."""

    landscape: bool
    fit_to_width: bool
    scale: int  # percent; with fit_to_width, the scale the fit is expected to take (at most 100)


def layout(widths: Sequence[float], on: Paper, portrait: bool = False) -> Layout:
    """The layout of a sheet whose columns are ``widths`` wide (in column-width units); a
    ``portrait`` sheet (a statement's) is fitted to a portrait page when that keeps 8 pt."""
    needed = POINTS_PER_WIDTH * sum(widths)
    if needed <= on.printable_width(landscape=False):
        return Layout(landscape=False, fit_to_width=False, scale=100)
    upright = int(100 * on.printable_width(landscape=False) / needed)
    if portrait and upright >= MIN_SCALE:
        return Layout(landscape=False, fit_to_width=True, scale=upright)
    fitted = int(100 * on.printable_width(landscape=True) / needed)
    if fitted >= 100:
        return Layout(landscape=True, fit_to_width=False, scale=100)
    if fitted >= MIN_SCALE:
        return Layout(landscape=True, fit_to_width=True, scale=fitted)
    return Layout(landscape=True, fit_to_width=False, scale=MIN_SCALE)


#: Characters the page header holds on one line (the document's name: a statement names its donor).
HEADER_CHARACTERS = 90


def shortened(text: str, most: int) -> str:
    """``text``, cut to ``most`` characters with an ellipsis when longer."""
    return text if len(text) <= most else text[: most - 1].rstrip() + "…"


def footer_text(text: str) -> str:
    """``text`` as literal header/footer text: ``&`` starts a code there, so it is doubled."""
    return text.replace("&", "&&")


def set_up(sheet: WriteOnlyWorksheet, widths: Sequence[float], *, on: Paper, document: str, as_of: datetime,
           title_row: int | None = None, title_columns: int = 0, portrait: bool = False) -> Layout:
    """Print ``sheet`` legibly on ``on`` paper: orientation and scale from its ``widths`` (see
    :func:`layout` for ``portrait``), its header row (``title_row``) and its first
    ``title_columns`` columns on every page (the columns only when the sheet breaks across
    pages), and the footer."""
    chosen = layout(widths, on, portrait)
    setup = sheet.page_setup
    setup.paperSize = on.code
    setup.orientation = "landscape" if chosen.landscape else "portrait"
    sheet.page_margins = MARGINS
    if chosen.fit_to_width:
        setup.fitToWidth, setup.fitToHeight = 1, 0
        sheet.sheet_properties.pageSetUpPr.fitToPage = True
    else:
        setup.scale = chosen.scale
        setup.pageOrder = "overThenDown"  # a row's continuation is the next page, not the last
    if title_row is not None:
        sheet.print_title_rows = f"{title_row}:{title_row}"
    if title_columns and not chosen.fit_to_width and POINTS_PER_WIDTH * sum(widths) * chosen.scale / 100 > \
            on.printable_width(chosen.landscape):
        sheet.print_title_cols = f"A:{get_column_letter(title_columns)}"
    sheet.oddHeader.center.text = footer_text(shortened(document, HEADER_CHARACTERS))
    sheet.oddFooter.left.text = footer_text(sheet.title)
    sheet.oddFooter.center.text = "Page &P of &N"
    sheet.oddFooter.right.text = f"As of {as_of:%Y-%m-%d %H:%M} UTC"
    return chosen


#: Points an average character takes at 11 pt in Carlito/Calibri, regular and bold (measured,
#: rounded up), and what a cell keeps free at its sides.
CHAR_POINTS = {False: 4.7, True: 5.2}
CELL_PADDING_POINTS = 6
#: What a header's indent (see reports.formats.HEADER_ALIGNMENT) takes from its line.
HEADER_INDENT_POINTS = 12


def line_room(width: float, bold: bool = True) -> int:
    """Characters one line of a column ``width`` wide holds (headers are bold and indented)."""
    padding = CELL_PADDING_POINTS + (HEADER_INDENT_POINTS if bold else 0)
    return max(1, int((POINTS_PER_WIDTH * width - padding) / CHAR_POINTS[bold]))


def lines_needed(text: str, room: int) -> int:
    """Lines ``text`` wraps to where a line holds ``room`` characters. A word longer than a
    line breaks."""
    if len(text) <= room:
        return 1
    lines, used = 1, 0
    for word in text.split():
        length = len(word)
        if used and used + 1 + length > room:
            lines, used = lines + 1, 0
        if used:
            used += 1
        while length > room:
            lines, length = lines + 1, length - room
        used += length
    return lines
