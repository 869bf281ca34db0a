"""Hostile text stays literal text; what XLSX cannot hold is removed or cut, never a crash."""
from __future__ import annotations

import io

import pytest
from openpyxl import Workbook, load_workbook

from reports.safe_text import CUT_MARK, MAX_CELL_CHARS, cell_text, literal

HOSTILE = ['=HYPERLINK("http://x","y")', "+1+2", "-3", "@SUM(A1)", "\tTab-led", "\nLF-led", "#N/A", "=1+1"]


def written(values) -> list:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("S")
    sheet.append([literal(sheet, v) for v in values])
    target = io.BytesIO()
    workbook.save(target)
    return list(load_workbook(io.BytesIO(target.getvalue()))["S"][1])


@pytest.mark.parametrize("value", HOSTILE)
def test_a_value_a_spreadsheet_would_evaluate_is_written_as_quoted_text(value):
    [cell] = written([value])
    assert (cell.value, cell.data_type, cell.quotePrefix) == (value, "s", True)


def test_a_carriage_return_becomes_the_line_feed_a_reader_would_see_and_stays_quoted():
    [cell] = written(["\rCR-led\r\nline"])
    assert (cell.value, cell.data_type, cell.quotePrefix) == ("\nCR-led\nline", "s", True)


def test_ordinary_text_is_plain_text():
    [cell] = written(["Government of Japan"])
    assert (cell.value, cell.data_type, cell.quotePrefix) == ("Government of Japan", "s", False)


def test_characters_xlsx_cannot_hold_are_removed():
    assert cell_text("Bell\x07 Donor\x00\x1b\ufffe") == "Bell Donor"
    [cell] = written(["Bell\x07 Donor"])
    assert cell.value == "Bell Donor"


def test_text_too_long_for_a_cell_is_cut_and_the_cut_marked():
    [cell] = written(["x" * 40_000])
    assert len(cell.value) == MAX_CELL_CHARS
    assert cell.value.endswith(CUT_MARK)


def test_text_that_just_fits_is_kept_whole():
    assert cell_text("y" * MAX_CELL_CHARS) == "y" * MAX_CELL_CHARS
