"""Hostile text stays text: the one place that turns a string into a workbook cell.

Donor names, references and notes come from people and from other people's spreadsheets.
openpyxl makes any string that starts with ``=`` a live formula and any string equal to an
Excel error code (``#N/A`` …) an error cell; Excel and LibreOffice treat a leading ``+``,
``-``, ``@``, tab, CR or LF as the start of a formula when a cell is edited (OWASP's
CSV-injection guidance). So every string is written as an inline string cell, and one that
starts with such a character also carries Excel's "quote prefix" style, which keeps it text
even when someone edits the cell. The only formulas in a workbook are the builder's own.

XML 1.0, and so XLSX, cannot hold most control characters: they are removed instead of
crashing the export. A carriage return would silently become a line feed when the file is
read (XML's end-of-line rule), so line ends are written as line feeds, Excel's own. A cell
holds at most 32,767 characters: longer text is cut and the cut is marked, so a reader knows
there was more.
"""
from __future__ import annotations

import re

from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

#: Most characters Excel keeps in one cell.
MAX_CELL_CHARS = 32_767
#: Appended to text that was cut to fit a cell.
CUT_MARK = " […cut: the text was longer than a cell can hold]"
#: First characters that make a spreadsheet read a value as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")
#: Strings openpyxl would write as error cells rather than text.
ERROR_CODES = frozenset({"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A"})
#: Characters outside XML 1.0's Char production (tab, LF and CR are allowed).
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def cell_text(value: str) -> str:
    """``value`` without the characters XLSX cannot hold, line ends as LF, cut (and marked) to fit."""
    text = _NOT_XML.sub("", value).replace("\r\n", "\n").replace("\r", "\n")
    if len(text) > MAX_CELL_CHARS:
        text = text[: MAX_CELL_CHARS - len(CUT_MARK)] + CUT_MARK
    return text


def needs_quote_prefix(text: str) -> bool:
    """Whether a spreadsheet would read ``text`` as anything but text."""
    return text.startswith(FORMULA_STARTS) or text in ERROR_CODES


def literal(sheet: WriteOnlyWorksheet, value: str) -> str | Cell:
    """A cell value for ``sheet`` that Excel and LibreOffice show as the literal ``value``.

    Plain text is returned as a string (openpyxl writes it as an inline string); text a
    spreadsheet would evaluate becomes a string cell with the quote-prefix style.
    """
    text = cell_text(value)
    if not needs_quote_prefix(text):
        return text
    cell = WriteOnlyCell(sheet, text)
    cell.data_type = "s"  # after the value: openpyxl has just made a leading "=" a formula
    cell.quotePrefix = True
    return cell


def literal_cell(sheet: WriteOnlyWorksheet, value: str) -> Cell:
    """Like :func:`literal`, always as a cell, for text that is also styled (headers, titles)."""
    text = literal(sheet, value)
    return text if isinstance(text, Cell) else WriteOnlyCell(sheet, text)
