"""The figures of every funding gap, defined once, computed by one aggregate query.

Definitions follow OCHA's Financial Tracking Service (the README repeats them):

- requirement: the revised requirement, else the original;
- funding: US$ of contributions that are committed or paid. A fully paid contribution (its
  payments, voided ones aside, reach its amount in its own currency) counts at the US$ actually
  received, as FTS counts a paid flow; any other counts at its committed US$ value less what was
  written off, or at the US$ received if more has arrived; cancelled counts 0;
- exchange difference: for a fully paid contribution, US$ received − its committed US$ value
  (a gain when positive, a loss when negative); 0 for every other;
- written off: US$ of the unpaid rest of contributions given up while it stays unpaid (shown,
  already out of funding);
- pledged: US$ of open pledges (not yet committed). Shown, never counted as funding;
- received: US$ actually paid in (a contribution marked paid counts as fully received);
- shortfall: max(0, requirement - funding); surplus: max(0, funding - requirement);
- coverage: funding / requirement, in percent, allowed above 100;
- gap if every pledge is honoured: max(0, requirement - funding - pledged).

Every consumer (pages, JSON, CLI, jobs, workbooks) calls :func:`gap_figures`; nothing else
adds up contributions. :data:`DEFINITIONS` says the same in words for readers of workbooks.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import Session, aliased

from tracker.core.models import Contribution, ContributionStatus, Donor, Gap, Payment, WriteOff
from tracker.core.money import percent, usd

FUNDING_STATUSES = (ContributionStatus.COMMITTED.value, ContributionStatus.PAID.value)

#: Each figure and what it means, for people reading a report (workbooks' Notes sheets).
DEFINITIONS = (
    ("Requirement", "The revised requirement when the gap was revised, else the original requirement (US$)."),
    ("Funding", "US$ of contributions that are committed (signed agreement) or paid. A fully paid contribution "
                "counts at the US$ actually received; any other committed contribution at its committed US$ "
                "value less what was written off, or at the US$ received if more has arrived. Cancelled "
                "contributions and voided payments count 0."),
    ("Written off", "US$ of the unpaid rest of committed contributions given up with a reason, while it stays "
                    "unpaid; already left out of funding."),
    ("Exchange difference", "For a fully paid contribution: US$ received − its committed US$ value, a gain when "
                            "positive, a loss when negative (the rates of the days paid against the rate of the "
                            "commitment). Already part of funding; 0 for contributions not fully paid."),
    ("Open pledges", "US$ of pledges (announced, not binding) not yet committed. Shown, never counted as funding."),
    ("Received", "US$ actually paid in; a contribution marked paid counts as fully received."),
    ("Shortfall", "max(0, requirement − funding): the unmet requirement."),
    ("Surplus", "max(0, funding − requirement)."),
    ("Coverage", "Funding ÷ requirement; may exceed 100 %."),
    ("Shortfall if every pledge is honoured", "max(0, requirement − funding − open pledges)."),
    ("US$ values", "Each contribution and payment is converted at its recorded rate (units per US$) and "
                   "rounded half-to-even to the cent when recorded; totals are sums of those frozen cents."),
    ("Totals", "Sums of each gap's own figures: one gap's surplus does not fill another's shortfall."),
)


class InDollars:
    """Figures are kept in exact cents; ``x_usd`` reads ``x_cents`` as a Decimal of dollars."""

    def __getattr__(self, name: str) -> Decimal:
        """``requirement_usd``, ``shortfall_usd`` …: the cents figure as dollars."""
        if name.endswith("_usd"):
            return usd(getattr(self, name[: -len("_usd")] + "_cents"))
        raise AttributeError(name)


@dataclass(frozen=True)
class GapFigures(InDollars):
    """One gap's figures in US cents (exact integers); dollars via the ``*_usd`` properties."""

    gap_id: int
    code: str
    title: str
    status: str
    requirement_cents: int
    funding_cents: int
    pledged_cents: int
    received_cents: int
    written_off_cents: int
    contributions: int
    exchange_difference_cents: int = 0

    @property
    def shortfall_cents(self) -> int:
        return max(0, self.requirement_cents - self.funding_cents)

    @property
    def surplus_cents(self) -> int:
        return max(0, self.funding_cents - self.requirement_cents)

    @property
    def gap_if_pledges_honoured_cents(self) -> int:
        return max(0, self.requirement_cents - self.funding_cents - self.pledged_cents)

    @property
    def coverage_pct(self) -> Decimal | None:
        """Funding as a percentage of the requirement; None for a zero requirement."""
        return percent(self.funding_cents, self.requirement_cents)

    @property
    def pledged_pct(self) -> Decimal | None:
        """Open pledges as a percentage of the requirement (for the pledged band of a bar)."""
        return percent(self.pledged_cents, self.requirement_cents)


