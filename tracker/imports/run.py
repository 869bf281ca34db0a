"""Checking an imported file's rows against the ledger, then recording them in bulk, all or nothing.

Two steps, so that the long one never holds a write lock (on SQLite, the one lock of the database):

- ``check_import`` only reads. Each row is parsed (``tracker.imports.rows``), then checked with
  the rules of the forms themselves (``new_donor``, ``new_contribution``) against what the ledger
  holds, read in a few set-wise queries: the gaps by code, the donors by name, the rates on file,
  the keys of rows imported before, the live contributions the rows may duplicate. One pass finds
  every problem of the file. The preview is this step alone.
- ``record_checked`` writes what the check found, in one short write transaction. It first reads
  again what may have changed since the check and matters to a rule, and raises ``LedgerMoved``
  when any of it differs (the caller checks again, see ``tracker.imports.recording``): the
  versions of the gaps it records on (a gap closed since), which donor each name is (a donor
  added or merged since), which live contribution each row may duplicate (one recorded or
  cancelled since). Rows imported since by another import raise ``ImportConflict``. Then it
  inserts the new donors, the contributions, one audit entry for each of them
  (``tracker.core.audit.record_created``) and the rows' keys: one statement per table.

A rate put on file since the check is not read again: rows priced at the rates of their check
are what an import recorded just before that rate would hold, which is allowed; money on a gap
closed in between, or an unconfirmed duplicate of a record made in between, is not.

The caller owns both transactions: a preview reads and rolls back; an import records when the
result is ``complete`` (no problems, or the person chose to skip the rows that have some).

Rows that may duplicate a live contribution in the ledger or another row of the file (the rule
of ``tracker.contributions.duplicates``) are held back unless allowed: on the preview each gets
a tick box, and ``--allow-duplicates`` lets all of them in. The check runs on every pass, so an
import confirmed after something was recorded sees it.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tracker.contributions.duplicates import Described, Matched, first_alike, matching_contributions
from tracker.contributions.rates import RatesOnFile
from tracker.contributions.rules import ContributionInput, new_contribution
from tracker.core import audit, bulk
from tracker.core.errors import InvalidInput
from tracker.core.limits import too_long_row
from tracker.core.models import Contribution, Donor, Gap, GapStatus, ImportedRow
from tracker.donors.rules import find_donors, name_key, new_donor
from tracker.imports.files import Table
from tracker.imports.mapping import Mapping
from tracker.imports.rows import Entry, Problem, parse_row, row_key

#: Fields of the services' ``InvalidInput`` and the import column they concern.
_TARGET_OF_FIELD = {"new_donor": "donor", "donor_type": "donor", "donor_id": "donor", "name": "donor",
                    "name_key": "donor", "amount": "amount", "currency": "currency", "rate": "rate",
                    "rate_date": "rate_date", "status": "status", "decision_date": "decision_date",
                    "reference": "reference", "note": "note", "gap": "gap"}

IMPORTED, ALREADY_IMPORTED, SKIPPED = "imported", "already imported", "skipped"
#: A row held back as a possible duplicate: skipped, though it has no problem.
DUPLICATE = "possible duplicate"


@dataclass(frozen=True)
class Choices:
    """What the person chose beside the columns: skip the rows with problems, let every possible
    duplicate in (``--allow-duplicates``), or only those whose ``RowOutcome.tick`` they ticked."""

    skip_invalid: bool = False
    allow_duplicates: bool = False
    ticked: frozenset[str] = frozenset()


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
    def of_contribution(cls, contribution: Matched) -> Match:
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


class LedgerMoved(Exception):
    """Something a rule of the check depends on changed before the recording: check again."""


@dataclass(frozen=True)
class _Planned:
    """A row to insert: its key, its donor (by name key), its gap and the contribution's columns."""

    key: str
    donor_key: str
    gap_id: int
    values: dict


@dataclass(frozen=True)
class _Seen:
    """What the check read that ``record_checked`` reads again (see the module doc)."""

    gap_versions: dict[int, int]
    donor_ids: dict[str, int | None]
    described: list[Described]  # every new row of a known donor and gap, as the duplicate rule compares it
    matches: dict[Described, int]  # and the live contribution each of them may duplicate


@dataclass
class CheckedImport:
    """What ``check_import`` found: each row's outcome, the rows to insert and what they depend on."""

    result: ImportResult
    planned: list[_Planned] = field(default_factory=list)
    new_donors: dict[str, dict] = field(default_factory=dict)  # by name key: the columns of each donor to add
    seen: _Seen | None = None


