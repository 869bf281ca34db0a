"""One spreadsheet row into a checked contribution entry, or the list of its problems.

Values are normalised the way people type them ("Committed", " paid ", stray spaces in
names) and then checked with the form's own parsers (``tracker.core.money``), so an import and
the form accept and refuse exactly the same amounts, currencies, rates and dates. Rules that
need the database (the gap, the donor, the rate on file) are checked when the row is
recorded (``tracker.imports.run``).
"""
from __future__ import annotations

import functools
import hashlib
import json
import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from tracker.core import money
from tracker.core.models import Contribution, ContributionStatus
from tracker.donors.rules import clean_name, name_key
from tracker.imports.files import Cell
from tracker.imports.mapping import Mapping

#: What people write in a status column, normalised, and the status it means.
STATUS_WORDS = {
    "pledged": ContributionStatus.PLEDGED, "pledge": ContributionStatus.PLEDGED,
    "committed": ContributionStatus.COMMITTED, "commitment": ContributionStatus.COMMITTED,
    "commit": ContributionStatus.COMMITTED, "signed": ContributionStatus.COMMITTED,
    "paid": ContributionStatus.PAID, "paid in full": ContributionStatus.PAID, "received": ContributionStatus.PAID,
}
REFERENCE_MAX = Contribution.__table__.c.reference.type.length
#: As the contribution form's note field.
NOTE_MAX = 5_000
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class Problem:
    """Why a row cannot be imported: its row number, the column (as headed in the file) and a message."""

    row: int
    column: str
    message: str


@dataclass(frozen=True)
class Entry:
    """A row's values, parsed and normalised, not yet checked against the database."""

    row: int
    donor: str
    gap_code: str
    amount: Decimal
    currency: str
    rate: Decimal | None
    status: str
    decision_date: date | None
    rate_date: date | None
    reference: str
    note: str

    @property
    def amount_minor(self) -> int:
        return money.to_minor(self.amount, self.currency)

    def identity(self) -> str:
        """What makes two rows the same contribution: donor, gap, amount, currency, decision
        date and reference (not the status or note, which a later version of a file may update)."""
        parts = [name_key(self.donor), self.gap_code, str(self.amount_minor), self.currency,
                 self.decision_date.isoformat() if self.decision_date else "", self.reference]
        return json.dumps(parts, ensure_ascii=False)

    def duplicate_key(self) -> tuple:
        """The row as ``tracker.contributions.duplicates.same_in_file`` compares rows, the gap by its
        code and the donor by its name key: either may not be in the ledger yet."""
        return (self.gap_code, name_key(self.donor), self.amount_minor, self.currency, self.reference,
                self.decision_date)


def row_key(identity: str, occurrence: int) -> str:
    """A row's stable key: its identity and which occurrence of it in the file it is, so a file
    that lists the same contribution twice imports it twice, and once more imports nothing."""
    return hashlib.sha256(f"{identity}\n{occurrence}".encode()).hexdigest()


@functools.lru_cache(maxsize=32)
def _positions(headers: tuple[str, ...], columns: tuple[tuple[str, str], ...]) -> tuple[tuple[str, int], ...]:
    """Where each target's column stands among ``headers``: found once per file, not once per row."""
    return tuple((name, headers.index(header)) for name, header in columns)


class _Reader:
    """Reads one row's cells by target, collecting a problem for each bad value."""

    def __init__(self, row: int, headers: tuple[str, ...], cells: tuple[Cell, ...], mapping: Mapping):
        self.row, self.mapping, self.problems = row, mapping, []
        self.values = {name: cells[at] if at < len(cells) else None
                       for name, at in _positions(headers, tuple(mapping.columns.items()))}

    def problem(self, target: str, message: str) -> None:
        self.problems.append(Problem(self.row, self.mapping.column(target), message))

    def text(self, target: str, default: str | None = None) -> str:
        value = self.values.get(target)
        if value is None:
            return default or ""
        if isinstance(value, float):
            # The shortest spelling that reads back as the same number (what the cell shows), never
            # float arithmetic; 1500.0 becomes "1500" so that currencies without decimals accept it.
            return format(Decimal(repr(value)).normalize(), "f")
        if isinstance(value, datetime):
            return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat(" ")
        text = str(value).strip()
        if _CONTROL.search(text):
            self.problem(target, "Remove the control characters (invisible characters such as tabs) from this value.")
        return text

    def parsed(self, target: str, parse, *args):
        try:
            return parse(*args)
        except money.MoneyError as error:
            self.problem(target, str(error))
            return None

    def day(self, target: str) -> date | None:
        value = self.values.get(target)
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        try:
            return datetime.strptime(str(value).strip(), "%Y-%m-%d").date()
        except ValueError:
            self.problem(target, "Enter the date as YYYY-MM-DD, or format the cell as a date.")
            return None


def parse_row(row: int, headers: tuple[str, ...], cells: tuple[Cell, ...], mapping: Mapping) -> Entry | list[Problem]:
    """The row as an ``Entry``, or every problem it has."""
    read = _Reader(row, headers, cells, mapping)
    donor = clean_name(read.text("donor"))
    if not donor:
        read.problem("donor", "Enter the donor's name.")
    gap_code = read.text("gap", mapping.gap).upper()
    if not gap_code:
        read.problem("gap", "Enter the funding gap's code.")
    currency = read.parsed("currency", money.currency, read.text("currency", mapping.currency))
    amount = read.parsed("amount", money.parse_amount, read.text("amount"), currency.code if currency else "USD")
    rate_text = read.text("rate")
    rate = read.parsed("rate", money.parse_rate, rate_text) if rate_text else None
    status_text = read.text("status", mapping.status)
    status = STATUS_WORDS.get(" ".join(status_text.casefold().split()))
    if status is None:
        read.problem("status", f"Use pledged, committed or paid (not “{status_text}”)." if status_text
                     else "Enter the status: pledged, committed or paid.")
    decision_date, rate_date = read.day("decision_date"), read.day("rate_date")
    reference, note = read.text("reference"), read.text("note")
    if len(reference) > REFERENCE_MAX:
        read.problem("reference", f"An agreement reference has at most {REFERENCE_MAX} characters.")
    if len(note) > NOTE_MAX:
        read.problem("note", f"A note has at most {NOTE_MAX:,} characters.")
    if read.problems:
        return read.problems
    return Entry(row=row, donor=donor, gap_code=gap_code, amount=amount, currency=currency.code, rate=rate,
                 status=status.value, decision_date=decision_date, rate_date=rate_date, reference=reference, note=note)
