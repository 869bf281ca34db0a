"""The contributions and payments as pages list them: filtered (``ContributionFilters``) and
searched, sorted in SQL from a whitelist of columns (``SORTING``), cancelled ones last, cut into
pages, with a totals row over every page.

Donor names match as ``tracker.donors.rules.name_contains`` says; nothing a reader types
reaches SQL except as a bound parameter.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import Select, case, func, or_, select
from sqlalchemy.orm import Session

from tracker.contributions.filters import CANCELLED, ContributionFilters
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


@dataclass(frozen=True)
class Listing:
    """What a table of contributions shows: those the filters select whose donor name,
    reference or gap code contains ``search``, in the ``sort`` order, cancelled ones last."""

    filters: ContributionFilters = ContributionFilters()
    search: str = ""
    sort: Sort = SORTING.default

    def query(self, columns, *, sorted_: bool = False) -> Select:
        """The listed contributions' ``columns`` (unordered).

        Donor names match as ``tracker.donors.name_contains`` says; references and gap codes
        with ILIKE (SQLite folds only ASCII letters there), any case, ``%`` and ``_`` literal.
        Donors and gaps are few, so they are searched first and contributions picked by id; the
        donor or gap table is joined only to sort by it (``sorted_``), which leaves the other
        orders free to walk an index.
        """
        query = self.filters.decided(select(*columns))
        if sorted_ and self.sort.column in _SORT_JOINS:
            query = query.join(*_SORT_JOINS[self.sort.column])
        if self.search:
            pattern = contains_pattern(self.search)
            query = query.where(or_(
                Contribution.donor_id.in_(select(Donor.id).where(donors.name_contains(self.search))),
                Contribution.gap_id.in_(select(Gap.id).where(Gap.code.ilike(pattern, escape=ESCAPE))),
                Contribution.reference.ilike(pattern, escape=ESCAPE),
            ))
        return query

    def page_ids(self, session: Session, totals: ListedTotals, limit: int, offset: int) -> list[int]:
        """The ids of one page: the contributions that count first, in the reader's order, then
        the cancelled ones in the same order (mistyped rows must not crowd the top of a table).

        Each part is sorted and cut in the database on its own, where an index can serve the
        order; ``totals`` says how many of each there are, so the page knows where the second
        part starts without counting again.
        """
        live = totals.contributions - totals.cancelled
        ids = []
        if offset < live:
            ids = self._ordered_ids(session, Contribution.status != CANCELLED, limit, offset)
        if len(ids) < limit and totals.cancelled:
            ids += self._ordered_ids(session, Contribution.status == CANCELLED, limit - len(ids),
                                     max(0, offset - live))
        return ids

    def _ordered_ids(self, session: Session, condition, limit: int, offset: int) -> list[int]:
        query = ordered(self.query([Contribution.id], sorted_=True).where(condition), SORTING, self.sort,
                        Contribution.id)
        return list(session.scalars(query.limit(limit).offset(offset)))


def contribution_totals(session: Session, listing: Listing) -> ListedTotals:
    """The listed contributions' parts added up, in SQL, over every page: a gap's are its
    figures; ``contributions`` is also the number of rows the table pages through."""
    return listed_totals(session, listing.query([Contribution.id]))


def contribution_lines(
    session: Session, listing: Listing, totals: ListedTotals, *, limit: int = 50, offset: int = 0,
) -> list[ContributionLine]:
    """A page of the listing (see :meth:`Listing.page_ids`), loaded in one more query whatever
    its length. (As one query, SQLite would plan the outer join without knowing the page is
    short, and walk every contribution.)"""
    ids = listing.page_ids(session, totals, limit, offset)
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
    query = (
        select(Payment, Contribution.currency, Donor.name, Gap.code)
        .join(Contribution, Contribution.id == Payment.contribution_id)
        .join(Donor, Donor.id == Contribution.donor_id)
        .join(Gap, Gap.id == Contribution.gap_id)
    )
    if gap_id is not None:
        query = query.where(Contribution.gap_id == gap_id)
    if donor_id is not None:
        query = query.where(Contribution.donor_id == donor_id)
    if contribution_id is not None:
        query = query.where(Payment.contribution_id == contribution_id)
    query = query.order_by(Payment.date_received.desc(), Payment.id.desc()).limit(limit)
    return [PaymentLine(*row) for row in session.execute(query)]
