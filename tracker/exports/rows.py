"""The rows behind every workbook, gathered from the ledger for the builders in ``reports``.

Figures come from :mod:`tracker.core.figures` and nothing here adds up contributions. Listings
are generators over a streaming query (``yield_per``: a server-side cursor on PostgreSQL,
SQLite's own step-by-step cursor), so exporting a million contributions never holds them
all in memory.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from reports.rows import (
    ContributionRow,
    DonorRow,
    GapRow,
    HistoryRow,
    InstalmentRow,
    MonthDue,
    Notes,
    PaymentRow,
    ProgrammeGaps,
    StatusReport,
)
from tracker.contributions.filters import ContributionFilters, between
from tracker.core import money
from tracker.core.countries import country_name
from tracker.core.figures import (
    DEFINITIONS,
    DonorFigures,
    GapFigures,
    donor_figures,
    gap_figures,
    with_contribution_figures,
)
from tracker.core.models import (
    Contribution,
    ContributionStatus,
    Donor,
    Gap,
    GapSnapshot,
    Instalment,
    Payment,
    Programme,
    WriteOff,
)
from tracker.schedules.instalments import CLOSED, add_months, instalment_status

#: Months the Schedule sheet's totals look ahead, the current one included.
MONTHS_AHEAD = 12
#: What the Payments sheet says of the rest a contribution marked paid counts as received.
MARKED_PAID = "Marked paid: the rest counts as received; no payment recorded for it"

#: Rows fetched from the database per round trip while streaming a listing.
YIELD_PER = 2_000


def contributions_query(filters: ContributionFilters = ContributionFilters()) -> Select:
    """The selected contributions, oldest first, each with its part in every figure (one query).

    Every column is labelled: rows are read by name, so a column added anywhere shifts nothing.
    """
    query = (
        select(Contribution.id.label("number"), Gap.code.label("gap_code"), Donor.name.label("donor"),
               Contribution.status, Contribution.decision_date, Contribution.amount_minor, Contribution.currency,
               Contribution.rate, Contribution.rate_date, Contribution.usd_cents, Contribution.reference,
               Contribution.note, Contribution.donor_note, Contribution.cancel_reason,
               WriteOff.reason.label("write_off_reason"))
        .join(Gap, Gap.id == Contribution.gap_id)
        .join(Donor, Donor.id == Contribution.donor_id)
        .order_by(Contribution.id)
    )
    return with_contribution_figures(filters.decided(query))


def contribution_rows(session: Session,
                      filters: ContributionFilters = ContributionFilters()) -> Iterator[ContributionRow]:
    """Every selected contribution as a row for a workbook, streamed."""
    for row in _streamed(session, contributions_query(filters)):
        yield ContributionRow(
            number=row.number, gap_code=row.gap_code, donor=row.donor, status=row.status,
            decision_date=row.decision_date, amount=money.from_minor(row.amount_minor, row.currency),
            currency=row.currency, rate=row.rate, rate_date=row.rate_date,
            received=money.from_minor(row.received_minor, row.currency),
            pledged_usd=money.usd(row.pledged_cents), funding_usd=money.usd(row.funding_cents),
            received_usd=money.usd(row.received_cents), written_off_usd=money.usd(row.written_off_cents),
            exchange_difference_usd=money.usd(row.exchange_difference_cents),
            reference=row.reference, note=row.note, cancel_reason=row.cancel_reason or "",
            write_off_reason=row.write_off_reason or "", donor_note=row.donor_note,
        )


def payment_rows(session: Session, filters: ContributionFilters = ContributionFilters()) -> Iterator[PaymentRow]:
    """Every payment against the selected contributions, in the order received, read by name;
    then the rest that contributions marked paid count as received without a payment."""
    query = (
        select(Payment.contribution_id.label("contribution"), Gap.code.label("gap_code"), Donor.name.label("donor"),
               Payment.date_received, Payment.amount_minor, Contribution.currency, Payment.rate, Payment.usd_cents,
               Payment.reference)
        .join(Contribution, Contribution.id == Payment.contribution_id)
        .join(Gap, Gap.id == Contribution.gap_id)
        .join(Donor, Donor.id == Contribution.donor_id)
        .where(Payment.voided_at.is_(None), *between(Payment.date_received, filters.date_from, filters.date_to))
        .order_by(Payment.date_received, Payment.id)
    )
    for row in _streamed(session, filters.contributions(query)):
        yield PaymentRow(contribution=row.contribution, gap_code=row.gap_code, donor=row.donor,
                         date_received=row.date_received, amount=money.from_minor(row.amount_minor, row.currency),
                         currency=row.currency, rate=row.rate, usd=money.usd(row.usd_cents), reference=row.reference)
    yield from _marked_paid_rows(session, filters)


def _marked_paid_rows(session: Session, filters: ContributionFilters) -> Iterator[PaymentRow]:
    """A row per contribution marked paid whose payments fall short of its amount: the rest it
    counts as received (narrowed to the dates by its decision date, as it has no payment date)."""
    query = with_contribution_figures(filters.decided(
        select(Contribution.id.label("contribution"), Gap.code.label("gap_code"), Donor.name.label("donor"),
               Contribution.amount_minor, Contribution.currency, Contribution.rate)
        .join(Gap, Gap.id == Contribution.gap_id)
        .join(Donor, Donor.id == Contribution.donor_id)
        .where(Contribution.status == ContributionStatus.PAID.value)
        .order_by(Contribution.id)
    ))
    for row in _streamed(session, query):
        if row.received_unpaid_cents == 0:
            continue
        yield PaymentRow(contribution=row.contribution, gap_code=row.gap_code, donor=row.donor, date_received=None,
                         amount=money.from_minor(row.amount_minor - row.paid_in_minor, row.currency),
                         currency=row.currency, rate=row.rate, usd=money.usd(row.received_unpaid_cents),
                         reference="", note=MARKED_PAID)


def _streamed(session: Session, query: Select):
    return session.execute(query.execution_options(yield_per=YIELD_PER))


def _instalments_query(filters: ContributionFilters) -> Select:
    """The instalments of the selected gap and donor, labelled so that a row reads like an
    ``Instalment`` for :func:`instalment_status`."""
    return filters.gap_and_donor(
        select(Instalment.contribution_id.label("contribution"), Gap.code.label("gap_code"),
               Donor.name.label("donor"), Instalment.number, Instalment.due_date, Instalment.amount_minor,
               Instalment.paid_minor, Instalment.status, Contribution.currency, Contribution.rate)
        .join(Contribution, Contribution.id == Instalment.contribution_id)
        .join(Gap, Gap.id == Contribution.gap_id)
        .join(Donor, Donor.id == Contribution.donor_id)
    )


def _outstanding_minor(row) -> int:
    """What is still due on an instalment; nothing once it is cancelled or written off."""
    return 0 if row.status in CLOSED else row.amount_minor - row.paid_minor


def schedule_rows(session: Session, filters: ContributionFilters, today: date) -> Iterator[InstalmentRow]:
    """Every instalment of the selection by due date, with its status on ``today``, streamed."""
    query = _instalments_query(filters).order_by(Instalment.due_date, Instalment.contribution_id, Instalment.number)
    for row in _streamed(session, query):
        outstanding = money.from_minor(_outstanding_minor(row), row.currency)
        yield InstalmentRow(
            contribution=row.contribution, gap_code=row.gap_code, donor=row.donor, number=row.number,
            due_date=row.due_date, amount=money.from_minor(row.amount_minor, row.currency), currency=row.currency,
            paid=money.from_minor(row.paid_minor, row.currency), outstanding=outstanding,
            status=instalment_status(row, today), outstanding_usd=money.usd(money.usd_cents(outstanding, row.rate)),
        )


def months_due(session: Session, filters: ContributionFilters, today: date) -> list[MonthDue]:
    """What is overdue on ``today``, then what falls due in each of the next :data:`MONTHS_AHEAD`
    months (this one first), in US$ at each contribution's rate: the rate its write-off would take."""
    first = today.replace(day=1)
    months = [add_months(first, n) for n in range(MONTHS_AHEAD)]
    counts: dict[date | None, int] = defaultdict(int)
    cents: dict[date | None, int] = defaultdict(int)
    query = _instalments_query(filters).where(Instalment.status.notin_([s.value for s in CLOSED]),
                                              Instalment.paid_minor < Instalment.amount_minor,
                                              Instalment.due_date < add_months(first, MONTHS_AHEAD))
    for row in _streamed(session, query):
        month = None if row.due_date < today else row.due_date.replace(day=1)
        counts[month] += 1
        cents[month] += money.usd_cents(money.from_minor(_outstanding_minor(row), row.currency), row.rate)
    return [MonthDue(month, counts[month], money.usd(cents[month])) for month in [None, *months]]


