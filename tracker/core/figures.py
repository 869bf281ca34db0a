"""The figures of every funding gap, defined once, computed by one aggregate query.

The figures follow OCHA's Financial Tracking Service: pledges are not funding; funding is
committed + paid; a fully paid contribution counts at the US$ received; a written-off rest is
deducted; cancelled counts 0; voided payments are excluded. Their definitions are written once,
in words, in :data:`DEFINITIONS` below: the workbooks' Notes sheets and the gap page show those
texts as they are (and the README repeats them), so what a reader is told is what is computed.

Every consumer (pages, JSON, CLI, jobs, workbooks) calls :func:`gap_figures`; nothing else
adds up contributions. A listed contribution shows its part in each figure through
:func:`with_contribution_figures`, the same measures the totals sum, so every listed column
adds up to its total.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import Session, aliased

from tracker.core.models import Contribution, ContributionStatus, Donor, Gap, Payment, WriteOff
from tracker.core.money import USD, from_minor, percent, usd, usd_cents
from tracker.core.rates import rates_in_force

FUNDING_STATUSES = (ContributionStatus.COMMITTED.value, ContributionStatus.PAID.value)

#: Each figure and what it means, for people reading a report: the workbooks' Notes sheets and
#: the gap page show these texts word for word.
DEFINITIONS = (
    ("Requirement", "The revised requirement when the gap was revised, else the original requirement (US$)."),
    ("Funding", "US$ of contributions that are committed (signed agreement) or paid. A fully paid contribution "
                "(its payments reach its amount in its own currency) counts at the US$ actually received; any "
                "other committed contribution at its committed US$ value less what was written off, or at the "
                "US$ received if more has arrived. Pledges are not funding. Cancelled contributions and voided "
                "payments count 0."),
    ("Written off", "US$ of the unpaid rest of a committed contribution given up with a reason (at the "
                    "contribution's own rate), while it stays unpaid: already deducted from funding. Money that "
                    "arrives later is received and counted as usual."),
    ("Exchange difference", "For a fully paid contribution: US$ received − its committed US$ value, a gain when "
                            "positive, a loss when negative (the rates of the days paid against the rate of the "
                            "commitment). Already part of funding; 0 for contributions not fully paid."),
    ("Open pledges", "US$ of pledges (announced, not binding) not yet committed. Shown, never counted as funding."),
    ("Received", "US$ actually paid in, voided payments excluded; a contribution marked paid counts as fully "
                 "received (in its own currency, its amount or what arrived if more)."),
    ("Cancelled", "A cancelled contribution stays listed with its amount and reason but counts 0 in every US$ "
                  "figure."),
    ("Shortfall", "max(0, requirement − funding): the unmet requirement."),
    ("Surplus", "max(0, funding − requirement)."),
    ("Coverage", "Funding ÷ requirement; may exceed 100 %."),
    ("Shortfall if every pledge is honoured", "max(0, requirement − funding − open pledges)."),
    ("US$ values", "Each contribution and payment is converted at its recorded rate (units per US$) and "
                   "rounded half-to-even to the cent when recorded; totals are sums of those frozen cents."),
    ("Totals", "Sums of each gap's own figures: one gap's surplus does not fill another's shortfall. Each "
               "listed contribution shows its part in every figure, so the listed columns add up to the totals."),
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


def gap_json(figures: GapFigures, exposure: Exposure | None = None) -> dict:
    """A gap's figures as JSON (the API's and ``flask gaps --json``'s one shape): US$ as decimal
    strings with two places, never floats; beside them, its currency exposure."""
    coverage = figures.coverage_pct
    exposure = exposure or Exposure()
    return {
        "code": figures.code,
        "title": figures.title,
        "status": figures.status,
        **{f"{name}_usd": str(getattr(figures, f"{name}_usd")) for name in JSON_MONEY_FIELDS},
        "coverage_pct": None if coverage is None else str(coverage),
        "unpaid_foreign_usd_frozen": str(exposure.frozen_usd),
        "unpaid_foreign_usd_today": str(exposure.today_usd),
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

    Both aggregates (per gap, per donor) and the listings sum or show these, so the
    definitions exist once. ``contribution_ids`` narrows the payments summed to those
    contributions (a page of a listing), which the result does not depend on.
    """

    def __init__(self, contribution_ids: Sequence[int] | None = None) -> None:
        paid_in = (select(Payment.contribution_id, func.sum(Payment.usd_cents).label("cents"),
                          func.sum(Payment.amount_minor).label("minor"))
                   .where(Payment.voided_at.is_(None)))
        if contribution_ids is not None:
            paid_in = paid_in.where(Payment.contribution_id.in_(contribution_ids))
        self.paid_in = paid_in.group_by(Payment.contribution_id).subquery("paid_in")
        received = func.coalesce(self.paid_in.c.cents, 0)
        arrived_minor = func.coalesce(self.paid_in.c.minor, 0)
        fully_paid = arrived_minor >= Contribution.amount_minor
        given_up = case((fully_paid, 0), else_=func.coalesce(WriteOff.usd_cents, 0))
        given_up_minor = case((fully_paid, 0), else_=func.coalesce(WriteOff.amount_minor, 0))
        committed = Contribution.usd_cents - given_up
        counted = case((fully_paid, received), (received > committed, received), else_=committed)
        status = Contribution.status
        funds = status.in_(FUNDING_STATUSES)
        is_committed = status == ContributionStatus.COMMITTED.value
        is_paid = status == ContributionStatus.PAID.value
        is_cancelled = status == ContributionStatus.CANCELLED.value
        self.funding = case((funds, counted), else_=0)
        self.written_off = case((funds, given_up), else_=0)
        self.exchange_difference = case((funds & fully_paid, received - Contribution.usd_cents), else_=0)
        #: Funding above the committed value of a contribution not fully paid: the US$ of its
        #: payments (at the days' rates) passed its committed US$ before its own amount arrived.
        self.received_above = case((funds & ~fully_paid & (received > committed), received - committed), else_=0)
        #: Funding not received yet: what a committed contribution still has to bring (paid: 0).
        self.outstanding = case((is_committed & (counted > received), counted - received), else_=0)
        self.committed = case((is_committed, counted), else_=0)
        self.paid = case((is_paid, counted), else_=0)
        self.pledged = case((status == ContributionStatus.PLEDGED.value, Contribution.usd_cents), else_=0)
        self.cancelled = case((is_cancelled, Contribution.usd_cents), else_=0)
        self.received = case((is_paid, counted), (is_cancelled, 0), else_=received)
        #: What arrived in the contribution's own currency; marked paid, at least its amount.
        self.received_minor = case(
            (is_paid & ~fully_paid, Contribution.amount_minor), (is_cancelled, 0), else_=arrived_minor)
        #: The part of ``received`` no payment accounts for: a contribution marked paid before
        #: (or without) payments reaching its amount counts as fully received.
        self.received_unpaid = case((is_paid, counted - received), else_=0)
        self.paid_in_minor = arrived_minor
        self.live = case((status != ContributionStatus.CANCELLED.value, 1), else_=0)
        # The same parts in the contribution's own currency (its minor units), for a donor who
        # gives in one currency: what was pledged, committed (less the rest written off), written
        # off, and what a committed contribution still has to bring.
        self.pledged_minor = case((status == ContributionStatus.PLEDGED.value, Contribution.amount_minor), else_=0)
        self.committed_minor = case((funds, Contribution.amount_minor - given_up_minor), else_=0)
        self.written_off_minor = case((funds, given_up_minor), else_=0)
        still_due_minor = Contribution.amount_minor - given_up_minor - arrived_minor
        self.outstanding_minor = case((is_committed & (still_due_minor > 0), still_due_minor), else_=0)

    def joined(self, query: Select) -> Select:
        """``query`` over contributions, joined to what each received and had written off."""
        return (query.outerjoin(self.paid_in, self.paid_in.c.contribution_id == Contribution.id)
                .outerjoin(WriteOff, WriteOff.contribution_id == Contribution.id))


