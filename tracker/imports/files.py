"""Reading an uploaded spreadsheet into a header row and data rows.

Workbooks are zip files whose parts may inflate a thousandfold: before openpyxl reads one,
the sizes its zip directory declares are added up and a workbook beyond the cap is refused.
Python's zipfile never inflates a part past its declared size (a part that lies fails its
CRC check), so the declared total bounds what reading can cost. openpyxl parses the XML with
defusedxml (installed with the app), which refuses entity expansion attacks.

Shape is capped as well as size: a small file can still hold 100,000 columns, and every page
that lists a file's columns (a choice of header per target) grows with them. A file wider than
``max_columns`` or with a header longer than ``MAX_HEADER_LENGTH`` is refused as it is read,
before it is kept or listed.
"""
from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from itertools import islice

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

#: Parts a genuine workbook never comes near; more is a crafted file.
MAX_ZIP_ENTRIES = 10_000
#: The sheet the template workbook puts the rows on; otherwise the first sheet is read.
TEMPLATE_SHEET = "Contributions"
#: The longest header a column may have; a real one is a few words.
MAX_HEADER_LENGTH = 200

Cell = str | int | float | datetime | bool | None


class UnreadableFile(ValueError):
    """The file cannot be imported; the message tells the user what to do."""


@dataclass(frozen=True)
class Table:
    """A spreadsheet's header row and its non-empty data rows, numbered as the user sees them."""

    headers: tuple[str, ...]
    rows: list[tuple[int, tuple[Cell, ...]]]

    def row(self, number: int) -> tuple[Cell, ...] | None:
        return next((cells for n, cells in self.rows if n == number), None)


def read_table(filename: str, content: bytes, *, max_unzipped: int, max_rows: int | None = None,
               max_columns: int | None = None) -> Table:
    """The table in ``content``, a .xlsx or .csv file, or ``UnreadableFile`` saying why not.

    ``max_rows`` and ``max_columns`` cap its shape (None: no cap).
    """
    if not content:
        raise UnreadableFile("The file is empty.")
    if zipfile.is_zipfile(io.BytesIO(content)):
        raw_rows = _workbook_rows(content, max_unzipped)
    elif filename.lower().endswith(".xlsx"):
        raise UnreadableFile("This .xlsx file is damaged or is not really an Excel workbook.")
    elif filename.lower().endswith((".csv", ".txt")):
        raw_rows = _csv_rows(content, max_columns)
    else:
        raise UnreadableFile("Upload an Excel workbook (.xlsx) or a CSV file (.csv).")
    return _table(raw_rows, max_rows, max_columns)


def read_upload(filename: str, content: bytes, config: Mapping, *, cap_rows: bool = True) -> Table:
    """``read_table`` within the limits of the settings: ``IMPORT_MAX_UNZIPPED_BYTES``,
    ``IMPORT_MAX_COLUMNS`` and, unless ``cap_rows`` is False (the command), ``IMPORT_MAX_ROWS``."""
    return read_table(filename, content, max_unzipped=config["IMPORT_MAX_UNZIPPED_BYTES"],
                      max_rows=config["IMPORT_MAX_ROWS"] if cap_rows else None,
                      max_columns=config["IMPORT_MAX_COLUMNS"])


def _workbook_rows(content: bytes, max_unzipped: int):
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            parts = archive.infolist()
    except zipfile.BadZipFile:
        raise UnreadableFile("This .xlsx file is damaged or is not really an Excel workbook.") from None
    declared = sum(part.file_size for part in parts)
    if len(parts) > MAX_ZIP_ENTRIES or declared > max_unzipped:
        raise UnreadableFile(
            f"This workbook would unpack to {declared / 1_048_576:,.0f} MB, more than the "
            f"{max_unzipped / 1_048_576:,.0f} MB allowed. Remove unused sheets, or save the rows as CSV."
        )
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a malformed file; all mean the same to the user
        raise UnreadableFile("This file could not be read as an Excel workbook (.xlsx). "
                             "Save it from Excel or LibreOffice as .xlsx, or as CSV.") from None
    try:
        sheet = workbook[TEMPLATE_SHEET] if TEMPLATE_SHEET in workbook.sheetnames else workbook.worksheets[0]
        yield from sheet.iter_rows(values_only=True)
    finally:
        workbook.close()


