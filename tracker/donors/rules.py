"""Donors: one record per donor, whatever the case or spacing of the name people type.

A donor merged into another stays as an alias of it (``Donor.merged_into``): every lookup by
name or id answers the donor it was merged into, and lists show live donors only. An alias
always points at a live donor (a merge re-points the aliases of the donor it absorbs), so one
step from an alias reaches the live donor.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pycountry
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased, joinedload
from sqlalchemy.orm.exc import StaleDataError

from tracker.core import audit, bulk
from tracker.core.errors import EditConflict, InvalidInput
from tracker.core.figures import DonorFigures, donor_figures_query
from tracker.core.listing import ESCAPE, Sort, SortColumn, Sorting, contains_pattern, ordered
from tracker.core.models import Contribution, Donor, DonorContact, DonorType, Reminder, User, utcnow

#: The longest name a donor may have (the column's width).
NAME_LENGTH = 200


def clean_name(name: str) -> str:
    """The name as shown: trimmed, inner runs of white space folded to one space."""
    return " ".join((name or "").split())


def name_key(name: str) -> str:
    """What makes two names the same donor: the cleaned name, case-folded."""
    return clean_name(name).casefold()


def live(donor: Donor) -> Donor:
    """The donor itself, or the one it was merged into (see the module's doc)."""
    return donor.merged_into or donor


def _named(session: Session, name: str) -> Donor | None:
    """The donor row holding ``name``, alias or not."""
    return session.scalar(select(Donor).where(Donor.name_key == name_key(name)))


def find_donor(session: Session, name: str) -> Donor | None:
    """The live donor called ``name``, or the one a donor of that name was merged into."""
    found = _named(session, name)
    return None if found is None else live(found)


_NO_NAME = "Enter the donor's name, or pick a donor from the list."


def find_donors(session: Session, names: Iterable[str]) -> dict[str, Donor]:
    """``find_donor`` for many names at once, by name key: names of no donor are left out."""
    found = {}
    for keys in bulk.in_chunks(sorted({name_key(name) for name in names})):
        query = select(Donor).options(joinedload(Donor.merged_into)).where(Donor.name_key.in_(keys))
        found.update((donor.name_key, live(donor)) for donor in session.scalars(query))
    return found


def _checked_name(name: str, field: str, empty: str) -> str:
    """The cleaned name, refused (beside ``field``) when empty or longer than the column."""
    shown = clean_name(name)
    if not shown:
        raise InvalidInput(field, empty)
    if len(shown) > NAME_LENGTH:
        raise InvalidInput(field, f"A donor's name has at most {NAME_LENGTH} characters; this one has {len(shown)}.")
    return shown


def _checked_type(type_: str, field: str) -> str:
    if type_ not in {t.value for t in DonorType}:
        raise InvalidInput(field, f"{type_!r} is not a donor type.")
    return str(type_)


def find_or_add_donor(session: Session, name: str, type_: str = DonorType.OTHER, country: str | None = None) -> Donor:
    """The donor called ``name`` (or the one it was merged into), added with ``type_`` and
    ``country`` when it is new."""
    shown = _checked_name(name, "new_donor", _NO_NAME)
    existing = find_donor(session, shown)
    if existing is not None:
        return existing
    donor = Donor(**new_donor(shown, type_, country))
    try:
        # A savepoint, so that losing a race with another request adding the same donor
        # (the unique name_key) rolls back only this insert and we take theirs.
        with session.begin_nested():
            session.add(donor)
    except IntegrityError:
        return find_donor(session, shown)
    return donor


def held(session: Session, donor: Donor) -> Donor:
    """``donor`` read again under a share lock (FOR SHARE) that a merge of it waits for, or
    the donor it was merged into when a merge committed first: a contribution recorded
    while its donor is being merged lands on the donor kept, never on the alias.

    On SQLite the write transaction already holds the database's only write lock.
    """
    session.refresh(donor, with_for_update={"read": True})
    while donor.merged_into_id is not None:
        donor = donor.merged_into
        session.refresh(donor, with_for_update={"read": True})
    return donor


def new_donor(name: str, type_: str = DonorType.OTHER, country: str | None = None) -> dict:
    """The columns of a donor added under ``name``, its name and type checked: what
    ``find_or_add_donor`` adds, and what an import inserts in bulk."""
    shown = _checked_name(name, "new_donor", _NO_NAME)
    return {"name": shown, "name_key": name_key(shown), "type": _checked_type(type_, "donor_type"),
            "country": country or None}


def donor_choices(session: Session) -> list[tuple[str, str]]:
    """(id, name) of every live donor, by name, for the donor picker."""
    query = select(Donor.id, Donor.name).where(Donor.merged_into_id.is_(None)).order_by(Donor.name_key)
    return [(str(i), n) for i, n in session.execute(query)]


def choose_donor(session: Session, donor_id: str | None, name: str, type_: str, country: str | None) -> Donor:
    """The donor picked from the list (the one it was merged into, when a form older than the
    merge picked it), or the one named (added when new)."""
    if donor_id:
        donor = session.get(Donor, int(donor_id))
        if donor is None:
            raise InvalidInput("donor_id", "That donor no longer exists; pick another.")
        return live(donor)
    return find_or_add_donor(session, name, type_, country)


@dataclass(frozen=True)
class DonorInput:
    """What the donor form corrects."""

    name: str
    type: str
    country: str | None = None  # ISO 3166 alpha-2; None for none
    remind_focal_point: bool = False  # reminders to the donor's focal point (``tracker.donors.contacts``)
    named_publicly: bool = False  # may be named on public pages and in open data


def _refuse_merged(donor: Donor, doing: str) -> None:
    if donor.merged_into is not None:
        raise InvalidInput(None, f"{donor.name} was merged into {donor.merged_into.name}: {doing} "
                                 f"{donor.merged_into.name} instead.")


def _flushed(session: Session, what: str) -> None:
    """Flush; a version that moved on since the form was shown (checked by the UPDATE) is a conflict."""
    try:
        session.flush()
    except StaleDataError:
        raise EditConflict(what) from None


def update_donor(session: Session, donor: Donor, entry: DonorInput, expected_version: int) -> Donor:
    """Correct a donor's name, type, country and whom its reminders go to. The name stays unique whatever its case and
    spacing, among aliases too: a name an alias holds would find the alias's donor."""
    _refuse_merged(donor, "correct")
    if donor.version != expected_version:
        raise EditConflict(f"Donor {donor.name}")
    shown = _checked_name(entry.name, "name", "Enter the donor's name.")
    holder = _named(session, shown)
    if holder is not None and holder is not donor:
        merged = f" (merged into {holder.merged_into.name})" if holder.merged_into else ""
        raise InvalidInput("name", f"Another donor is already called {holder.name}{merged}.")
    country = (entry.country or "").upper() or None
    if country is not None and pycountry.countries.get(alpha_2=country) is None:
        raise InvalidInput("country", "Choose a country from the list.")
    donor.type = _checked_type(entry.type, "type")
    donor.name, donor.name_key, donor.country = shown, name_key(shown), country
    donor.remind_focal_point = bool(entry.remind_focal_point)
    donor.named_publicly = bool(entry.named_publicly)
    _flushed(session, f"Donor {donor.name}")
    return donor


@dataclass(frozen=True)
class MergePlan:
    """What merging ``source`` into ``target`` moves, shown before anything is stored."""

    source: Donor
    target: Donor
    contributions: int
    users: int
    reminders: int
    aliases: int
    contacts: int


def _owned(session: Session, column, donor: Donor) -> int:
    return session.scalar(select(func.count()).where(column == donor.id))


def merge_plan(session: Session, source: Donor, target: Donor | None) -> MergePlan:
    """Check that ``source`` may be merged into ``target`` and count what would move."""
    _refuse_merged(source, "merge")
    if target is None:
        raise InvalidInput("into", "That donor no longer exists; pick another.")
    if target is source:
        raise InvalidInput("into", "A donor cannot be merged into itself; pick another donor.")
    if target.merged_into is not None:
        raise InvalidInput("into", f"{target.name} was itself merged into {target.merged_into.name}; "
                                   f"pick {target.merged_into.name}.")
    return MergePlan(source, target, _owned(session, Contribution.donor_id, source),
                     _owned(session, User.donor_id, source), _owned(session, Reminder.donor_id, source),
                     _owned(session, Donor.merged_into_id, source), _owned(session, DonorContact.donor_id, source))


def merge_donors(session: Session, source: Donor, target: Donor, source_version: int, target_version: int) -> MergePlan:
    """Merge ``source`` into ``target``: its contributions, donor users, contacts and reminders move to
    ``target``, the donors merged into it before now point at ``target``, and ``source`` stays
    as an alias of ``target`` owning nothing.

    Contributions, users, contacts and aliases are changed as objects, in one flush, so that the audit
    trail records each move with the merge as its reason. ``target`` is touched too, so that
    its version is checked: a correction or merge of it since the confirmation page is a conflict.

    Both donors are locked first (FOR UPDATE, lower id first so two merges cannot deadlock):
    a contribution being recorded for ``source`` meanwhile either commits before the merge
    reads what to move, or waits and then finds ``source`` merged (``held``).
    """
    for donor in sorted((d for d in (source, target) if d is not None), key=lambda d: d.id):
        session.refresh(donor, with_for_update=True)
    plan = merge_plan(session, source, target)
    if (source.version, target.version) != (source_version, target_version):
        raise EditConflict(f"Donor {source.name} or {target.name}")
    moved = [*session.scalars(select(Contribution).where(Contribution.donor_id == source.id)
                              .with_for_update().execution_options(populate_existing=True)),
             *session.scalars(select(User).where(User.donor_id == source.id)),
             *session.scalars(select(DonorContact).where(DonorContact.donor_id == source.id))]
    aliases = list(session.scalars(select(Donor).where(Donor.merged_into_id == source.id)))
    audit.give_reason(session, f"Donor {source.name} (No. {source.id}) merged into {target.name} (No. {target.id}).")
    for record in moved:
        record.donor = target
    for alias in aliases:
        alias.merged_into = target
    source.merged_into = target
    target.updated_at = utcnow()
    _flushed(session, f"Donor {source.name} or {target.name}")
    session.execute(update(Reminder).where(Reminder.donor_id == source.id).values(donor_id=target.id))
    return plan


#: Every donor's figures as a subquery the donors list filters, sorts and cuts into pages in SQL.
_FIGURES = donor_figures_query().order_by(None).subquery("donor_figures")

#: The sortable columns of the donors list. Not the country: it is stored as a code but shown
#: by name, and an order by code would look wrong on the page.
SORTING = Sorting(
    columns={
        "name": SortColumn("Donor", Donor.name_key),
        "type": SortColumn("Type", Donor.type),
        "pledged": SortColumn("Open pledges (US$)", _FIGURES.c.pledged_cents, descending_first=True),
        "funding": SortColumn("Funding (US$)", _FIGURES.c.committed_cents + _FIGURES.c.paid_cents,
                              descending_first=True),
        "received": SortColumn("Received (US$)", _FIGURES.c.received_cents, descending_first=True),
        "contributions": SortColumn("Contributions", _FIGURES.c.contributions, descending_first=True),
    },
    default=Sort("name", descending=False),
)


def name_contains(search: str):
    """The condition "the donor's name, or the name of a donor merged into it, contains
    ``search``", in any case (Unicode-aware: names are matched on their case-folded key) and
    with ``%`` and ``_`` taken literally."""
    pattern = contains_pattern(name_key(search))
    alias = aliased(Donor)
    merged_names = select(alias.merged_into_id).where(alias.name_key.like(pattern, escape=ESCAPE))
    return Donor.name_key.like(pattern, escape=ESCAPE) | Donor.id.in_(merged_names)


def count_donors(session: Session, search: str = "") -> int:
    """How many live donors (whose name contains ``search``)."""
    query = select(func.count(Donor.id)).where(Donor.merged_into_id.is_(None))
    return session.scalar(query.where(name_contains(search)) if search else query)


def donor_lines(session: Session, *, search: str = "", sort: Sort = SORTING.default, limit: int = 50,
                offset: int = 0) -> list[DonorFigures]:
    """A page of live donors with their figures (``tracker.core.figures``), filtered and sorted in SQL."""
    query = select(_FIGURES).join(Donor, Donor.id == _FIGURES.c.id).where(Donor.merged_into_id.is_(None))
    if search:
        query = query.where(name_contains(search))
    query = ordered(query, SORTING, sort, _FIGURES.c.id).limit(limit).offset(offset)
    return [DonorFigures(donor_id, name, type_, country, *(int(v) for v in sums))
            for donor_id, name, type_, country, *sums in session.execute(query)]