class _Ledger:
    """What the check reads, a few queries for the whole file: the gaps and donors its rows name,
    their rates, which row keys were imported before and the live contributions the new rows
    may duplicate."""

    def __init__(self, session: Session, entries: list[Entry], keys: list[str]):
        self.session = session
        codes = sorted({e.gap_code for e in entries})
        self.gaps = {gap.code: gap for chunk in bulk.in_chunks(codes)
                     for gap in session.scalars(select(Gap).where(Gap.code.in_(chunk)))}
        self.donors = find_donors(session, (e.donor for e in entries))
        self.rates = RatesOnFile(session, {e.currency for e in entries})
        self.imported = _imported(session, keys)
        self.looked_up: list[Described] = []
        self.matches: dict[Described, Matched] = {}

    def described(self, entry: Entry) -> Described | None:
        """``entry`` as the duplicate rule compares it; None when its donor or gap is new (it duplicates nothing)."""
        donor, gap = self.donors.get(name_key(entry.donor)), self.gaps.get(entry.gap_code)
        if donor is None or gap is None:
            return None
        return Described(gap.id, donor.id, entry.amount_minor, entry.currency, entry.reference, entry.decision_date)

    def read_matches(self, entries: list[Entry]) -> None:
        """Read the live contributions ``entries`` may duplicate, for ``in_ledger``."""
        self.looked_up = [d for d in map(self.described, entries) if d is not None]
        self.matches = matching_contributions(self.session, self.looked_up)

    def in_ledger(self, entry: Entry) -> Matched | None:
        """The live contribution ``entry`` would duplicate (read by ``read_matches``)."""
        described = self.described(entry)
        return None if described is None else self.matches.get(described)

    def open_gap(self, code: str) -> Gap:
        gap = self.gaps.get(code)
        if gap is None:
            raise InvalidInput("gap", f"There is no funding gap with the code {code}.")
        if gap.status != GapStatus.OPEN:
            raise InvalidInput("gap", f"The funding gap {code} is closed.")
        return gap


def check_import(session: Session, table: Table, mapping: Mapping, choices: Choices = Choices()) -> CheckedImport:
    """Check every row of ``table``; reads only (see the module doc).

    A possible duplicate is let in when ``choices.allow_duplicates``, or when its
    ``RowOutcome.tick`` is in ``choices.ticked`` (the boxes ticked on the preview); otherwise it
    is held back as ``DUPLICATE``.
    """
    parsed = [parse_row(number, table.headers, cells, mapping) for number, cells in table.rows]
    keys = _row_keys(parsed)
    entries = [e for e in parsed if not isinstance(e, list)]
    ledger = _Ledger(session, entries, [k for k in keys if k is not None])
    new = [e for e, k in zip(parsed, keys) if k is not None and k not in ledger.imported]
    ledger.read_matches(new)
    matches = _possible_duplicates(ledger, entries, new)
    checked = CheckedImport(ImportResult(choices.skip_invalid))
    for entry, key in zip(parsed, keys):
        if isinstance(entry, list):
            outcome = RowOutcome(entry[0].row, SKIPPED, problems=tuple(entry))
        elif key in ledger.imported:
            outcome = RowOutcome(entry.row, ALREADY_IMPORTED, entry)
        else:
            outcome = RowOutcome(entry.row, DUPLICATE, entry, duplicate=matches.get(entry.row))
            if outcome.tick is None or choices.allow_duplicates or outcome.tick in choices.ticked:
                outcome = replace(_plan(checked, ledger, entry, key, mapping), duplicate=outcome.duplicate)
        checked.result.outcomes.append(outcome)
    checked.seen = _seen(ledger, checked)
    return checked


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


def _possible_duplicates(ledger: _Ledger, entries: list[Entry], new: list[Entry]) -> dict[int, Match]:
    """What each of the ``new`` rows (those not imported before) may duplicate, by row number.

    A live contribution is named first: the ledger is read before this import records anything,
    so its own rows never count. Else the first other row of ``entries`` (the file's valid rows)
    that is the same: an earlier one holds the row back; a later one only marks it, as the first
    of those rows, which goes in.
    """
    firsts = first_alike([entry.duplicate_key() for entry in entries])
    same_as = {entry.row: entries[first] for entry, first in zip(entries, firsts) if first is not None}
    matches = {}
    for entry in new:
        contribution = ledger.in_ledger(entry)
        same = same_as.get(entry.row)
        if contribution is not None:
            matches[entry.row] = Match.of_contribution(contribution)
        elif same is not None:
            matches[entry.row] = Match.of_row(same.row, entry.row)
    return matches


def _plan(checked: CheckedImport, ledger: _Ledger, entry: Entry, key: str, mapping: Mapping) -> RowOutcome:
    """Check ``entry`` with the rules of the form and plan its insert; its problem if it breaks one."""
    donor_key = name_key(entry.donor)
    donor = ledger.donors.get(donor_key)
    try:
        added = None if donor is not None else checked.new_donors.get(donor_key) or _new_donor(entry.donor)
        gap = ledger.open_gap(entry.gap_code)
        values = new_contribution(gap, ContributionInput(
            donor=donor,  # None for a donor still to add: new_contribution reads everything but the donor
            status=entry.status, amount=entry.amount, currency=entry.currency, rate=entry.rate,
            rate_date=entry.rate_date, decision_date=entry.decision_date, reference=entry.reference,
            note=entry.note, duplicate_confirmed=True,  # the preview marks duplicates; the person chose
        ), ledger.rates.resolve)
        _refuse_too_long(Contribution, values)
    except InvalidInput as error:
        column = mapping.column(_TARGET_OF_FIELD[error.field]) if error.field in _TARGET_OF_FIELD else "(whole row)"
        return RowOutcome(entry.row, SKIPPED, entry, (Problem(entry.row, column, error.message),))
    if added is not None:
        checked.new_donors[donor_key] = added  # added by its first row that is recorded, spelt as there
    checked.planned.append(_Planned(key, donor_key, gap.id, values))
    return RowOutcome(entry.row, IMPORTED, entry)