#: A listed contribution's parts in the figures, as the labelled columns of
#: :func:`with_contribution_figures` (US cents, except ``received_minor`` in its currency).
CONTRIBUTION_PARTS = ("pledged_cents", "funding_cents", "received_cents", "written_off_cents",
                      "exchange_difference_cents", "received_minor", "received_unpaid_cents", "paid_in_minor",
                      "received_above_cents", "outstanding_cents")


def with_contribution_figures(query: Select, contribution_ids: Sequence[int] | None = None) -> Select:
    """``query`` (over contributions) with each contribution's part in every figure added as
    the labelled columns :data:`CONTRIBUTION_PARTS`, and its write-off joined (so
    ``WriteOff`` columns may be selected too). Summed per gap they are the gap's figures."""
    m = _Measures(contribution_ids)
    return m.joined(query.add_columns(
        m.pledged.label("pledged_cents"), m.funding.label("funding_cents"), m.received.label("received_cents"),
        m.written_off.label("written_off_cents"), m.exchange_difference.label("exchange_difference_cents"),
        m.received_minor.label("received_minor"), m.received_unpaid.label("received_unpaid_cents"),
        m.paid_in_minor.label("paid_in_minor"), m.received_above.label("received_above_cents"),
        m.outstanding.label("outstanding_cents"),
    ))


