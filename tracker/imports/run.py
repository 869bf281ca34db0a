"""Recording an imported file's rows through the ledger's own services, all or nothing.

Every row goes through ``find_or_add_donor`` (once per donor) and ``record_contribution``,
exactly as a form post does, inside a savepoint of its own: a row that breaks a rule is rolled back alone and
its problem kept, and the next row goes on, so one pass finds every problem in the file. The
caller owns the transaction: it commits when the result is complete (no problems, or the
user chose to skip the invalid rows) and rolls back otherwise; a preview always rolls back.

Rows that may duplicate a live contribution in the ledger or another row of the file (the rule
of ``tracker.contributions.duplicates``) are held back unless allowed: on the preview each gets
a tick box, and ``--allow-duplicates`` lets all of them in. The check runs on every pass, so an
import confirmed after something was recorded sees it.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Set
from dataclasses import dataclass, field, replace

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tracker.contributions.duplicates import matching_contribution, same_in_file
from tracker.contributions.rules import ContributionInput, record_contribution
from tracker.core.errors import InvalidInput
from tracker.core.models import Contribution, Donor, Gap, GapStatus, ImportedRow
from tracker.donors.rules import find_donor, find_or_add_donor, name_key
from tracker.imports.files import Table
from tracker.imports.mapping import Mapping
from tracker.imports.rows import Entry, Problem, parse_row, row_key

#: Fields of the services' ``InvalidInput`` and the import column they concern.
_TARGET_OF_FIELD = {"new_donor": "donor", "donor_type": "donor", "donor_id": "donor", "amount": "amount",
                    "currency": "currency", "rate": "rate", "rate_date": "rate_date", "status": "status",
                    "decision_date": "decision_date", "reference": "reference", "note": "note", "gap": "gap"}

IMPORTED, ALREADY_IMPORTED, SKIPPED = "imported", "already imported", "skipped"
#: A row held back as a possible duplicate: skipped, though it has no problem.
DUPLICATE = "possible duplicate"


@dataclass(frozen=True)
class Match:
    """What a row may duplicate: another row of the same file, or a live contribution."""

    words: str  # as the preview names it: "row 4", "contribution No. 12 of 2026-03-01"
    key: str  # what a tick of the row consents to: "row-4", "contribution-12"
    held: bool = True  # False for the first of identical rows: it goes in, the later ones wait for a tick

    @classmethod
    def of_row(cls, row: int, seen_from: int) -> Match:
        return cls(f"row {row}", f"row-{row}", held=row < seen_from)

    @classmethod
    def of_contribution(cls, contribution: Contribution) -> Match:
        day = contribution.decision_date
        return cls(f"contribution No. {contribution.id}" + (f" of {day.isoformat()}" if day else ""),
                   f"contribution-{contribution.id}")


@dataclass(frozen=True)
class RowOutcome:
    row: int
    outcome: str
    entry: Entry | None = None
    problems: tuple[Problem, ...] = ()
    duplicate: Match | None = None

    @property
    def tick(self) -> str | None:
        """The value of the row's tick box: the row and what it was seen to duplicate, so that a
        tick given on the preview does not let in a duplicate of something recorded since."""
        if self.duplicate is None or not self.duplicate.held:
            return None
        return f"{self.row}:{self.duplicate.key}"


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
        """The rows with problems (not the possible duplicates held back: they keep nothing from being committed)."""
        return [o for o in self.outcomes if o.outcome == SKIPPED]

    @property
    def flagged(self) -> list[RowOutcome]:
        """The rows marked as possible duplicates, held back or let in, that have no problem."""
        return [o for o in self.outcomes if o.duplicate is not None and o.outcome != SKIPPED]

    @property
    def complete(self) -> bool:
        return self.skip_invalid or not self.skipped

    @property
    def imported(self) -> int:
        """Contributions this import adds once committed (none if it cannot be committed)."""
        return self.count(IMPORTED) if self.complete else 0


class ImportConflict(Exception):
    """Another import recorded some of the same rows at the same moment; nothing was kept."""


class _Lookups:
    """What a run looks up once rather than per row: gaps by code, donors by name, and which
    row keys were imported before (fetched in chunks of ``KEY_CHUNK``). The live contribution a
    row may duplicate is looked up per row of a known donor and gap, as the form looks it up."""

    KEY_CHUNK = 500

    def __init__(self, session: Session, keys: list[str]):
        self.session, self.gaps, self.donors, self.donors_on_file = session, {}, {}, {}
        self.imported = set()
        for start in range(0, len(keys), self.KEY_CHUNK):
            chunk = keys[start:start + self.KEY_CHUNK]
            self.imported.update(session.scalars(select(ImportedRow.row_key).where(ImportedRow.row_key.in_(chunk))))

    def gap(self, code: str) -> Gap | None:
        if code not in self.gaps:
            self.gaps[code] = self.session.scalar(select(Gap).where(Gap.code == code))
        return self.gaps[code]

    def open_gap(self, code: str) -> Gap:
        gap = self.gap(code)
        if gap is None:
            raise InvalidInput("gap", f"There is no funding gap with the code {code}.")
        if gap.status != GapStatus.OPEN:
            raise InvalidInput("gap", f"The funding gap {code} is closed.")
        return gap

    def donor(self, name: str) -> Donor:
        """The donor by that name, through ``find_or_add_donor`` the first time it appears."""
        return self.donors.get(name_key(name)) or find_or_add_donor(self.session, name)

    def remember_donor(self, donor: Donor) -> None:
        """Called once a row is recorded: a donor added by a row that was rolled back is gone."""
        self.donors[donor.name_key] = donor

    def in_ledger(self, entry: Entry) -> Contribution | None:
        """The live contribution ``entry`` would duplicate; none when its donor or gap is new."""
        key = name_key(entry.donor)
        if key not in self.donors_on_file:
            self.donors_on_file[key] = find_donor(self.session, entry.donor)
        donor, gap = self.donors_on_file[key], self.gap(entry.gap_code)
        if donor is None or gap is None:
            return None
        return matching_contribution(self.session, gap_id=gap.id, donor_id=donor.id, amount_minor=entry.amount_minor,
                                     currency=entry.currency, reference=entry.reference,
                                     decision_date=entry.decision_date)


def run_import(session: Session, table: Table, mapping: Mapping, *, skip_invalid: bool = False,
               allow_duplicates: bool = False, ticked: Set[str] = frozenset()) -> ImportResult:
    """Record every valid row of ``table``; the caller commits or rolls back (see module doc).

    A possible duplicate is recorded when ``allow_duplicates``, or when its ``RowOutcome.tick``
    is in ``ticked`` (the boxes ticked on the preview); otherwise it is held back as ``DUPLICATE``.
    Raises ``ImportConflict`` when a concurrent import of the same rows won the race.
    """
    parsed = [parse_row(number, table.headers, cells, mapping) for number, cells in table.rows]
    keys = _row_keys(parsed)
    lookups = _Lookups(session, [k for k in keys if k is not None])
    new = [e for e, k in zip(parsed, keys) if k is not None and k not in lookups.imported]
    matches = _possible_duplicates(lookups, [e for e in parsed if not isinstance(e, list)], new)
    result, recorded = ImportResult(skip_invalid), []
    for entry, key in zip(parsed, keys):
        if isinstance(entry, list):
            outcome = RowOutcome(entry[0].row, SKIPPED, problems=tuple(entry))
        elif key in lookups.imported:
            outcome = RowOutcome(entry.row, ALREADY_IMPORTED, entry)
        else:
            outcome = RowOutcome(entry.row, DUPLICATE, entry, duplicate=matches.get(entry.row))
            if outcome.tick is None or allow_duplicates or outcome.tick in ticked:
                recorded_outcome, contribution_id = _record(session, lookups, entry, mapping)
                outcome = replace(recorded_outcome, duplicate=outcome.duplicate)
                if contribution_id is not None:
                    recorded.append({"row_key": key, "contribution_id": contribution_id})
        result.outcomes.append(outcome)
    _keep_keys(session, recorded)
    return result


def _row_keys(parsed: list) -> list[str | None]:
    """Each parsed row's stable key (None for rows with problems); see ``rows.row_key``."""
    occurrences, keys = Counter(), []
    for entry in parsed:
        if isinstance(entry, list):
            keys.append(None)
            continue
        identity = entry.identity()
        occurrences[identity] += 1
        keys.append(row_key(identity, occurrences[identity]))
    return keys


