"""Reading uploads and rows: what is accepted, normalised, or refused, without the database."""
from __future__ import annotations

import re
import tracemalloc
import zipfile
from datetime import date
from decimal import Decimal

import pytest

from tests.imports import files
from tracker.imports.files import UnreadableFile, read_table
from tracker.imports.mapping import Mapping, guessed, header_key
from tracker.imports.rows import Entry, parse_row

CAP = 50 * 1024 * 1024


def test_a_workbook_and_a_csv_read_the_same_rows():
    book = read_table("a.xlsx", files.workbook(files.CLEAN), max_unzipped=CAP)
    sheet = read_table("a.csv", files.csv_file(files.CLEAN, delimiter=";"), max_unzipped=CAP)
    assert book.headers == sheet.headers == tuple(files.HEADERS)
    assert [n for n, _ in book.rows] == [n for n, _ in sheet.rows] == [2, 3, 4]


def test_a_quoted_value_after_the_first_8_kib_reads_as_written():
    content = files.csv_file(files.after_8_kib([files.QUOTED_DONOR, "KHM-SME", 5, "USD", None, "paid", None, "Q"]))
    assert b'"WFP ""FAC"": food, emergency"' in content[8192:]
    table = read_table("a.csv", content, max_unzipped=CAP)
    assert table.rows[-1][1][:3] == (files.QUOTED_DONOR, "KHM-SME", "5")


@pytest.mark.parametrize("delimiter", [";", "\t"])
def test_semicolon_and_tab_separated_files_read_as_the_standard_one(delimiter):
    table = read_table("a.csv", files.csv_file(files.CLEAN, delimiter=delimiter), max_unzipped=CAP)
    assert table.headers == tuple(files.HEADERS)
    assert table.rows == read_table("a.csv", files.csv_file(files.CLEAN), max_unzipped=CAP).rows


@pytest.mark.parametrize("delimiter", [",", ";"])
def test_a_row_with_another_number_of_columns_is_refused_by_its_number(delimiter):
    rows = [*files.CLEAN[:2], [*files.CLEAN[2], "one too many"], files.CLEAN[0]]
    with pytest.raises(UnreadableFile, match="^Row 4 has 9 columns but the header row has 8. "):
        read_table("a.csv", files.csv_file(rows, delimiter=delimiter), max_unzipped=CAP)


def test_empty_rows_are_skipped_and_row_numbers_kept():
    table = read_table("a.xlsx", files.workbook([files.CLEAN[0], [None, None], files.CLEAN[1]]), max_unzipped=CAP)
    assert [n for n, _ in table.rows] == [2, 4]


def test_a_zip_bomb_is_refused_from_its_declared_size_in_little_memory():
    bomb = files.zip_bomb()
    tracemalloc.start()
    try:
        with pytest.raises(UnreadableFile, match="would unpack to 1,024 MB, more than the 50 MB allowed"):
            read_table("bomb.xlsx", bomb, max_unzipped=CAP)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 2 * 1024 * 1024  # the 4.5 MB upload is the test's own; reading adds next to nothing


@pytest.mark.parametrize("name, content, message", [
    ("a.xlsx", b"not a zip at all", "damaged or is not really an Excel workbook"),
    ("a.pdf", b"%PDF-1.4", "Upload an Excel workbook (.xlsx) or a CSV file"),
    ("a.csv", "Donor,Amount\nCafé,1\n".encode("latin-1"), "not in UTF-8"),
    ("a.csv", b"", "The file is empty."),
    ("a.csv", b"Donor,Amount\n", "no rows under it"),
    ("a.csv", b"Donor,donor\nx,y\n", "both headed"),
])
def test_a_file_that_cannot_be_read_says_why(name, content, message):
    with pytest.raises(UnreadableFile, match=re.escape(message)):
        read_table(name, content, max_unzipped=CAP)


def test_a_zip_that_is_not_a_workbook_is_refused(tmp_path):
    path = tmp_path / "x.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("hello.txt", "hi")
    with pytest.raises(UnreadableFile, match="could not be read as an Excel workbook"):
        read_table("x.xlsx", path.read_bytes(), max_unzipped=CAP)


