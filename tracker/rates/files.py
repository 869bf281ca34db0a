"""Reading the published rate tables into rates per US$, or every problem with row and column.

Two layouts are read:

- the **UN operational rates of exchange** (UN Treasury, monthly), as .csv or .xlsx: a currency
  code column, a rate column in units per US$ and an effective date column (a month such as
  ``2026-03`` or ``March 2026``, or a day such as ``2026-03-01`` or ``01-Mar-2026``; a month is
  stored as its first day, a revision during the month at its own day);
- the **ECB euro reference rates** (``eurofxref-hist.csv``): a ``Date`` column, then one column
  per currency in units per euro, ``N/A`` where the ECB published none.

ECB rates are converted to units per US$ through the same day's USD column, exactly, in
Decimal: ``units_per_usd = units_per_eur / usd_per_eur``, and for the euro itself
``1 / usd_per_eur``, each rounded half-even to the ``RATE_PLACES`` decimal places the rate column
stores. USD itself is not stored (it is 1 by definition).

A code that is not a currency the tracker knows (the ECB history keeps the columns of currencies
replaced by the euro, such as CYP or SIT) is skipped and named in the result, not refused.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

from openpyxl.utils import get_column_letter

from tracker.core import money
from tracker.core.rates import ECB, UN_OPERATIONAL
from tracker.imports.files import Cell, Table, read_upload

#: The sources a table is imported from, as the CLI's ``--source`` and the upload form name them.
SOURCES = {UN_OPERATIONAL: "UN operational rates of exchange", ECB: "ECB euro reference rates"}

_STORED = Decimal(1).scaleb(-money.RATE_PLACES)
_CODE = re.compile(r"^[A-Za-z]{3}$")
_UN_HEADERS = {
    "code": ("currency code", "code", "iso code", "currency"),
    "rate": ("rate", "rate per us$", "operational rate", "rate per usd", "units per us$", "units per usd"),
    "effective": ("effective date", "effective month", "month", "date", "effective"),
}
_MONTH_FORMATS = ("%Y-%m", "%B %Y", "%b %Y", "%b-%Y", "%m/%Y")
_DAY_FORMATS = ("%Y-%m-%d", "%d-%b-%Y", "%d-%b-%y", "%d %B %Y", "%d/%m/%Y")


@dataclass(frozen=True)
class PublishedRate:
    """One rate read from a file: ``row`` is the row number the user sees in it."""

    currency: str
    day: date
    units_per_usd: Decimal
    row: int


@dataclass(frozen=True)
class Problem:
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"Row {self.row}, column {self.column}: {self.message}"


@dataclass
class RateTable:
    """What a file holds: its rates, and the codes skipped because the tracker does not know them."""

    rates: list[PublishedRate] = field(default_factory=list)
    skipped_codes: set[str] = field(default_factory=set)


class BadRateFile(ValueError):
    """The file has problems; nothing of it may be imported. ``problems`` lists every one."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("; ".join(str(p) for p in problems))


def read_file(filename: str, content: bytes, source: str, config: Mapping, *, cap_rows: bool = True) -> RateTable:
    """The rates of an uploaded file, within the import's size settings (``read_upload``):
    ``UnreadableFile`` when it is no table, ``BadRateFile`` when its rows have problems."""
    return read_rates(read_upload(filename, content, config, cap_rows=cap_rows), source)


def read_rates(table: Table, source: str) -> RateTable:
    """The rates of ``table`` in the layout of ``source``, or ``BadRateFile`` listing every problem."""
    problems: list[Problem] = []
    result = (_read_un if source == UN_OPERATIONAL else _read_ecb)(table, problems)
    if problems:
        raise BadRateFile(problems)
    return result


def ecb_units_per_usd(units_per_eur: Decimal, usd_per_eur: Decimal) -> Decimal:
    """A currency's units per US$ from its ECB rate and the ECB's US$ rate of the same day, rounded
    half-even to the places the rate column stores."""
    return (units_per_eur / usd_per_eur).quantize(_STORED, rounding=ROUND_HALF_EVEN)


def _read_un(table: Table, problems: list[Problem]) -> RateTable:
    columns = {role: _column(table.headers, names) for role, names in _UN_HEADERS.items()}
    missing = [names[0] for role, names in _UN_HEADERS.items() if columns[role] is None]
    if missing:
        problems.append(Problem(1, ", ".join(missing), "this column is missing; the header row must name "
                                "the currency code, the rate per US$ and the effective date."))
        return RateTable()
    letter = {role: get_column_letter(at + 1) for role, at in columns.items()}
    result = RateTable()
    for number, cells in table.rows:
        code = _text(_cell(cells, columns["code"])).upper()
        rate = _rate(_cell(cells, columns["rate"]))
        day = _un_day(_cell(cells, columns["effective"]))
        row_problems = []
        if not _CODE.match(code):
            row_problems.append(Problem(number, letter["code"], "enter a three-letter currency code."))
        if isinstance(rate, str):
            row_problems.append(Problem(number, letter["rate"], rate))
        if day is None:
            row_problems.append(Problem(number, letter["effective"],
                                        "enter the effective month as 2026-03 or a day as 2026-03-01."))
        problems.extend(row_problems)
        if row_problems or code == "USD":
            continue
        if code not in money.CURRENCIES:
            result.skipped_codes.add(code)
            continue
        result.rates.append(PublishedRate(code, day, rate, number))
    result.rates = _without_repeats(result.rates, problems, letter["rate"])
    return result


