"""The rows behind every workbook, gathered from the ledger for the builders in ``reports``.

Figures come from :mod:`tracker.core.figures` and nothing here adds up contributions. Listings
are generators over a streaming query (``yield_per``: a server-side cursor on PostgreSQL,
SQLite's own step-by-step cursor), so exporting a million contributions never holds them
all in memory.
"""
from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from reports.rows import ContributionRow, DonorRow, DonorStatement, GapRow, Notes, PaymentRow, StatusReport
from tracker.core import money
from tracker.core.countries import country_name
from tracker.core.figures import DEFINITIONS, DonorFigures, GapFigures, donor_figures, gap_figures
from tracker.core.models import Contribution, ContributionStatus, Donor, Gap, Payment

#: Rows fetched from the database per round trip while streaming a listing.
YIELD_PER = 2_000


@dataclass(frozen=True)
class ReportFilters:
    """What a report is narrowed to. Gap and donor narrow every sheet; status and the date
    range narrow the listings (contributions by decision date, payments by date received)."""

    gap_code: str | None = None
    donor_id: int | None = None
    status: str | None = None
    date_from: date | None = None
    date_to: date | None = None

    def contributions(self, query: Select) -> Select:
        """``query`` (over contributions) narrowed to the contributions these filters select."""
        if self.gap_code is not None:
            gap_id = select(Gap.id).where(Gap.code == self.gap_code).scalar_subquery()
            query = query.where(Contribution.gap_id == gap_id)
        if self.donor_id is not None:
            query = query.where(Contribution.donor_id == self.donor_id)
        if self.status is not None:
            query = query.where(Contribution.status == self.status)
        return query

    def narrows_listings_only(self) -> bool:
        return self.status is not None or self.date_from is not None or self.date_to is not None


def _between(column, start: date | None, end: date | None):
    conditions = []
    if start is not None:
        conditions.append(column >= start)
    if end is not None:
        conditions.append(column <= end)
    return conditions


def contributions_query(filters: ReportFilters = ReportFilters()) -> Select:
    """The selected contributions, oldest first, with what has arrived against each (one query).

    Every column is labelled: rows are read by name, so a column added anywhere shifts nothing.
    """
    paid_in = (
        select(Payment.contribution_id, func.sum(Payment.amount_minor).label("minor"))
        .where(Payment.voided_at.is_(None))
        .group_by(Payment.contribution_id)
        .subquery("paid_in")
    )
    query = (
        select(Contribution.id.label("number"), Gap.code.label("gap_code"), Donor.name.label("donor"),
               Contribution.status, Contribution.decision_date, Contribution.amount_minor, Contribution.currency,
               Contribution.rate, Contribution.rate_date, Contribution.usd_cents,
               func.coalesce(paid_in.c.minor, 0).label("received_minor"), Contribution.reference,
               Contribution.note, Contribution.cancel_reason)
        .join(Gap, Gap.id == Contribution.gap_id)
        .join(Donor, Donor.id == Contribution.donor_id)
        .outerjoin(paid_in, paid_in.c.contribution_id == Contribution.id)
        .where(*_between(Contribution.decision_date, filters.date_from, filters.date_to))
        .order_by(Contribution.id)
    )
    return filters.contributions(query)


def contribution_rows(session: Session, filters: ReportFilters = ReportFilters()) -> Iterator[ContributionRow]:
    """Every selected contribution as a row for a workbook, streamed."""
    for row in _streamed(session, contributions_query(filters)):
        yield ContributionRow(
            number=row.number, gap_code=row.gap_code, donor=row.donor, status=row.status,
            decision_date=row.decision_date, amount=money.from_minor(row.amount_minor, row.currency),
            currency=row.currency, rate=row.rate, rate_date=row.rate_date, usd=money.usd(row.usd_cents),
            received=money.from_minor(row.received_minor, row.currency), reference=row.reference, note=row.note,
            cancel_reason=row.cancel_reason or "",
        )


