"""Donors: one record per donor, whatever the case or spacing of the name people type."""
from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tracker.core.errors import InvalidInput
from tracker.core.figures import DonorFigures, donor_figures_query
from tracker.core.listing import ESCAPE, Sort, SortColumn, Sorting, contains_pattern, ordered
from tracker.core.models import Donor, DonorType


def clean_name(name: str) -> str:
    """The name as shown: trimmed, inner runs of white space folded to one space."""
    return " ".join((name or "").split())


def name_key(name: str) -> str:
    """What makes two names the same donor: the cleaned name, case-folded."""
    return clean_name(name).casefold()


def find_donor(session: Session, name: str) -> Donor | None:
    return session.scalar(select(Donor).where(Donor.name_key == name_key(name)))


def find_or_add_donor(session: Session, name: str, type_: str = DonorType.OTHER, country: str | None = None) -> Donor:
    """The donor called ``name``, added with ``type_`` and ``country`` when it is new."""
    shown = clean_name(name)
    if not shown:
        raise InvalidInput("new_donor", "Enter the donor's name, or pick a donor from the list.")
    if len(shown) > 200:
        raise InvalidInput("new_donor", "A donor's name has at most 200 characters.")
    existing = find_donor(session, shown)
    if existing is not None:
        return existing
    if type_ not in {t.value for t in DonorType}:
        raise InvalidInput("donor_type", f"{type_!r} is not a donor type.")
    donor = Donor(name=shown, name_key=name_key(shown), type=str(type_), country=country or None)
    try:
        # A savepoint, so that losing a race with another request adding the same donor
        # (the unique name_key) rolls back only this insert and we take theirs.
        with session.begin_nested():
            session.add(donor)
    except IntegrityError:
        return find_donor(session, shown)
    return donor


def donor_choices(session: Session) -> list[tuple[str, str]]:
    """(id, name) of every donor, by name, for the donor picker."""
    return [(str(i), n) for i, n in session.execute(select(Donor.id, Donor.name).order_by(Donor.name_key))]


def choose_donor(session: Session, donor_id: str | None, name: str, type_: str, country: str | None) -> Donor:
    """The donor picked from the list, or the one named (added when new)."""
    if donor_id:
        donor = session.get(Donor, int(donor_id))
        if donor is None:
            raise InvalidInput("donor_id", "That donor no longer exists; pick another.")
        return donor
    return find_or_add_donor(session, name, type_, country)


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
    """The condition "the donor's name contains ``search``", in any case (Unicode-aware: names
    are matched on their case-folded key) and with ``%`` and ``_`` taken literally."""
    return Donor.name_key.like(contains_pattern(name_key(search)), escape=ESCAPE)


def count_donors(session: Session, search: str = "") -> int:
    query = select(func.count(Donor.id))
    return session.scalar(query.where(name_contains(search)) if search else query)


def donor_lines(session: Session, *, search: str = "", sort: Sort = SORTING.default, limit: int = 50,
                offset: int = 0) -> list[DonorFigures]:
    """A page of donors with their figures (``tracker.core.figures``), filtered and sorted in SQL."""
    query = select(_FIGURES).join(Donor, Donor.id == _FIGURES.c.id)
    if search:
        query = query.where(name_contains(search))
    query = ordered(query, SORTING, sort, _FIGURES.c.id).limit(limit).offset(offset)
    return [DonorFigures(donor_id, name, type_, country, *(int(v) for v in sums))
            for donor_id, name, type_, country, *sums in session.execute(query)]