def _read_ecb(table: Table, problems: list[Problem]) -> RateTable:
    headers = [h.strip() for h in table.headers]
    if not headers or headers[0].casefold() != "date" or "USD" not in headers:
        problems.append(Problem(1, "A", "this is not the ECB layout: the header row must start with Date "
                                "and have a USD column."))
        return RateTable()
    usd_at = headers.index("USD")
    result = RateTable()
    currencies = []
    for at, header in enumerate(headers[1:], start=1):
        if header == "USD":
            continue
        if header not in money.CURRENCIES:
            result.skipped_codes.add(header)
            continue
        currencies.append((at, header))
    for number, cells in table.rows:
        day = _day(_cell(cells, 0), ("%Y-%m-%d",))
        if day is None:
            problems.append(Problem(number, "A", "enter the date as 2026-03-13."))
        usd = _ecb_value(_cell(cells, usd_at))
        if isinstance(usd, str) or usd is None:
            problems.append(Problem(number, get_column_letter(usd_at + 1),
                                    usd or "the US$ rate is missing: no rate of this day can be converted."))
            continue
        if day is not None:
            result.rates.append(PublishedRate("EUR", day, (1 / usd).quantize(_STORED, ROUND_HALF_EVEN), number))
        for at, code in currencies:
            value = _ecb_value(_cell(cells, at))
            if isinstance(value, str):
                problems.append(Problem(number, get_column_letter(at + 1), value))
            elif value is not None and day is not None:
                result.rates.append(PublishedRate(code, day, ecb_units_per_usd(value, usd), number))
    result.rates = _without_repeats(result.rates, problems, "A")
    return result


def _without_repeats(rates: list[PublishedRate], problems: list[Problem], column: str) -> list[PublishedRate]:
    """Each currency and day once. The UN table lists a currency once per country using it (the
    euro, the CFA francs), so a repeat at the same rate is dropped; a repeat at another rate cannot
    say which is meant and is a problem."""
    seen: dict[tuple[str, date], PublishedRate] = {}
    for rate in rates:
        first = seen.setdefault((rate.currency, rate.day), rate)
        if first.units_per_usd != rate.units_per_usd:
            problems.append(Problem(rate.row, column, f"{rate.currency} on {rate.day.isoformat()} is given "
                                    f"another rate in row {first.row} ({first.units_per_usd})."))
    return list(seen.values())


def _column(headers: tuple[str, ...], names: tuple[str, ...]) -> int | None:
    folded = [h.casefold() for h in headers]
    return next((folded.index(name) for name in names if name in folded), None)


def _cell(cells: tuple[Cell, ...], at: int) -> Cell:
    return cells[at] if at < len(cells) else None


def _text(cell: Cell) -> str:
    return "" if cell is None else str(cell).strip()


def _rate(cell: Cell) -> Decimal | str:
    """The rate in a cell, or the message saying what is wrong with it."""
    text = repr(cell) if isinstance(cell, float) else _text(cell)
    try:
        return money.parse_rate(text)
    except money.MoneyError as error:
        return str(error)


def _ecb_value(cell: Cell) -> Decimal | str | None:
    """A rate per euro, None for the ECB's N/A (or an empty cell), or what is wrong with it."""
    text = _text(cell)
    if text in ("", "N/A"):
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        return f"“{text[:20]}” is not a rate: enter digits with a decimal point, or N/A."
    if not value.is_finite() or value <= 0:
        return f"“{text[:20]}” is not a rate: a rate is more than zero."
    return value


def _un_day(cell: Cell) -> date | None:
    if isinstance(cell, datetime):
        return cell.date()
    if isinstance(cell, date):
        return cell
    text = _text(cell)
    month = _day(text, _MONTH_FORMATS)
    return month.replace(day=1) if month is not None else _day(text, _DAY_FORMATS)


def _day(cell: Cell, formats: tuple[str, ...]) -> date | None:
    if isinstance(cell, datetime):
        return cell.date()
    text = _text(cell)
    for format_ in formats:
        try:
            return datetime.strptime(text, format_).date()
        except ValueError:
            continue
    return None
