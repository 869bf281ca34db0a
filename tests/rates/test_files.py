"""The published layouts read exactly, and every problem of a broken file named by row and column."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from tests.rates import samples
from tracker.imports.files import read_table
from tracker.rates import files

LIMIT = 10_000_000


def read(path, source, content=None, name=None):
    content = path.read_bytes() if content is None else content
    return files.read_rates(read_table(name or path.name, content, max_unzipped=LIMIT), source)


def as_tuples(table):
    return sorted((r.currency, r.day.isoformat(), r.units_per_usd) for r in table.rates)


UN_RATES = [
    ("EUR", "2026-02-01", Decimal("0.862")), ("EUR", "2026-03-01", Decimal("0.851")),
    ("JPY", "2026-02-01", Decimal("155.37")), ("JPY", "2026-03-01", Decimal("149.5")),
    ("JPY", "2026-03-16", Decimal("147.25")),
    ("KHR", "2026-02-01", Decimal("4010")), ("KHR", "2026-03-01", Decimal("4025")),
]


def test_the_un_csv_reads_exactly_without_usd_and_once_per_currency():
    table = read(samples.UN, files.UN_OPERATIONAL)
    assert as_tuples(table) == UN_RATES
    assert table.skipped_codes == {"VEF"}


def test_the_un_workbook_reads_as_its_csv():
    table = read(samples.UN, files.UN_OPERATIONAL, samples.un_workbook(), "rates.xlsx")
    assert as_tuples(table) == UN_RATES


def test_a_broken_un_file_names_every_problem_by_row_and_column():
    with pytest.raises(files.BadRateFile) as raised:
        read(samples.UN_BROKEN, files.UN_OPERATIONAL)
    assert [(p.row, p.column) for p in raised.value.problems] == [(3, "C"), (4, "D"), (5, "D"), (6, "E"), (7, "D")]
    said = [str(p) for p in raised.value.problems]
    assert said[0] == "Row 3, column C: enter a three-letter currency code."
    assert "more than zero" in said[2]
    assert said[4] == "Row 7, column D: EUR on 2026-03-01 is given another rate in row 2 (0.851)."


def test_a_un_file_without_a_rate_column_says_so():
    with pytest.raises(files.BadRateFile) as raised:
        read(samples.UN_NO_RATE_COLUMN, files.UN_OPERATIONAL)
    [problem] = raised.value.problems
    assert (problem.row, problem.column) == (1, "rate")


def test_the_ecb_file_is_converted_through_the_usd_column_exactly():
    table = read(samples.ECB, files.ECB)
    rates = {(r.currency, r.day): r.units_per_usd for r in table.rates}
    # units per US$ = units per euro / US$ per euro, half-even to 10 places; the euro is 1 / US$ per euro.
    assert rates[("JPY", date(2026, 3, 13))] == Decimal("148.1617647059")  # 161.20 / 1.0880 = 148.16176470588…
    assert rates[("EUR", date(2026, 3, 13))] == Decimal("0.9191176471")  # 1 / 1.0880 = 0.91911764705…
    assert rates[("GBP", date(2026, 3, 12))] == Decimal("0.7732001473")  # 0.83985 / 1.0862
    assert rates[("CZK", date(2026, 3, 10))] == Decimal("23.0889810973")
    assert ("JPY", date(2026, 3, 10)) not in rates  # N/A
    assert not any(code == "USD" for code, _ in rates)
    assert len(rates) == 11
    assert table.skipped_codes == {"CYP"}


def test_the_conversion_rounds_half_even():
    assert files.ecb_units_per_usd(Decimal("0.00000000025"), Decimal(1)) == Decimal("0.0000000002")
    assert files.ecb_units_per_usd(Decimal("0.00000000035"), Decimal(1)) == Decimal("0.0000000004")


def test_a_broken_ecb_file_names_every_problem_by_row_and_column():
    with pytest.raises(files.BadRateFile) as raised:
        read(samples.ECB_BROKEN, files.ECB)
    assert [(p.row, p.column) for p in raised.value.problems] == [(3, "A"), (4, "B"), (5, "C"), (5, "E")]
    said = [str(p) for p in raised.value.problems]
    assert said[0] == "Row 3, column A: enter the date as 2026-03-13."
    assert "US$ rate is missing" in said[1]
    assert said[2] == "Row 5, column C: “1x61” is not a rate: enter digits with a decimal point, or N/A."


def test_a_file_of_another_layout_is_refused_whole():
    with pytest.raises(files.BadRateFile) as raised:
        read(samples.UN, files.ECB)
    assert "not the ECB layout" in str(raised.value)
