"""The contributions and payments as pages list them: one query per page, filtered by gap,
donor or search text, sorted in SQL from a whitelist of columns (``SORTING``), cut into pages.

Donor names match as ``tracker.donors.rules.name_contains`` says; nothing a reader types
reaches SQL except as a bound parameter.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import Select, case, func, or_, select
from sqlalchemy.orm import Session

from tracker.core import money
from tracker.core.figures import ContributionFigures, ListedTotals, listed_totals, with_contribution_figures
from tracker.core.listing import ESCAPE, Sort, SortColumn, Sorting, contains_pattern, ordered
from tracker.core.models import Contribution, ContributionStatus, Donor, Gap, Payment, WriteOff
from tracker.donors import rules as donors


@dataclass(frozen=True)
class ContributionLine:
    """A contribution as listed on a page, with its part in each of its gap's figures."""

    contribution: Contribution
    donor: str
    gap_code: str
    counted: ContributionFigures
    written_off_minor: int | None = None  # the unpaid rest given up, in its currency

    @property
    def amount(self) -> Decimal:
        return money.from_minor(self.contribution.amount_minor, self.contribution.currency)

    @property
    def received(self) -> Decimal:
        """What arrived in the contribution's currency (marked paid: at least its amount)."""
        return money.from_minor(self.counted.received_minor, self.contribution.currency)

    @property
    def written_off(self) -> Decimal | None:
        if self.written_off_minor is None:
            return None
        return money.from_minor(self.written_off_minor, self.contribution.currency)


def _scoped(query, gap_id: int | None, donor_id: int | None):
    if gap_id is not None:
        query = query.where(Contribution.gap_id == gap_id)
    if donor_id is not None:
        query = query.where(Contribution.donor_id == donor_id)
    return query


#: The lifecycle order of statuses, which reads better in a sorted table than A to Z.
_STATUS_ORDER = case({s.value: n for n, s in enumerate(ContributionStatus)}, value=Contribution.status)

#: The sortable columns of contribution tables (a gap's, a donor's, the search page).
SORTING = Sorting(
    columns={
        "number": SortColumn("No.", Contribution.id, descending_first=True),
        "donor": SortColumn("Donor", Donor.name_key),
        "gap": SortColumn("Gap", Gap.code),
        "status": SortColumn("Status", _STATUS_ORDER),
        "date": SortColumn("Decision date", Contribution.decision_date, descending_first=True, may_be_empty=True),
        "usd": SortColumn("Amount", Contribution.usd_cents, descending_first=True),
        "reference": SortColumn("Reference", func.nullif(Contribution.reference, ""), may_be_empty=True),
    },
    default=Sort("date", descending=True),
)


#: The tables a sort column lives in, joined only when a page is sorted by them.
_SORT_JOINS = {"donor": (Donor, Donor.id == Contribution.donor_id), "gap": (Gap, Gap.id == Contribution.gap_id)}


def _listed(columns, gap_id: int | None, donor_id: int | None, search: str, sort: Sort | None = None) -> Select:
    """Contributions of a gap and/or donor whose donor name, reference or gap code contains
    ``search`` (any case; ``%`` and ``_`` are literal).

    Donor names match as ``tracker.donors.name_contains`` says; references and gap codes with
    ILIKE (SQLite folds only ASCII letters there). Donors and gaps are few, so they are searched
    first and contributions picked by id; the donor or gap table is joined only to sort by it,
    which leaves the other orders free to walk an index.
    """
    query = _scoped(select(*columns), gap_id, donor_id)
    if sort is not None and sort.column in _SORT_JOINS:
        query = query.join(*_SORT_JOINS[sort.column])
    if search:
        pattern = contains_pattern(search)
        query = query.where(or_(
            Contribution.donor_id.in_(select(Donor.id).where(donors.name_contains(search))),
            Contribution.gap_id.in_(select(Gap.id).where(Gap.code.ilike(pattern, escape=ESCAPE))),
            Contribution.reference.ilike(pattern, escape=ESCAPE),
        ))
    return query


def count_contributions(
    session: Session, *, gap_id: int | None = None, donor_id: int | None = None, search: str = ""
) -> int:
    return session.scalar(_listed([func.count(Contribution.id)], gap_id, donor_id, search))


def contribution_lines(
    session: Session, *, gap_id: int | None = None, donor_id: int | None = None, search: str = "",
    sort: Sort = SORTING.default, limit: int = 50, offset: int = 0,
) -> list[ContributionLine]:
    """A page of contributions in the ``sort`` order, in two queries whatever its length.

    The page's ids are picked first, sorted and cut in the database where an index can serve
    the order; then those rows are loaded with what each received. (As one query, SQLite would
    plan the outer join without knowing the page is short, and walk every contribution.)
    """
    ids = list(session.scalars(
        ordered(_listed([Contribution.id], gap_id, donor_id, search, sort), SORTING, sort, Contribution.id)
        .limit(limit).offset(offset)
    ))
    if not ids:
        return []
    query = with_contribution_figures(
        select(Contribution, Donor.name.label("donor"), Gap.code.label("gap_code"),
               WriteOff.amount_minor.label("written_off_minor"))
        .join(Donor, Donor.id == Contribution.donor_id)
        .join(Gap, Gap.id == Contribution.gap_id)
        .where(Contribution.id.in_(ids)),
        ids,
    )
    lines = {row.Contribution.id: ContributionLine(row.Contribution, row.donor, row.gap_code,
                                                   ContributionFigures.of(row.Contribution.id, row),
                                                   row.written_off_minor)
             for row in session.execute(query)}
    return [lines[i] for i in ids]


def contribution_totals(
    session: Session, *, gap_id: int | None = None, donor_id: int | None = None, search: str = ""
) -> ListedTotals:
    """The listed contributions' parts added up, in SQL, over every page: a gap's are its figures."""
    return listed_totals(session, _listed([Contribution.id], gap_id, donor_id, search))


@dataclass(frozen=True)
class PaymentLine:
    payment: Payment
    currency: str
    donor: str
    gap_code: str

    @property
    def amount(self) -> Decimal:
        return money.from_minor(self.payment.amount_minor, self.currency)

    @property
    def usd(self) -> Decimal:
        return money.usd(self.payment.usd_cents)


def payment_lines(
    session: Session, *, gap_id: int | None = None, donor_id: int | None = None,
    contribution_id: int | None = None, limit: int = 50,
) -> list[PaymentLine]:
    """The latest payments, newest first."""
    query = _scoped(
        select(Payment, Contribution.currency, Donor.name, Gap.code)
        .join(Contribution, Contribution.id == Payment.contribution_id)
        .join(Donor, Donor.id == Contribution.donor_id)
        .join(Gap, Gap.id == Contribution.gap_id),
        gap_id, donor_id,
    )
    if contribution_id is not None:
        query = query.where(Payment.contribution_id == contribution_id)
    query = query.order_by(Payment.date_received.desc(), Payment.id.desc()).limit(limit)
    return [PaymentLine(*row) for row in session.execute(query)]