def payment_rows(session: Session, filters: ReportFilters = ReportFilters()) -> Iterator[PaymentRow]:
    """Every payment against the selected contributions, in the order received, read by name."""
    query = (
        select(Payment.contribution_id.label("contribution"), Gap.code.label("gap_code"), Donor.name.label("donor"),
               Payment.date_received, Payment.amount_minor, Contribution.currency, Payment.rate, Payment.usd_cents,
               Payment.reference)
        .join(Contribution, Contribution.id == Payment.contribution_id)
        .join(Gap, Gap.id == Contribution.gap_id)
        .join(Donor, Donor.id == Contribution.donor_id)
        .where(Payment.voided_at.is_(None), *_between(Payment.date_received, filters.date_from, filters.date_to))
        .order_by(Payment.date_received, Payment.id)
    )
    for row in _streamed(session, filters.contributions(query)):
        yield PaymentRow(contribution=row.contribution, gap_code=row.gap_code, donor=row.donor,
                         date_received=row.date_received, amount=money.from_minor(row.amount_minor, row.currency),
                         currency=row.currency, rate=row.rate, usd=money.usd(row.usd_cents), reference=row.reference)


def _streamed(session: Session, query: Select):
    return session.execute(query.execution_options(yield_per=YIELD_PER))


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


def _gap_scope(session: Session, filters: ReportFilters) -> list[str] | None:
    """The gaps a report's Summary shows: the one filtered, or those the donor funds, or all."""
    codes = None if filters.gap_code is None else [filters.gap_code]
    if filters.donor_id is not None:
        funded = gaps_funded_by(session, filters.donor_id)
        codes = funded if codes is None else [c for c in codes if c in funded]
    return codes


def described(session: Session, filters: ReportFilters) -> list[tuple[str, str]]:
    """The filters in words, for the Notes sheet."""
    shown = []
    if filters.gap_code is not None:
        title = session.scalar(select(Gap.title).where(Gap.code == filters.gap_code))
        shown.append(("Funding gap", f"{filters.gap_code} — {title}"))
    if filters.donor_id is not None:
        shown.append(("Donor", session.scalar(select(Donor.name).where(Donor.id == filters.donor_id)) or ""))
    if filters.status is not None:
        shown.append(("Contribution status", filters.status))
    if filters.date_from is not None or filters.date_to is not None:
        start = filters.date_from.isoformat() if filters.date_from else "the start"
        end = filters.date_to.isoformat() if filters.date_to else "today"
        shown.append(("Dates", f"Contributions decided and payments received from {start} to {end}"))
    if filters.narrows_listings_only():
        shown.append(("Scope", "Status and dates narrow the Contributions and Payments sheets only; the "
                               "Summary and Donors sheets show the whole figures of the gaps and donors selected."))
    return shown


def notes(session: Session, title: str, filters: ReportFilters, source: str) -> Notes:
    return Notes(title=title, as_of=datetime.now(UTC), filters=described(session, filters),
                 definitions=DEFINITIONS, source=source)


def status_report(session: Session, filters: ReportFilters, source: str) -> StatusReport:
    """Everything the status workbook shows; the listings stream while it is written."""
    donor_ids = None if filters.donor_id is None else [filters.donor_id]
    gap_codes = None if filters.gap_code is None else [filters.gap_code]
    return StatusReport(
        notes=notes(session, "Funding gap status", filters, source),
        gaps=gap_rows(session, _gap_scope(session, filters)),
        contributions=contribution_rows(session, filters),
        payments=payment_rows(session, filters),
        donors=[donor_row(f) for f in donor_figures(session, donor_ids, gap_codes)],
    )


def donor_statement(session: Session, donor_id: int, source: str) -> DonorStatement | None:
    """A donor's statement, or None when there is no such donor."""
    found = donor_figures(session, [donor_id])
    if not found:
        return None
    filters = ReportFilters(donor_id=donor_id)
    return DonorStatement(
        notes=notes(session, f"Donor statement — {found[0].name}", filters, source),
        donor=donor_row(found[0]),
        contributions=contribution_rows(session, filters),
        payments=payment_rows(session, filters),
        gaps=gap_rows(session, gaps_funded_by(session, donor_id)),
    )