def history_rows(session: Session, codes: Sequence[str] | None) -> Iterator[HistoryRow]:
    """Each gap's last snapshot of every day, oldest day first, and beside the first lines the
    totals of the gaps shown by day (a gap without a snapshot that day counts as it last
    stood; shortfalls are summed gap by gap). Two passes over the snapshots: the day totals
    first (one per day), then the lines, streamed."""
    query = (select(GapSnapshot.taken_at, Gap.code, GapSnapshot.requirement_cents, GapSnapshot.funding_cents)
             .join(Gap, Gap.id == GapSnapshot.gap_id).order_by(GapSnapshot.taken_at, Gap.code))
    if codes is not None:
        query = query.where(Gap.code.in_(codes))
    standing: dict[str, tuple[int, int]] = {}
    totals = []
    for day, of_day in _days(_streamed(session, query)):
        standing.update(of_day)
        totals.append(_day_totals(day, standing.values()))
    line = 0
    for day, of_day in _days(_streamed(session, query)):
        for code in sorted(of_day):
            requirement, funding = of_day[code]
            yield HistoryRow(day=day, gap_code=code, requirement=money.usd(requirement), funding=money.usd(funding),
                             shortfall=money.usd(max(0, requirement - funding)),
                             **(totals[line] if line < len(totals) else {}))
            line += 1