def _possible_duplicates(lookups: _Lookups, entries: list[Entry], new: list[Entry]) -> dict[int, Match]:
    """What each of the ``new`` rows (those not imported before) may duplicate, by row number.

    A live contribution is named first: the ledger is read before this import records anything,
    so its own rows never count. Else the first other row of ``entries`` (the file's valid rows)
    that is the same: an earlier one holds the row back; a later one only marks it, as the first
    of those rows, which goes in.
    """
    alike = defaultdict(list)  # same_in_file compares rows of the same gap, donor, amount and currency only
    for entry in entries:
        alike[entry.duplicate_key()[:4]].append(entry)
    matches = {}
    for entry in new:
        key = entry.duplicate_key()
        contribution = lookups.in_ledger(entry)
        same = next((o for o in alike[key[:4]] if o is not entry and same_in_file(key, o.duplicate_key())), None)
        if contribution is not None:
            matches[entry.row] = Match.of_contribution(contribution)
        elif same is not None:
            matches[entry.row] = Match.of_row(same.row, entry.row)
    return matches


def _record(session: Session, lookups: _Lookups, entry: Entry, mapping: Mapping) -> tuple[RowOutcome, int | None]:
    """One row through the services in a savepoint of its own: (outcome, contribution id)."""
    try:
        with session.begin_nested():
            donor = lookups.donor(entry.donor)
            contribution = record_contribution(session, lookups.open_gap(entry.gap_code), ContributionInput(
                donor=donor, status=entry.status, amount=entry.amount, currency=entry.currency, rate=entry.rate,
                rate_date=entry.rate_date, decision_date=entry.decision_date, reference=entry.reference,
                note=entry.note, duplicate_confirmed=True,  # the preview marks duplicates; the person chose
            ))
    except InvalidInput as error:
        column = mapping.column(_TARGET_OF_FIELD[error.field]) if error.field in _TARGET_OF_FIELD else "(whole row)"
        return RowOutcome(entry.row, SKIPPED, entry, (Problem(entry.row, column, error.message),)), None
    lookups.remember_donor(donor)
    return RowOutcome(entry.row, IMPORTED, entry), contribution.id


def _keep_keys(session: Session, recorded: list[dict]) -> None:
    """Store the keys of the recorded rows in one statement, so the next import skips them."""
    if not recorded:
        return
    try:
        with session.begin_nested():
            session.execute(insert(ImportedRow), recorded)
    except IntegrityError:
        raise ImportConflict("Another import of the same rows finished a moment ago, so nothing was imported "
                             "now. Preview again to see what is left to import.") from None