def _new_donor(name: str) -> dict:
    values = new_donor(name)
    _refuse_too_long(Donor, values)
    return values


def _refuse_too_long(model: type, values: dict) -> None:
    """The length check every flush makes (``tracker.core.limits``), which a bulk insert skips."""
    error = too_long_row(model, values)
    if error is not None:
        raise error


def _seen(ledger: _Ledger, checked: CheckedImport) -> _Seen:
    gap_ids = {p.gap_id for p in checked.planned}
    donors = {p.donor_key: ledger.donors.get(p.donor_key) for p in checked.planned}
    return _Seen(gap_versions={gap.id: gap.version for gap in ledger.gaps.values() if gap.id in gap_ids},
                 donor_ids={key: found.id if found else None for key, found in donors.items()},
                 described=ledger.looked_up, matches=_ids(ledger.matches))


def _ids(matches: dict[Described, Matched]) -> dict[Described, int]:
    return {described: found.id for described, found in matches.items()}


def record_checked(session: Session, checked: CheckedImport) -> None:
    """Insert what ``check_import`` planned, in ``session``'s write transaction; the caller commits.

    Raises ``LedgerMoved`` when what the check read has changed (check again), ``ImportConflict``
    when another import recorded some of the same rows.
    """
    if not checked.planned:
        return
    _read_again(session, checked)
    donor_ids = {**checked.seen.donor_ids, **_insert_donors(session, checked.new_donors)}
    ids = bulk.reserve_ids(session, Contribution.__table__, len(checked.planned))
    rows = [{"id": i, "gap_id": p.gap_id, "donor_id": donor_ids[p.donor_key], "version": 1, **p.values}
            for i, p in zip(ids, checked.planned)]
    bulk.insert_many(session, Contribution.__table__, rows)
    audit.record_created(session, Contribution, rows)
    try:
        bulk.insert_many(session, ImportedRow.__table__,
                       [{"row_key": p.key, "contribution_id": i} for p, i in zip(checked.planned, ids)])
    except IntegrityError:
        raise _conflict() from None


def _read_again(session: Session, checked: CheckedImport) -> None:
    """What the check depended on, read again under the write (see the module doc).

    On PostgreSQL the gaps are read FOR SHARE, so a gap cannot be closed until this commits.
    """
    seen = checked.seen
    gap_ids = sorted(seen.gap_versions)
    versions = {gap_id: version for chunk in bulk.in_chunks(gap_ids) for gap_id, version in session.execute(
        select(Gap.id, Gap.version).where(Gap.id.in_(chunk)).with_for_update(read=True))}
    donors = find_donors(session, seen.donor_ids)
    if _imported(session, [p.key for p in checked.planned]):
        raise _conflict()
    matches = _ids(matching_contributions(session, seen.described))
    known = {key: donor_id for key, donor_id in seen.donor_ids.items() if donor_id is not None}
    if versions != seen.gap_versions or matches != seen.matches or {k: d.id for k, d in donors.items()} != known:
        raise LedgerMoved()


def _imported(session: Session, keys: list[str]) -> set[str]:
    """Which of the row ``keys`` were imported before."""
    column = ImportedRow.row_key
    return {found for chunk in bulk.in_chunks(keys)
            for found in session.scalars(select(column).where(column.in_(chunk)))}


def _insert_donors(session: Session, new_donors: dict[str, dict]) -> dict[str, int]:
    """Add the new donors in one statement and record their creation; their ids by name key.

    A donor of the same name added by someone else meanwhile (PostgreSQL sees it only now, by
    the unique name key) means the check is out of date.
    """
    if not new_donors:
        return {}
    ids = bulk.reserve_ids(session, Donor.__table__, len(new_donors))
    rows = [{"id": i, **values, "version": 1} for i, values in zip(ids, new_donors.values())]
    try:
        bulk.insert_many(session, Donor.__table__, rows)
    except IntegrityError:
        raise LedgerMoved() from None
    audit.record_created(session, Donor, rows)
    return {row["name_key"]: row["id"] for row in rows}


def _conflict() -> ImportConflict:
    return ImportConflict("Another import of the same rows finished a moment ago, so nothing was imported "
                          "now. Preview again to see what is left to import.")