def _days(rows) -> Iterator[tuple[date, dict[str, tuple[int, int]]]]:
    """The snapshots grouped by UTC day: each gap's last (requirement, funding) of the day."""
    current, of_day = None, {}
    for taken_at, code, requirement, funding in rows:
        day = utc_day(taken_at)
        if day != current and of_day:
            yield current, of_day
            of_day = {}
        current = day
        of_day[code] = (requirement, funding)
    if of_day:
        yield current, of_day


def utc_day(moment: datetime) -> date:
    """The UTC day of a snapshot (PostgreSQL hands back aware times in its own zone, SQLite naive UTC)."""
    return (moment.astimezone(UTC) if moment.tzinfo else moment).date()


def _day_totals(day: date, figures) -> dict:
    """The History row fields of a day's totals, from each gap's (requirement, funding)."""
    figures = list(figures)
    return {"total_day": day, "total_requirement": money.usd(sum(r for r, _ in figures)),
            "total_funding": money.usd(sum(f for _, f in figures)),
            "total_shortfall": money.usd(sum(max(0, r - f) for r, f in figures))}


def gap_row(figures: GapFigures, gap: Gap) -> GapRow:
    coverage = figures.coverage_pct
    return GapRow(
        code=figures.code, title=figures.title, status=figures.status, requirement=figures.requirement_usd,
        funding=figures.funding_usd, pledged=figures.pledged_usd, received=figures.received_usd,
        written_off=figures.written_off_usd, exchange_difference=figures.exchange_difference_usd,
        shortfall=figures.shortfall_usd, surplus=figures.surplus_usd,
        gap_if_pledges_honoured=figures.gap_if_pledges_honoured_usd,
        coverage=None if coverage is None else coverage / 100,
        impact_count=gap.impact_count, impact_unit=gap.impact_unit, impact_indicator=gap.impact_indicator,
    )


def gap_rows(session: Session, codes: Sequence[str] | None = None) -> list[GapRow]:
    """The figures of every gap (or of ``codes``) with its impact target."""
    figures = gap_figures(session, codes)
    gaps = {gap.id: gap for gap in session.scalars(select(Gap).where(Gap.id.in_([f.gap_id for f in figures])))}
    return [gap_row(f, gaps[f.gap_id]) for f in figures]


def by_programme(session: Session, gaps: Sequence[GapRow]) -> list[ProgrammeGaps]:
    """The gaps shown, programme by programme (by code), when they belong to more than one:
    each programme's sheet. One programme: none, the Summary is its sheet."""
    programme_of = dict(session.execute(
        select(Gap.code, Programme.code).join(Gap.programme).where(Gap.code.in_([g.code for g in gaps]))).all())
    if len(set(programme_of.values())) < 2:
        return []
    names = dict(session.execute(select(Programme.code, Programme.name)
                                 .where(Programme.code.in_(set(programme_of.values())))).all())
    grouped: dict[str, list[GapRow]] = defaultdict(list)
    for gap in gaps:
        grouped[programme_of[gap.code]].append(gap)
    return [ProgrammeGaps(code, names[code], grouped[code]) for code in sorted(grouped)]


def donor_row(figures: DonorFigures) -> DonorRow:
    return DonorRow(
        name=figures.name, type=figures.type, country=country_name(figures.country),
        pledged=figures.pledged_usd, committed=figures.committed_usd, paid=figures.paid_usd,
        funding=figures.funding_usd, received=figures.received_usd, cancelled=figures.cancelled_usd,
        contributions=figures.contributions,
    )