def _csv_rows(content: bytes, max_columns: int | None) -> list[list[str]]:
    """The rows of a CSV file read as a whole, as it was written.

    The standard dialect (comma, double quote, a doubled quote inside quotes) is tried first:
    a guess from the start of a file cannot tell whether quotes are doubled further down, and a
    wrong guess splits a later value silently. A guessed dialect (semicolons, tabs) is taken only
    when the standard one does not give every row the header's number of columns, or sees a
    single column (an import needs at least the donor and the amount). A file that no dialect
    reads consistently is refused, naming its first row that disagrees. A header wider than
    ``max_columns`` is refused first: that is what is wrong with such a file, whatever its rows.
    """
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UnreadableFile("This CSV file is not in UTF-8. In Excel, save it as “CSV UTF-8”.") from None
    standard = _CsvReading.of(text, csv.excel)
    _check_width(standard.header_width, max_columns)
    if standard.reads_well:
        return standard.rows
    sniffed = _sniffed(text)
    if sniffed is not None and sniffed.reads_well:
        return sniffed.rows
    # The reading that splits the header into more columns is the one the file meant.
    meant = sniffed if sniffed is not None and sniffed.header_width > standard.header_width else standard
    if meant.disagreeing is None:
        return meant.rows
    number, width = meant.disagreeing
    raise UnreadableFile(f"Row {number} has {width} columns but the header row has {meant.header_width}. Check "
                         "that row: a value holding the separator must be in double quotes, and a double quote "
                         "inside it doubled (\"\").")


def _sniffed(text: str) -> _CsvReading | None:
    """The file read with the dialect guessed from its start, or from its header line alone when a
    row that disagrees makes the start ambiguous; None when the guess is the standard separator."""
    for sample in (text[:8192], text.partition("\n")[0]):
        try:
            dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
        except csv.Error:
            continue
        return None if dialect.delimiter == csv.excel.delimiter else _CsvReading.of(text, dialect)
    return None


@dataclass(frozen=True)
class _CsvReading:
    """A CSV file's rows as one dialect reads them, and whether they agree on their number of columns."""

    rows: list[list[str]]
    header_width: int
    disagreeing: tuple[int, int] | None  # (row number, its number of columns), the first not the header's

    @classmethod
    def of(cls, text: str, dialect) -> _CsvReading:
        try:
            rows = list(csv.reader(io.StringIO(text, newline=""), dialect))
        except csv.Error as error:
            raise UnreadableFile(f"This CSV file is malformed: {error}.") from None
        # Rows numbered as the user sees them; blank ones are skipped (as ``_table`` does).
        filled = [(number, len(row)) for number, row in enumerate(rows, start=1) if any(c.strip() for c in row)]
        header_width = filled[0][1] if filled else 0
        disagreeing = next(((number, width) for number, width in filled[1:] if width != header_width), None)
        return cls(rows, header_width, disagreeing)

    @property
    def reads_well(self) -> bool:
        return self.header_width > 1 and self.disagreeing is None


def _check_width(width: int, max_columns: int | None, row: int | None = None) -> None:
    if max_columns is not None and width > max_columns:
        where = "The file" if row is None else f"Row {row} of the file"
        raise UnreadableFile(f"{where} has {width:,} columns, more than the {max_columns:,} an import reads. "
                             "Keep only the columns of the contributions and upload it again.")


def _table(raw_rows, max_rows: int | None, max_columns: int | None) -> Table:
    """Header from the first non-empty row; empty rows skipped; trailing empty cells dropped;
    a row wider than ``max_columns`` refused as soon as it is read."""
    numbered = ((number, _trimmed(row)) for number, row in enumerate(raw_rows, start=1))
    numbered = ((number, row) for number, row in numbered if row)
    first = next(numbered, None)
    if first is None:
        raise UnreadableFile("The file has no rows.")
    _check_width(len(first[1]), max_columns)
    headers = _headers(first[1])
    numbered = (_within(number, row, max_columns) for number, row in numbered)
    limit = None if max_rows is None else max_rows + 1
    rows = list(islice(numbered, limit))
    if max_rows is not None and len(rows) > max_rows:
        raise UnreadableFile(f"The file has more than {max_rows:,} rows. Split it, or load it with the "
                             "command `flask --app tracker import-contributions`.")
    if not rows:
        raise UnreadableFile("The file has a header row but no rows under it.")
    return Table(headers, rows)


def _within(number: int, row: tuple[Cell, ...], max_columns: int | None) -> tuple[int, tuple[Cell, ...]]:
    _check_width(len(row), max_columns, number)
    return number, row


def _trimmed(row) -> tuple[Cell, ...]:
    cells = [None if (isinstance(c, str) and not c.strip()) else c for c in row]
    while cells and cells[-1] is None:
        cells.pop()
    return tuple(cells)


def _headers(row: tuple[Cell, ...]) -> tuple[str, ...]:
    headers = tuple(" ".join(str(c).split()) if c is not None else f"Column {get_column_letter(i)}"
                    for i, c in enumerate(row, start=1))
    too_long = next((h for h in headers if len(h) > MAX_HEADER_LENGTH), None)
    if too_long is not None:
        raise UnreadableFile(f"A column header is {len(too_long):,} characters long (“{too_long[:40]}…”); a header "
                             f"has at most {MAX_HEADER_LENGTH}. Shorten it and upload the file again.")
    seen = set()
    for header in headers:
        if header.casefold() in seen:
            raise UnreadableFile(f"Two columns are both headed “{header}”; rename one and upload the file again.")
        seen.add(header.casefold())
    return headers