@dataclass(frozen=True)
class ContributionFigures(InDollars):
    """What one contribution counts for in its gap's figures, in US cents; ``received_minor``
    is what it received in its own currency (a contribution marked paid: at least its amount)."""

    contribution_id: int
    pledged_cents: int
    funding_cents: int
    received_cents: int
    written_off_cents: int
    exchange_difference_cents: int
    received_minor: int
    received_unpaid_cents: int  # received without a payment: marked paid before payments reached the amount
    paid_in_minor: int  # what the payments brought, in its currency, voided ones aside
    received_above_cents: int  # funding above the committed value before the amount arrived
    outstanding_cents: int  # funding not received yet

    @classmethod
    def of(cls, contribution_id: int, row) -> ContributionFigures:
        """The figures of a row of :func:`with_contribution_figures`, read by name."""
        return cls(contribution_id, *(int(getattr(row, name)) for name in CONTRIBUTION_PARTS))


def contribution_figures(session: Session, contribution_ids: Sequence[int]) -> dict[int, ContributionFigures]:
    """Each contribution's part in the figures (the same measures the gaps' totals sum), by id."""
    query = with_contribution_figures(select(Contribution.id).where(Contribution.id.in_(contribution_ids)),
                                      contribution_ids)
    return {row.id: ContributionFigures.of(row.id, row) for row in session.execute(query)}


def _total(expression):
    return func.coalesce(func.sum(expression), 0)


@dataclass(frozen=True)
class ListedTotals(InDollars):
    """The US$ parts of a listing's contributions added up (the totals row of a table)."""

    contributions: int
    cancelled: int  # of the contributions, how many are cancelled (each counts 0)
    pledged_cents: int
    funding_cents: int
    received_cents: int
    written_off_cents: int
    exchange_difference_cents: int


def listed_totals(session: Session, contribution_ids: Select) -> ListedTotals:
    """The parts of the contributions whose ids ``contribution_ids`` selects, summed in SQL."""
    m = _Measures()
    cancelled = case((Contribution.status == ContributionStatus.CANCELLED.value, 1), else_=0)
    query = m.joined(
        select(func.count(Contribution.id), _total(cancelled),
               *(_total(e) for e in (m.pledged, m.funding, m.received, m.written_off, m.exchange_difference)))
        .select_from(Contribution).where(Contribution.id.in_(contribution_ids))
    )
    return ListedTotals(*(int(v) for v in session.execute(query).one()))


@dataclass(frozen=True)
class InCurrency:
    """A donor's figures in one currency it gives in, in that currency's minor units."""

    currency: str
    pledged_minor: int
    committed_minor: int  # committed or paid, less the rest written off
    received_minor: int
    written_off_minor: int
    outstanding_minor: int


@dataclass(frozen=True)
class DonorTotals(InDollars):
    """What a donor's statement totals: its contributions' parts in the figures summed in US
    cents, and in each currency it gives in (cancelled contributions name no currency)."""

    pledged_cents: int
    funding_cents: int
    received_cents: int
    written_off_cents: int
    exchange_difference_cents: int
    outstanding_cents: int
    currencies: tuple[InCurrency, ...]

    @property
    def single_currency(self) -> InCurrency | None:
        """The donor's one currency, when all it gives is in one."""
        return self.currencies[0] if len(self.currencies) == 1 else None


#: The US$ parts a statement totals, in :class:`DonorTotals`' order.
_DONOR_USD = ("pledged", "funding", "received", "written_off", "exchange_difference", "outstanding")
_DONOR_MINOR = ("pledged_minor", "committed_minor", "received_minor", "written_off_minor", "outstanding_minor")