def gaps_funded_by(session: Session, donor_id: int) -> list[str]:
    """Codes of the gaps a donor has a live (not cancelled) contribution to."""
    return list(session.scalars(
        select(Gap.code).join(Contribution, Contribution.gap_id == Gap.id)
        .where(Contribution.donor_id == donor_id, Contribution.status != ContributionStatus.CANCELLED.value)
        .distinct().order_by(Gap.code)
    ))


def _gap_scope(session: Session, filters: ContributionFilters) -> list[str] | None:
    """The gaps a report's Summary shows: the one filtered (within the programme filtered), or
    the programme's, or those the donor funds among them, or all."""
    codes = None if filters.gap_code is None else [filters.gap_code]
    if filters.programme_code is not None:
        of_programme = list(session.scalars(select(Gap.code).join(Gap.programme)
                                            .where(Programme.code == filters.programme_code).order_by(Gap.code)))
        codes = of_programme if codes is None else [c for c in codes if c in of_programme]
    if filters.donor_id is not None:
        funded = gaps_funded_by(session, filters.donor_id)
        codes = funded if codes is None else [c for c in codes if c in funded]
    return codes


def described(session: Session, filters: ContributionFilters) -> list[tuple[str, str]]:
    """The filters in words, for the Notes sheet."""
    shown = []
    if filters.programme_code is not None:
        name = session.scalar(select(Programme.name).where(Programme.code == filters.programme_code))
        shown.append(("Programme", f"{filters.programme_code} — {name}"))
    if filters.gap_code is not None:
        title = session.scalar(select(Gap.title).where(Gap.code == filters.gap_code))
        shown.append(("Funding gap", f"{filters.gap_code} — {title}"))
    if filters.donor_id is not None:
        shown.append(("Donor", session.scalar(select(Donor.name).where(Donor.id == filters.donor_id)) or ""))
    if filters.status is not None:
        shown.append(("Contribution status", filters.status))
    if filters.currency is not None:
        shown.append(("Currency", f"Contributions in {filters.currency}"))
    if filters.overdue:
        shown.append(("Overdue", "Only contributions with an overdue instalment"))
    if filters.hide_cancelled:
        shown.append(("Cancelled", "Cancelled contributions are left out"))
    if filters.date_from is not None or filters.date_to is not None:
        start = filters.date_from.isoformat() if filters.date_from else "the start"
        end = filters.date_to.isoformat() if filters.date_to else "today"
        shown.append(("Dates", f"Contributions decided and payments received from {start} to {end}"))
    if filters.narrows_listings_only():
        shown.append(("Scope", "These filters narrow the Contributions and Payments sheets only; the "
                               "Summary and Donors sheets show the whole figures of the gaps and donors selected."))
    return shown


def programmes(session: Session, codes: Sequence[str] | None) -> str:
    """The programmes of the gaps ``codes`` (every gap when None), for a title block."""
    query = select(Programme.name).join(Gap.programme).distinct().order_by(Programme.name)
    if codes is not None:
        query = query.where(Gap.code.in_(codes))
    return "; ".join(name for name in session.scalars(query) if name)


def notes(session: Session, title: str, filters: ContributionFilters, source: str, paper: str = "A4") -> Notes:
    """What the workbook's Notes sheet, title block and footers say; ``paper`` is A4 or Letter."""
    return Notes(title=title, as_of=datetime.now(UTC), filters=described(session, filters),
                 definitions=DEFINITIONS, source=source, programme=programmes(session, _gap_scope(session, filters)),
                 paper=paper)


def status_report(session: Session, filters: ContributionFilters, source: str, paper: str = "A4") -> StatusReport:
    """Everything the status workbook shows; the listings stream while it is written."""
    donor_ids = None if filters.donor_id is None else [filters.donor_id]
    gap_codes = None if filters.gap_code is None else [filters.gap_code]
    if filters.programme_code is not None:
        gap_codes = _gap_scope(session, replace(filters, donor_id=None))
    shown = _gap_scope(session, filters)
    described_as = notes(session, "Funding gap status", filters, source, paper)
    today = described_as.as_of.date()
    gaps = gap_rows(session, shown)
    return StatusReport(
        notes=described_as,
        gaps=gaps,
        programmes=by_programme(session, gaps),
        contributions=contribution_rows(session, filters),
        payments=payment_rows(session, filters),
        donors=[donor_row(f) for f in donor_figures(session, donor_ids, gap_codes)],
        schedule=schedule_rows(session, filters, today),
        months=months_due(session, filters, today),
        history=history_rows(session, shown),
    )