#: The money figures of a gap's JSON, each as ``<name>_usd``.
JSON_MONEY_FIELDS = ("requirement", "funding", "pledged", "received", "written_off", "exchange_difference",
                     "shortfall", "surplus", "gap_if_pledges_honoured")


def gap_json(figures: GapFigures) -> dict:
    """A gap's figures as JSON (the API's and ``flask gaps --json``'s one shape): US$ as decimal
    strings with two places, never floats."""
    coverage = figures.coverage_pct
    return {
        "code": figures.code,
        "title": figures.title,
        "status": figures.status,
        **{f"{name}_usd": str(getattr(figures, f"{name}_usd")) for name in JSON_MONEY_FIELDS},
        "coverage_pct": None if coverage is None else str(coverage),
    }


@dataclass(frozen=True)
class Totals(GapFigures):
    """The figures of several gaps added up.

    Shortfall, surplus and the gap-if-honoured are sums of each gap's own value: one gap's
    surplus does not fill another's shortfall.
    """

    shortfall_sum: int = 0
    surplus_sum: int = 0
    gap_if_pledges_honoured_sum: int = 0

    @property
    def shortfall_cents(self) -> int:
        return self.shortfall_sum

    @property
    def surplus_cents(self) -> int:
        return self.surplus_sum

    @property
    def gap_if_pledges_honoured_cents(self) -> int:
        return self.gap_if_pledges_honoured_sum

    @classmethod
    def of(cls, figures: Iterable[GapFigures]) -> Totals:
        rows = list(figures)
        return cls(
            gap_id=0, code="", title="Total", status="", contributions=sum(f.contributions for f in rows),
            **{
                field: sum(getattr(f, field) for f in rows)
                for field in ("requirement_cents", "funding_cents", "pledged_cents", "received_cents",
                              "written_off_cents", "exchange_difference_cents")
            },
            shortfall_sum=sum(f.shortfall_cents for f in rows),
            surplus_sum=sum(f.surplus_cents for f in rows),
            gap_if_pledges_honoured_sum=sum(f.gap_if_pledges_honoured_cents for f in rows),
        )


@dataclass(frozen=True)
class DonorFigures(InDollars):
    """One donor's contributions in US cents, by what they count as."""

    donor_id: int
    name: str
    type: str
    country: str | None
    pledged_cents: int
    committed_cents: int  # funding from contributions still committed
    paid_cents: int  # funding from contributions fully paid
    cancelled_cents: int
    received_cents: int
    contributions: int

    @property
    def funding_cents(self) -> int:
        return self.committed_cents + self.paid_cents


class _Measures:
    """Each contribution's part in every figure, as SQL expressions over
    contribution ⟕ payments ⟕ write-off.

    Both aggregates (per gap, per donor) sum these, so the definitions exist once.
    """

    def __init__(self) -> None:
        self.paid_in = (
            select(Payment.contribution_id, func.sum(Payment.usd_cents).label("cents"),
                   func.sum(Payment.amount_minor).label("minor"))
            .where(Payment.voided_at.is_(None))
            .group_by(Payment.contribution_id)
            .subquery("paid_in")
        )
        received = func.coalesce(self.paid_in.c.cents, 0)
        fully_paid = func.coalesce(self.paid_in.c.minor, 0) >= Contribution.amount_minor
        given_up = case((fully_paid, 0), else_=func.coalesce(WriteOff.usd_cents, 0))
        committed = Contribution.usd_cents - given_up
        counted = case((fully_paid, received), (received > committed, received), else_=committed)
        status = Contribution.status
        funds = status.in_(FUNDING_STATUSES)
        self.funding = case((funds, counted), else_=0)
        self.written_off = case((funds, given_up), else_=0)
        self.exchange_difference = case((funds & fully_paid, received - Contribution.usd_cents), else_=0)
        self.committed = case((status == ContributionStatus.COMMITTED.value, counted), else_=0)
        self.paid = case((status == ContributionStatus.PAID.value, counted), else_=0)
        self.pledged = case((status == ContributionStatus.PLEDGED.value, Contribution.usd_cents), else_=0)
        self.cancelled = case((status == ContributionStatus.CANCELLED.value, Contribution.usd_cents), else_=0)
        self.received = case(
            (status == ContributionStatus.PAID.value, counted),
            (status == ContributionStatus.CANCELLED.value, 0),
            else_=received,
        )
        self.live = case((status != ContributionStatus.CANCELLED.value, 1), else_=0)

    def joined(self, query: Select) -> Select:
        """``query`` over contributions, joined to what each received and had written off."""
        return (query.outerjoin(self.paid_in, self.paid_in.c.contribution_id == Contribution.id)
                .outerjoin(WriteOff, WriteOff.contribution_id == Contribution.id))


