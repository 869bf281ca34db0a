"""Recording an imported file's rows through the ledger's own services, all or nothing.

Every row goes through ``find_or_add_donor`` and ``record_contribution``, exactly as a form
post does, inside a savepoint of its own: a row that breaks a rule is rolled back alone and
its problem kept, and the next row goes on, so one pass finds every problem in the file. The
caller owns the transaction: it commits when the result is complete (no problems, or the
user chose to skip the invalid rows) and rolls back otherwise; a preview always rolls back.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tracker.contributions import ContributionInput, record_contribution
from tracker.donors import find_or_add_donor
from tracker.errors import InvalidInput
from tracker.imports.files import Table
from tracker.imports.mapping import Mapping
from tracker.imports.rows import Entry, Problem, parse_row, row_key
from tracker.models import Gap, GapStatus, ImportedRow

#: Fields of the services' ``InvalidInput`` and the import column they concern.
_TARGET_OF_FIELD = {"new_donor": "donor", "donor_type": "donor", "donor_id": "donor", "amount": "amount",
                    "currency": "currency", "rate": "rate", "rate_date": "rate_date", "status": "status",
                    "decision_date": "decision_date", "reference": "reference", "note": "note", "gap": "gap"}

IMPORTED, ALREADY_IMPORTED, SKIPPED = "imported", "already imported", "skipped"


@dataclass(frozen=True)
class RowOutcome:
    row: int
    outcome: str
    entry: Entry | None = None
    problems: tuple[Problem, ...] = ()


@dataclass
class ImportResult:
    """Each row's outcome. ``complete`` when it may be committed as it stands."""

    skip_invalid: bool
    outcomes: list[RowOutcome] = field(default_factory=list)

    def count(self, outcome: str) -> int:
        return sum(1 for o in self.outcomes if o.outcome == outcome)

    @property
    def problems(self) -> list[Problem]:
        return [p for o in self.outcomes for p in o.problems]

    @property
    def skipped(self) -> list[RowOutcome]:
        return [o for o in self.outcomes if o.outcome == SKIPPED]

    @property
    def complete(self) -> bool:
        return self.skip_invalid or not self.skipped

    @property
    def imported(self) -> int:
        """Contributions this import adds once committed (none if it cannot be committed)."""
        return self.count(IMPORTED) if self.complete else 0


class _Gaps:
    """Gaps by code, looked up once per import."""

    def __init__(self, session: Session):
        self.session, self.found = session, {}

    def get(self, code: str) -> Gap | None:
        if code not in self.found:
            self.found[code] = self.session.scalar(select(Gap).where(Gap.code == code))
        return self.found[code]


def run_import(session: Session, table: Table, mapping: Mapping, *, skip_invalid: bool = False) -> ImportResult:
    """Record every valid row of ``table``; the caller commits or rolls back (see module doc)."""
    result = ImportResult(skip_invalid)
    gaps = _Gaps(session)
    occurrences = Counter()
    for number, cells in table.rows:
        parsed = parse_row(number, table.headers, cells, mapping)
        if isinstance(parsed, list):
            result.outcomes.append(RowOutcome(number, SKIPPED, problems=tuple(parsed)))
            continue
        identity = parsed.identity()
        occurrences[identity] += 1
        result.outcomes.append(_record(session, gaps, parsed, row_key(identity, occurrences[identity]), mapping))
    return result


def _record(session: Session, gaps: _Gaps, entry: Entry, key: str, mapping: Mapping) -> RowOutcome:
    if session.get(ImportedRow, key) is not None:
        return RowOutcome(entry.row, ALREADY_IMPORTED, entry)
    try:
        with session.begin_nested():
            gap = _open_gap(gaps, entry)
            contribution = record_contribution(session, gap, ContributionInput(
                donor=find_or_add_donor(session, entry.donor), status=entry.status, amount=entry.amount,
                currency=entry.currency, rate=entry.rate, rate_date=entry.rate_date,
                decision_date=entry.decision_date, reference=entry.reference, note=entry.note,
            ))
            session.add(ImportedRow(row_key=key, contribution_id=contribution.id))
            session.flush()
    except InvalidInput as error:
        column = mapping.column(_TARGET_OF_FIELD[error.field]) if error.field in _TARGET_OF_FIELD else "(whole row)"
        return RowOutcome(entry.row, SKIPPED, entry, (Problem(entry.row, column, error.message),))
    except IntegrityError:  # the same row imported meanwhile by a concurrent import of the same file
        return RowOutcome(entry.row, ALREADY_IMPORTED, entry)
    return RowOutcome(entry.row, IMPORTED, entry)


def _open_gap(gaps: _Gaps, entry: Entry) -> Gap:
    gap = gaps.get(entry.gap_code)
    if gap is None:
        raise InvalidInput("gap", f"There is no funding gap with the code {entry.gap_code}.")
    if gap.status != GapStatus.OPEN:
        raise InvalidInput("gap", f"The funding gap {entry.gap_code} is closed.")
    return gap