def donor_totals(session: Session, donor_id: int) -> DonorTotals:
    """A donor's statement totals, summed in SQL per currency of its live contributions."""
    m = _Measures()
    query = m.joined(
        select(Contribution.currency, *(_total(getattr(m, name)) for name in (*_DONOR_USD, *_DONOR_MINOR)))
        .where(Contribution.donor_id == donor_id, Contribution.status != ContributionStatus.CANCELLED.value)
        .group_by(Contribution.currency).order_by(Contribution.currency)
    )
    groups = [(currency, [int(v) for v in sums]) for currency, *sums in session.execute(query)]
    usd_sums = [sum(sums[i] for _, sums in groups) for i in range(len(_DONOR_USD))]
    currencies = tuple(InCurrency(currency, *sums[len(_DONOR_USD):]) for currency, sums in groups)
    return DonorTotals(*usd_sums, currencies=currencies)


@dataclass(frozen=True)
class Exposure(InDollars):
    """Unpaid commitments in currencies other than the US$: what their open balance counts for
    in the funding figure (committed, not yet received, at the rates recorded: ``frozen``), and
    the same balance, the amount still due in its own currency, at the rate in force today
    (``today``). Shown beside the figures, never in them: recorded US$ values stay frozen."""

    frozen_cents: int = 0
    today_cents: int = 0
    #: Currencies with no rate on file: their balance is counted at its frozen value in ``today``.
    unrated: frozenset[str] = frozenset()

    def __add__(self, other: Exposure) -> Exposure:
        return Exposure(self.frozen_cents + other.frozen_cents, self.today_cents + other.today_cents,
                        self.unrated | other.unrated)


def currency_exposure(session: Session, today: date, prefer: str,
                      codes: Sequence[str] | None = None) -> dict[str, Exposure]:
    """Each gap's exposure (of the gaps with ``codes``, or every gap with one), by gap code.

    The open balances are summed in SQL per gap and currency, in exact integers; each sum is
    converted once, with Decimal, at the rate in force on ``today`` as the forms prefill it
    (:func:`tracker.core.rates.rates_in_force`, ``prefer`` the table that wins), by the one
    rounding rule of :func:`tracker.core.money.usd_cents`.
    """
    m = _Measures()
    query = m.joined(
        select(Gap.code, Contribution.currency, _total(m.outstanding), _total(m.outstanding_minor))
        .join(Gap, Gap.id == Contribution.gap_id)
        .where(Contribution.currency != USD.code, Contribution.status == ContributionStatus.COMMITTED.value)
        .group_by(Gap.code, Contribution.currency)
    )
    if codes is not None:
        query = query.where(Gap.code.in_(codes))
    balances = [(code, currency, int(frozen), int(due)) for code, currency, frozen, due in session.execute(query)
                if int(frozen) or int(due)]
    rates = rates_in_force(session, today, prefer, sorted({currency for _, currency, _, _ in balances}))
    exposure: dict[str, Exposure] = {}
    for code, currency, frozen, due in balances:
        rate = rates.get(currency)
        now = frozen if rate is None else usd_cents(from_minor(due, currency), rate.units_per_usd)
        part = Exposure(frozen, now, frozenset() if rate is not None else frozenset({currency}))
        exposure[code] = exposure.get(code, Exposure()) + part
    return exposure


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


def donor_funding_by_gap(session: Session, gap_ids: Select | Sequence[int],
                         donor_ids: Select | Sequence[int]) -> dict[tuple[int, int], int]:
    """(gap id, donor id) → the donor's funding of the gap in US cents (``DonorFigures.funding_cents``
    of :func:`donor_figures` narrowed to that gap), for every pair of those gaps and donors with a
    contribution: one aggregate, where ``donor_figures`` per gap would scan once per gap."""
    m = _Measures()
    query = m.joined(
        select(Contribution.gap_id, Contribution.donor_id, _total(m.committed), _total(m.paid))
        .where(Contribution.gap_id.in_(gap_ids), Contribution.donor_id.in_(donor_ids))
        .group_by(Contribution.gap_id, Contribution.donor_id)
    )
    return {(gap_id, donor_id): int(committed) + int(paid)
            for gap_id, donor_id, committed, paid in session.execute(query)}


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
