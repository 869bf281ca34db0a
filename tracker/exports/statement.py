"""A donor's statement of contributions, gathered for ``reports.statement`` and the statement page.

The summary is :func:`tracker.core.figures.donor_totals`. The movements split each contribution's
part in the figures (``with_contribution_figures``) into dated lines, the way a bank statement
lists what moved an account:

- a **commitment** adds its committed US$ on its decision date (the day it was recorded when
  it has none); a **payment** adds what it received on the day received;
- a **write-off** takes the given-up rest on the day it was written off;
- a fully paid contribution's **exchange difference** (and, for one not fully paid, the US$ its
  payments brought above its committed value) settles on the day of its last payment;
- a contribution marked paid counts the rest as received on its decision date, as the Payments
  sheet dates it;
- a **cancellation** and a **pledge** are listed with their amount and count 0.

So every contribution's lines add up to its funding and received US$, the closing position of
a statement to today is the summary, and opening + movements = closing on every statement.
Positions are restated from today's ledger: a commitment recorded late stands on its decision date.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from reports.rows import DonorStatement, InstalmentRow, MovementRow, StatementLine
from reports.statement import TITLE
from tracker.contributions.filters import ContributionFilters
from tracker.core import money
from tracker.core.figures import FUNDING_STATUSES, DonorTotals, donor_totals, with_contribution_figures
from tracker.core.models import Contribution, ContributionStatus, Donor, Gap, Payment, WriteOff
from tracker.exports.rows import (
    contribution_rows,
    gap_rows,
    gaps_funded_by,
    notes,
    schedule_rows,
    utc_day,
)


@dataclass(frozen=True)
class _Event:
    """One dated line of a contribution, in cents and minor units; ``rank`` orders a day's lines."""

    day: date
    rank: int
    movement: str
    contribution: int
    gap_code: str
    amount_minor: int | None
    currency: str
    committed_cents: int = 0
    received_cents: int = 0


def _contributions(session: Session, donor_id: int):
    """The donor's contributions with their parts in the figures, the day of their write-off
    and of their last live payment."""
    last_paid = (select(Payment.contribution_id, func.max(Payment.date_received).label("day"))
                 .where(Payment.voided_at.is_(None)).group_by(Payment.contribution_id).subquery("last_paid"))
    query = (
        select(Contribution.id.label("number"), Gap.code.label("gap_code"), Contribution.status,
               Contribution.amount_minor, Contribution.currency, Contribution.usd_cents, Contribution.decision_date,
               Contribution.created_at, Contribution.cancelled_at, WriteOff.written_off_at,
               WriteOff.amount_minor.label("written_off_minor"), last_paid.c.day.label("last_paid"))
        .join(Gap, Gap.id == Contribution.gap_id)
        .outerjoin(last_paid, last_paid.c.contribution_id == Contribution.id)
        .where(Contribution.donor_id == donor_id)
        .order_by(Contribution.id)
    )
    return session.execute(with_contribution_figures(query))


def _payments(session: Session, donor_id: int) -> dict[int, list]:
    """The live payments of the donor's contributions, by contribution, in the order received."""
    query = (select(Payment.contribution_id, Payment.date_received, Payment.amount_minor, Payment.usd_cents,
                    Payment.reference)
             .join(Contribution, Contribution.id == Payment.contribution_id)
             .where(Contribution.donor_id == donor_id, Payment.voided_at.is_(None))
             .order_by(Payment.date_received, Payment.id))
    found = defaultdict(list)
    for payment in session.execute(query):
        found[payment.contribution_id].append(payment)
    return found


def _lines(row, payments: Sequence) -> Iterator[_Event]:
    """The dated lines of one contribution (see the module's docstring)."""
    def event(day: date, rank: int, movement: str, amount_minor: int | None = None, **cents) -> _Event:
        return _Event(day, rank, movement, row.number, row.gap_code, amount_minor, row.currency, **cents)

    decided = row.decision_date or utc_day(row.created_at)
    if row.status == ContributionStatus.CANCELLED.value:
        yield event(utc_day(row.cancelled_at), 5, "Cancelled — counts 0", row.amount_minor)
        return
    if row.status == ContributionStatus.PLEDGED.value:
        yield event(decided, 0, "Pledge announced — not funding, counts 0", row.amount_minor)
    else:
        yield event(decided, 0, "Commitment", row.amount_minor, committed_cents=row.usd_cents)
    for payment in payments:
        said = f"Payment — {payment.reference}" if payment.reference else "Payment"
        yield event(payment.date_received, 1, said, payment.amount_minor, received_cents=payment.usd_cents)
    if row.received_unpaid_cents:
        yield event(decided, 2, "Marked paid: the rest counts as received", row.amount_minor - row.paid_in_minor,
                    received_cents=row.received_unpaid_cents)
    if row.exchange_difference_cents:
        said = "Exchange gain" if row.exchange_difference_cents > 0 else "Exchange loss"
        yield event(row.last_paid, 3, f"{said} — paid in full at the rates of the days paid",
                    committed_cents=row.exchange_difference_cents)
    if row.received_above_cents:
        yield event(row.last_paid, 3, "Received above the committed US$ value (the rates of the days paid)",
                    committed_cents=row.received_above_cents)
    if row.written_off_at is not None and row.status in FUNDING_STATUSES:
        said = "Write-off of the unpaid rest" if row.written_off_cents else "Write-off — since paid in full, counts 0"
        yield event(utc_day(row.written_off_at), 4, said, row.written_off_minor, committed_cents=-row.written_off_cents)


