"""A new streaming workbook with its document properties, and the Notes sheet every workbook
ends with: when it was made, what was selected, what each figure means, where it comes from."""
from __future__ import annotations

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from reports import formats, printing
from reports.rows import Notes
from reports.safe_text import literal_cell

#: Widths of the Notes sheet's two columns: the label, and its text (wrapped).
NOTES_WIDTHS = (34, 90)

AUTHOR = "Funding Gap Tracker"


def new_workbook(notes: Notes) -> Workbook:
    """A write-only workbook (rows go to disk as they are added) titled after ``notes``."""
    workbook = Workbook(write_only=True)
    as_of = notes.as_of.replace(tzinfo=None)  # XLSX stores no time zone; the Notes sheet says UTC
    workbook.properties.title = notes.title
    workbook.properties.creator = AUTHOR
    workbook.properties.lastModifiedBy = AUTHOR
    workbook.properties.created = as_of
    workbook.properties.modified = as_of
    return workbook


def write_notes(workbook: Workbook, notes: Notes) -> None:
    """The last sheet: as-of time (UTC), filters used, the definitions, the source."""
    sheet = workbook.create_sheet("Notes")
    for letter, width in zip("AB", NOTES_WIDTHS, strict=True):
        sheet.column_dimensions[letter].width = width
    printing.set_up(sheet, NOTES_WIDTHS, on=printing.paper(notes.paper), document=notes.title, as_of=notes.as_of)

    def heading(text: str, font=formats.TOTAL_FONT) -> None:
        cell = literal_cell(sheet, text)
        cell.font = font
        sheet.append([cell])

    def pairs(rows) -> None:
        for label, value in rows:
            cells = [literal_cell(sheet, label), literal_cell(sheet, value)]
            for cell in cells:
                cell.alignment = formats.WRAP
            sheet.append(cells)

    heading(notes.title, formats.TITLE_FONT)
    as_of = WriteOnlyCell(sheet, notes.as_of.replace(tzinfo=None))
    as_of.number_format = formats.DATETIME_FORMAT
    sheet.append([literal_cell(sheet, "As of (UTC)"), as_of])
    pairs([("Source", notes.source)])
    sheet.append([])
    heading("Filters")
    pairs(notes.filters or [("(none)", "Everything in the tracker")])
    sheet.append([])
    heading("Definitions")
    pairs(notes.definitions)