@dataclass(frozen=True)
class ContributionFigures(InDollars):
    """What one contribution counts for in its gap's figures, in US cents."""

    contribution_id: int
    funding_cents: int
    received_cents: int
    written_off_cents: int
    exchange_difference_cents: int


def contribution_figures(session: Session, contribution_ids: Sequence[int]) -> dict[int, ContributionFigures]:
    """Each contribution's part in the figures (the same measures the gaps' totals sum), by id."""
    m = _Measures()
    query = m.joined(select(Contribution.id, m.funding, m.received, m.written_off, m.exchange_difference)
                     .where(Contribution.id.in_(contribution_ids)))
    return {row[0]: ContributionFigures(row[0], *(int(v) for v in row[1:])) for row in session.execute(query)}


def _total(expression):
    return func.coalesce(func.sum(expression), 0)


def figures_query() -> Select:
    """The one aggregate behind every gap figure: a row per gap, summed in the database."""
    m = _Measures()
    query = (
        select(
            Gap.id, Gap.code, Gap.title, Gap.status,
            func.coalesce(Gap.revised_requirement_cents, Gap.original_requirement_cents),
            _total(m.funding), _total(m.pledged), _total(m.received), _total(m.written_off), _total(m.live),
            _total(m.exchange_difference),
        )
        .outerjoin(Contribution, Contribution.gap_id == Gap.id)
        .group_by(Gap.id)
        .order_by(Gap.code)
    )
    return m.joined(query)


def donor_figures_query(gap_codes: Sequence[str] | None = None) -> Select:
    """A row per donor with its contributions summed by what they count as (columns labelled,
    so that the donors list can filter and sort it as a subquery).

    With ``gap_codes``, only contributions to those gaps count, and only donors who made one
    are listed (a workbook of one gap lists that gap's donors).
    """
    m = _Measures()
    joined = Contribution.donor_id == Donor.id
    query = select(
        Donor.id, Donor.name, Donor.type, Donor.country,
        _total(m.pledged).label("pledged_cents"), _total(m.committed).label("committed_cents"),
        _total(m.paid).label("paid_cents"), _total(m.cancelled).label("cancelled_cents"),
        _total(m.received).label("received_cents"), _total(m.live).label("contributions"),
    )
    if gap_codes is not None:
        in_gaps = select(Gap.id).where(Gap.code.in_(gap_codes))
        joined = joined & Contribution.gap_id.in_(in_gaps)
        scoped = aliased(Contribution)
        query = query.where(Donor.id.in_(select(scoped.donor_id).where(scoped.gap_id.in_(in_gaps))))
    query = query.outerjoin(Contribution, joined).group_by(Donor.id).order_by(Donor.name_key)
    return m.joined(query)


def donor_figures(
    session: Session, donor_ids: Sequence[int] | None = None, gap_codes: Sequence[str] | None = None
) -> list[DonorFigures]:
    """Figures of every donor (or of ``donor_ids``), ordered by name; see
    :func:`donor_figures_query` for ``gap_codes``."""
    query = donor_figures_query(gap_codes)
    if donor_ids is not None:
        query = query.where(Donor.id.in_(donor_ids))
    return [
        DonorFigures(donor_id, name, type_, country, *(int(v) for v in sums))
        for donor_id, name, type_, country, *sums in session.execute(query)
    ]


def gap_figures(session: Session, codes: Sequence[str] | None = None) -> list[GapFigures]:
    """Figures of every gap (or of the gaps with ``codes``), ordered by code."""
    query = figures_query()
    if codes is not None:
        query = query.where(Gap.code.in_(codes))
    return [
        GapFigures(gap_id, code, title, status, *(int(v) for v in sums))
        for gap_id, code, title, status, *sums in session.execute(query)
    ]


def figures_of(session: Session, code: str) -> GapFigures | None:
    """One gap's figures, or None when no gap has ``code``."""
    found = gap_figures(session, [code])
    return found[0] if found else None
