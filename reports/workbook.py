"""A new streaming workbook with its document properties, and the Notes sheet every workbook
ends with: when it was made, what was selected, what each figure means, where it comes from."""
from __future__ import annotations

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from reports import formats
from reports.rows import Notes
from reports.safe_text import literal, literal_cell
from reports.tables import print_landscape_fitted

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
    sheet.column_dimensions["A"].width = 36
    sheet.column_dimensions["B"].width = 100
    print_landscape_fitted(sheet)

    def heading(text: str, font=formats.TOTAL_FONT) -> None:
        cell = literal_cell(sheet, text)
        cell.font = font
        sheet.append([cell])

    def pairs(rows) -> None:
        for label, value in rows:
            sheet.append([literal(sheet, label), literal(sheet, value)])

    heading(notes.title, formats.TITLE_FONT)
    as_of = WriteOnlyCell(sheet, notes.as_of.replace(tzinfo=None))
    as_of.number_format = formats.DATETIME_FORMAT
    sheet.append([literal(sheet, "As of (UTC)"), as_of])
    pairs([("Source", notes.source)])
    sheet.append([])
    heading("Filters")
    pairs(notes.filters or [("(none)", "Everything in the tracker")])
    sheet.append([])
    heading("Definitions")
    pairs(notes.definitions)