def movements(session: Session, donor_id: int, date_from: date | None, date_to: date) -> list[MovementRow]:
    """The opening position on ``date_from``, each line dated in the period, the closing position."""
    paid = _payments(session, donor_id)
    events = sorted((e for row in _contributions(session, donor_id) for e in _lines(row, paid[row.number])),
                    key=lambda e: (e.day, e.contribution, e.rank))
    before = [e for e in events if date_from is not None and e.day < date_from]
    within = [e for e in events if (date_from is None or e.day >= date_from) and e.day <= date_to]
    committed = sum(e.committed_cents for e in before)
    received = sum(e.received_cents for e in before)
    opening = "Opening position" if date_from else "Opening position (before the first movement)"
    lines = [_position(date_from, opening, committed, received)]
    for e in within:
        committed += e.committed_cents
        received += e.received_cents
        amount = None if e.amount_minor is None else money.from_minor(e.amount_minor, e.currency)
        lines.append(MovementRow(day=e.day, movement=e.movement, contribution=e.contribution, gap_code=e.gap_code,
                                 amount=amount, currency=e.currency, committed_usd=money.usd(e.committed_cents),
                                 received_usd=money.usd(e.received_cents),
                                 outstanding_usd=money.usd(committed - received)))
    lines.append(_position(date_to, "Closing position", committed, received))
    return lines


def _position(day: date | None, label: str, committed: int, received: int) -> MovementRow:
    return MovementRow(day=day, movement=label, contribution=None, gap_code="", amount=None, currency="",
                       committed_usd=money.usd(committed), received_usd=money.usd(received),
                       outstanding_usd=money.usd(committed - received), position=True)


def summary(totals: DonorTotals, instalments: Sequence[InstalmentRow]) -> list[StatementLine]:
    """The summary's lines; in the donor's currency too when it gives in one. Overdue is what
    the overdue instalments listed still wait for."""
    one = totals.single_currency
    overdue = [i for i in instalments if i.overdue]
    overdue_usd = sum((i.outstanding_usd for i in overdue), Decimal(0))

    def line(label: str, usd: Decimal, in_currency: str | None = None) -> StatementLine:
        """A line; ``in_currency`` names the donor's figure in its currency (None: it has none)."""
        if one is None:
            return StatementLine(label, usd)
        if in_currency is None:
            return StatementLine(label, usd, None, one.currency)
        minor = getattr(one, in_currency) if in_currency else money.to_minor(
            sum((i.outstanding for i in overdue), Decimal(0)), one.currency)
        return StatementLine(label, usd, money.from_minor(minor, one.currency), one.currency)

    return [
        line("Pledged, not yet committed (not funding)", totals.pledged_usd, "pledged_minor"),
        line("Committed or paid (funding)", totals.funding_usd, "committed_minor"),
        line("Received", totals.received_usd, "received_minor"),
        line("Written off (already out of funding)", totals.written_off_usd, "written_off_minor"),
        line("Exchange difference (gain +, loss −; part of funding)", totals.exchange_difference_usd),
        line("Outstanding: committed, not yet received", totals.outstanding_usd, "outstanding_minor"),
        line("Overdue: instalments due before today, not paid", overdue_usd, ""),
    ]


def donor_statement(session: Session, donor_id: int, date_from: date | None, date_to: date, today: date,
                    source: str, paper: str = "A4") -> DonorStatement | None:
    """A donor's statement for the period, or None when there is no such donor."""
    name = session.scalar(select(Donor.name).where(Donor.id == donor_id))
    if name is None:
        return None
    filters = ContributionFilters(donor_id=donor_id)
    totals = donor_totals(session, donor_id)
    instalments = list(schedule_rows(session, filters, today))
    described = notes(session, f"{TITLE} — {name}", filters, source, paper)
    return DonorStatement(
        notes=described, donor=name, date_from=date_from, date_to=date_to,
        currency=totals.single_currency.currency if totals.single_currency else None,
        summary=summary(totals, instalments), movements=movements(session, donor_id, date_from, date_to),
        instalments=instalments, gaps=gap_rows(session, gaps_funded_by(session, donor_id)),
        contributions=contribution_rows(session, filters),
    )