def test_too_many_rows_for_the_web_are_refused():
    with pytest.raises(UnreadableFile, match="more than 2 rows"):
        read_table("a.csv", files.csv_file(files.CLEAN), max_unzipped=CAP, max_rows=2)


def test_the_issues_wide_csv_is_refused_for_its_columns():
    wide = files.wide_csv()
    assert 0.6e6 < len(wide) < 0.8e6 and wide.partition(b"\n")[0].count(b",") == 99_999
    with pytest.raises(UnreadableFile, match="^The file has 100,000 columns, more than the 200 an import reads"):
        read_table("wide.csv", wide, max_unzipped=CAP, max_columns=200)


def test_a_workbook_wider_than_the_cap_is_refused_in_its_header_or_in_a_row():
    with pytest.raises(UnreadableFile, match="^The file has 9 columns, more than the 8"):
        read_table("a.xlsx", files.workbook(files.CLEAN, [*files.HEADERS, "Note"]), max_unzipped=CAP, max_columns=8)
    with pytest.raises(UnreadableFile, match="^Row 3 of the file has 9 columns, more than the 8"):
        read_table("a.xlsx", files.workbook([files.CLEAN[0], [*files.CLEAN[1], "stray"]]), max_unzipped=CAP,
                   max_columns=8)
    assert read_table("a.xlsx", files.workbook(files.CLEAN), max_unzipped=CAP, max_columns=8).headers == tuple(
        files.HEADERS)


def test_a_header_longer_than_200_characters_is_refused():
    long_header = "Amount " + "x" * 194
    assert len(long_header) == 201
    with pytest.raises(UnreadableFile, match="A column header is 201 characters long .* at most 200"):
        read_table("a.csv", files.csv_file(files.CLEAN, [*files.HEADERS[:-1], long_header]), max_unzipped=CAP)
    assert read_table("a.csv", files.csv_file(files.CLEAN, [*files.HEADERS[:-1], long_header[:200]]),
                      max_unzipped=CAP).headers[-1] == long_header[:200]


def test_columns_are_guessed_from_usual_headers():
    assert guessed(files.HEADERS) == {
        "donor": "Donor", "gap": "Gap", "amount": "Funding", "currency": "Currency", "rate": "Exchange rate",
        "status": "Status", "decision_date": "Decision date", "reference": "Reference"}


def test_the_header_set_is_the_same_whatever_the_order_case_or_spacing():
    assert header_key(["Donor", "Funding"]) == header_key([" funding", "DONOR "])


MAPPING = Mapping(guessed(files.HEADERS))


def parsed(row) -> Entry | list:
    return parse_row(2, tuple(files.HEADERS), tuple(row), MAPPING)


def test_values_are_normalised_as_people_type_them():
    entry = parsed(files.CLEAN[1])
    assert (entry.donor, entry.status, entry.amount, entry.rate, entry.decision_date) == (
        "sweden", "pledged", Decimal("1000"), Decimal("0.8"), date(2026, 2, 1))
    kuwait = parsed(files.CLEAN[2])
    assert (kuwait.gap_code, kuwait.amount, kuwait.donor) == ("KHM-SME", Decimal("12345.678"), "Kuwait Fund")


def test_a_whole_number_cell_is_a_whole_amount_even_in_a_currency_without_decimals():
    assert parsed(["Japan", "KHM-SME", 1500.0, "JPY", 151.37, "paid", None, ""]).amount == Decimal("1500")


@pytest.mark.parametrize("amount", ["NaN", "Infinity", "1e3", "-5", 0, "12.345", 1e20])
def test_an_amount_the_form_refuses_is_refused(amount):
    [problem] = parsed(["Japan", "KHM-SME", amount, "USD", None, "paid", None, ""])
    assert problem.column == "Funding"


def test_every_problem_of_a_row_is_listed():
    problems = parsed(["", "", "abc", "XYZ", "0", "maybe", "1/2/2026", "x" * 101])
    assert {p.column for p in problems} == {"Donor", "Gap", "Currency", "Funding", "Exchange rate", "Status",
                                             "Decision date", "Reference"}


def test_control_characters_are_refused_not_stored():
    [problem] = parsed(["Bad\x00Name", "KHM-SME", 10, "USD", None, "paid", None, ""])
    assert problem.column == "Donor" and "control characters" in problem.message
