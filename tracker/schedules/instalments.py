"""Payment schedules: a committed contribution's instalments, and its payments matched to them.

The rules, in the users' words:

- Instalments always add up exactly to the contribution's amount. A generated schedule splits
  the amount into equal instalments of whole minor units and puts the rounding remainder on
  the LAST one: JPY 100,000 in 3 is 33,333 + 33,333 + 33,334; USD 0.05 in 3 is
  0.01 + 0.01 + 0.03; KWD 1.000 in 7 is six of 0.142 and one of 0.148.
- Payments fill the instalments oldest first (in number order, which follows the due dates):
  a partial payment leaves an instalment partly paid, an over-payment spills into the next
  one, and money beyond the last instalment is an over-payment of the contribution.
- An instalment is overdue when its due date is past (before today, UTC) and it is not fully
  paid. A contribution is overdue, since the due date of its oldest overdue instalment, when
  any of its instalments is.
- Changing the amount, the number or the first due date rebuilds only the instalments that
  have received nothing. Those that have received money are kept exactly as they are; the new
  ones are numbered after them, and (contribution, number) is unique, so a rebuild can never
  leave two instalments for one place in the schedule.
- Writing off or cancelling a contribution closes every instalment not fully paid.

Functions here take the amount received as an argument and only flush; tracker.contributions.rules
calls them from its own operations (payments, edits, cancelling, writing off), which own the
row lock, the version check and the transaction.
"""
from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import case, func, null, or_, select, update
from sqlalchemy.orm import Session

from tracker.core import money
from tracker.core.errors import InvalidInput
from tracker.core.models import (
    Contribution,
    ContributionStatus,
    Frequency,
    Instalment,
    InstalmentStatus,
    PaymentSchedule,
)

#: Months between two instalments of each generated frequency (a one-off has a single date).
MONTHS = {Frequency.MONTHLY: 1, Frequency.QUARTERLY: 3, Frequency.YEARLY: 12, Frequency.ONE_OFF: 0}
GENERATED = tuple(MONTHS)
MAX_INSTALMENTS = 360
#: Due dates are accepted from this day to this many years after today; outside, a typing error.
EARLIEST_DUE = date(1990, 1, 1)
YEARS_AHEAD = 50
OPEN = (InstalmentStatus.PENDING, InstalmentStatus.PARTLY_PAID, InstalmentStatus.OVERDUE)
CLOSED = (InstalmentStatus.CANCELLED, InstalmentStatus.WRITTEN_OFF)


@dataclass(frozen=True)
class GeneratedPlan:
    """``count`` instalments every ``frequency``, the first due on ``first_due_date``."""

    count: int
    frequency: str
    first_due_date: date


@dataclass(frozen=True)
class TypedPlan:
    """Instalments typed by hand: (due date, amount in minor units) for each."""

    lines: tuple[tuple[date, int], ...]


Plan = GeneratedPlan | TypedPlan


def split(total_minor: int, count: int) -> list[int]:
    """``total_minor`` in ``count`` whole minor units: equal parts, the remainder on the last."""
    base = total_minor // count
    return [base] * (count - 1) + [total_minor - base * (count - 1)]


def add_months(day: date, months: int) -> date:
    """``day`` moved by ``months``, kept within the month: 31 January + 1 month is 28/29 February."""
    month_index = day.year * 12 + day.month - 1 + months
    year, month = divmod(month_index, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def due_date(first: date, frequency: str, position: int) -> date:
    """The due date of the instalment at ``position`` (0 for the first) of a generated schedule.

    Counted from the first date each time, so 31 January monthly gives 28 February, then 31 March.
    """
    return add_months(first, MONTHS[Frequency(frequency)] * position)


def instalment_status(instalment: Instalment, today: date) -> str:
    """What an instalment is on ``today``: the one definition of pending, partly paid, paid and overdue."""
    if instalment.status in CLOSED:
        return instalment.status
    if instalment.paid_minor >= instalment.amount_minor:
        return InstalmentStatus.PAID.value
    if instalment.due_date < today:
        return InstalmentStatus.OVERDUE.value
    if instalment.paid_minor > 0:
        return InstalmentStatus.PARTLY_PAID.value
    return InstalmentStatus.PENDING.value


def next_due(contribution: Contribution) -> Instalment | None:
    """The oldest instalment still waiting for money: what the donor owes next."""
    return next((i for i in contribution.instalments if i.status in OPEN), None)


def received_something(instalment: Instalment) -> bool:
    """Instalments a rebuild keeps: those with money against them, or closed ones."""
    return instalment.paid_minor > 0 or instalment.status in CLOSED


def _check_can_have_schedule(contribution: Contribution) -> None:
    if contribution.status != ContributionStatus.COMMITTED:
        raise InvalidInput(None, "Only a committed contribution has a payment schedule; "
                                 f"this one is {contribution.status}.")
    if contribution.write_off is not None:
        raise InvalidInput(None, "The unpaid rest of this contribution was written off; its schedule is closed.")


def _parts(remaining_minor: int, slots: int, currency: str, field: str) -> list[int]:
    """``remaining_minor`` split over ``slots`` instalments of at least one minor unit each."""
    if slots == 0 and remaining_minor == 0:
        return []
    if slots == 0 or remaining_minor < slots:
        left = money.format_amount(money.from_minor(remaining_minor, currency), currency)
        raise InvalidInput(field, f"{left} {currency} left to schedule cannot be split into {slots} "
                                  "instalment(s) of at least the smallest unit of the currency.")
    return split(remaining_minor, slots)


def _check_after_kept(dates: Sequence[date], kept: Sequence[Instalment], field: str) -> None:
    """New instalments come after those that have received money, so payments keep filling the oldest."""
    if kept and dates and min(dates) < kept[-1].due_date:
        raise InvalidInput(field, f"Instalment {kept[-1].number} has received money and is due "
                                  f"{kept[-1].due_date.isoformat()}; new instalments cannot fall due before it.")


def _check_due_dates(dates: Sequence[date], today: date, field: str) -> None:
    latest = add_months(today, 12 * YEARS_AHEAD)
    for day in dates:
        if not EARLIEST_DUE <= day <= latest:
            raise InvalidInput(field, f"A due date must fall between {EARLIEST_DUE.year} and {latest.isoformat()}; "
                                      f"{day.isoformat()} does not.")


def set_plan(session: Session, contribution: Contribution, plan: Plan, received_minor: int, today: date) -> None:
    """Give ``contribution`` the instalments of ``plan``, keeping those that have received money.

    The plan describes the whole schedule for a generated one (its number counts the kept
    instalments too) and the instalments still to come for one typed by hand.
    """
    _check_can_have_schedule(contribution)
    kept = [i for i in contribution.instalments if received_something(i)]
    remaining = contribution.amount_minor - sum(i.amount_minor for i in kept)
    if isinstance(plan, GeneratedPlan):
        _check_due_dates([plan.first_due_date], today, "first_due_date")
        dates, parts = _generated(plan, kept, remaining, contribution.currency)
        _check_due_dates(dates, today, "count")
        frequency, first = plan.frequency, plan.first_due_date
    else:
        _check_due_dates([day for day, _ in plan.lines], today, "lines")
        dates, parts = _typed(plan, kept, remaining, contribution.currency)
        frequency, first = Frequency.BY_HAND.value, min([*(i.due_date for i in kept), *dates])
    _replace_untouched(session, contribution, kept, dates, parts)
    if contribution.schedule is None:
        contribution.schedule = PaymentSchedule()
    schedule = contribution.schedule
    schedule.frequency, schedule.first_due_date = frequency, first
    schedule.instalment_count = len(contribution.instalments)
    match_payments(session, contribution, received_minor, today)


def _generated(plan: GeneratedPlan, kept: list[Instalment], remaining: int, currency: str):
    if plan.frequency not in GENERATED:
        raise InvalidInput("frequency", "Choose monthly, quarterly, yearly or one-off.")
    if not 1 <= plan.count <= MAX_INSTALMENTS:
        raise InvalidInput("count", f"Choose from 1 to {MAX_INSTALMENTS} instalments.")
    if plan.frequency == Frequency.ONE_OFF and plan.count != 1:
        raise InvalidInput("count", "A one-off payment has one instalment.")
    if plan.count < len(kept):
        raise InvalidInput("count", f"{len(kept)} instalment(s) have received money; choose at least {len(kept)}.")
    dates = [due_date(plan.first_due_date, plan.frequency, k) for k in range(len(kept), plan.count)]
    _check_after_kept(dates, kept, "first_due_date")
    return dates, _parts(remaining, len(dates), currency, "count")


def _typed(plan: TypedPlan, kept: list[Instalment], remaining: int, currency: str):
    lines = sorted(plan.lines)
    if not lines and remaining:
        raise InvalidInput("lines", "Type at least one instalment: a due date and an amount.")
    if len(kept) + len(lines) > MAX_INSTALMENTS:
        raise InvalidInput("lines", f"A schedule has at most {MAX_INSTALMENTS} instalments.")
    typed_total = sum(amount for _, amount in lines)
    if typed_total != remaining:
        def shown(minor: int) -> str:
            return f"{money.format_amount(money.from_minor(minor, currency), currency)} {currency}"
        raise InvalidInput("lines", f"The instalments add up to {shown(typed_total)}; they must add up to "
                                    f"{shown(remaining)}, what is left to schedule.")
    dates = [day for day, _ in lines]
    _check_after_kept(dates, kept, "lines")
    return dates, [amount for _, amount in lines]


def rebuild(session: Session, contribution: Contribution, received_minor: int, today: date) -> None:
    """After the amount (or currency) changed: re-plan the instalments that have received nothing.

    A generated schedule keeps its number, frequency and first due date; one typed by hand
    keeps the due dates of its untouched instalments. The new remainder is spread over those
    places (remainder to the last). When every instalment has received money, an increase goes
    to one new instalment after the last.
    """
    schedule = contribution.schedule
    if schedule is None:
        return
    kept = [i for i in contribution.instalments if received_something(i)]
    remaining = contribution.amount_minor - sum(i.amount_minor for i in kept)
    if remaining < 0:
        total = money.from_minor(contribution.amount_minor - remaining, contribution.currency)
        raise InvalidInput("amount", f"Instalments that have received money add up to "
                                     f"{money.format_amount(total, contribution.currency)} "
                                     f"{contribution.currency}; the amount cannot be less.")
    dates = _places_to_fill(schedule, contribution.instalments, kept) if remaining else []
    _replace_untouched(session, contribution, kept, dates, _parts(remaining, len(dates), contribution.currency,
                                                                   "amount"))
    schedule.instalment_count = len(contribution.instalments)
    match_payments(session, contribution, received_minor, today)


def _places_to_fill(schedule: PaymentSchedule, instalments: list[Instalment], kept: list[Instalment]) -> list[date]:
    if schedule.frequency == Frequency.BY_HAND:
        dates = [i.due_date for i in instalments if not received_something(i)]
        return dates or [kept[-1].due_date]
    count = max(schedule.instalment_count, len(kept) + 1)
    return [due_date(schedule.first_due_date, schedule.frequency, k) for k in range(len(kept), count)]


def _replace_untouched(session: Session, contribution: Contribution, kept: list[Instalment],
                       dates: Sequence[date], parts: Sequence[int]) -> None:
    """Delete the instalments that received nothing, then add the new ones numbered after ``kept``.

    The deletes are flushed first, because the new instalments take over their numbers.
    Reminders of a deleted instalment keep their own copy of it (see models.Reminder).
    """
    contribution.instalments = list(kept)
    session.flush()
    contribution.instalments.extend(
        Instalment(number=number, due_date=day, amount_minor=part, paid_minor=0,
                   status=InstalmentStatus.PENDING.value)
        for number, (day, part) in enumerate(zip(dates, parts), start=len(kept) + 1)
    )
    session.flush()


def match_payments(session: Session, contribution: Contribution, received_minor: int, today: date) -> None:
    """Spread what has been received over the open instalments, oldest first, and set their status.

    Recomputed from the total each time, so it gives the same answer however the payments
    arrived; written-off instalments keep what they had received when they were closed.
    """
    instalments = contribution.instalments
    left = received_minor - sum(i.paid_minor for i in instalments if i.status == InstalmentStatus.WRITTEN_OFF)
    for instalment in instalments:
        if instalment.status in CLOSED:
            continue
        instalment.paid_minor = min(instalment.amount_minor, max(left, 0))
        left -= instalment.paid_minor
        instalment.status = instalment_status(instalment, today)
    session.flush()
    refresh_overdue(session, [contribution.id])
    session.expire(contribution, ["overdue_since", "updated_at"])


def close_open(session: Session, contribution: Contribution, status: InstalmentStatus) -> None:
    """Mark every instalment not fully paid as ``status`` (cancelled or written off)."""
    for instalment in contribution.instalments:
        if instalment.status in OPEN:
            instalment.status = status.value
    session.flush()
    refresh_overdue(session, [contribution.id])
    session.expire(contribution, ["overdue_since", "updated_at"])


def refresh_overdue(session: Session, contribution_ids: Sequence[int] | None = None) -> list[int]:
    """Set ``overdue_since`` of contributions (all, or ``contribution_ids``) from their instalments.

    The one definition of an overdue contribution: committed, with an overdue instalment; since
    the oldest one's due date. A Core UPDATE on purpose: this is a derived status, not an edit,
    so it must not bump the version and turn someone's open edit form into a 409.
    Returns the ids of the contributions whose value changed.
    """
    table, instalment = Contribution.__table__, Instalment.__table__
    oldest = (
        select(func.min(instalment.c.due_date))
        .where(instalment.c.contribution_id == table.c.id, instalment.c.status == InstalmentStatus.OVERDUE.value)
        .scalar_subquery()
    )
    value = case((table.c.status == ContributionStatus.COMMITTED.value, oldest), else_=null())
    statement = update(table).where(table.c.overdue_since.is_distinct_from(value)).values(overdue_since=value)
    if contribution_ids is None:
        statement = statement.where(or_(table.c.overdue_since.is_not(None),
                                        table.c.id.in_(select(instalment.c.contribution_id))))
    else:
        statement = statement.where(table.c.id.in_(contribution_ids))
    return list(session.scalars(statement.returning(table.c.id)))


@dataclass(frozen=True)
class OverdueChanges:
    """What the overdue job changed: (contribution id, instalment number) pairs, contribution ids."""

    instalments: list[tuple[int, int]]
    contributions: list[int]

    @property
    def rows(self) -> int:
        return len(self.instalments) + len(self.contributions)

    def summary(self) -> str:
        flagged = ", ".join(f"contribution {c} no. {n}" for c, n in self.instalments[:20])
        more = f" and {len(self.instalments) - 20} more" if len(self.instalments) > 20 else ""
        return (f"{len(self.instalments)} instalment(s) fell overdue{': ' + flagged + more if flagged else ''}; "
                f"{len(self.contributions)} contribution(s) changed overdue status.")


def flag_overdue(session: Session, today: date) -> OverdueChanges:
    """Flag the instalments of committed contributions that fell due before ``today``, then
    bring every contribution's overdue status in line with its instalments."""
    fell_due = session.scalars(
        select(Instalment)
        .join(Contribution, Contribution.id == Instalment.contribution_id)
        .where(Instalment.status.in_([InstalmentStatus.PENDING.value, InstalmentStatus.PARTLY_PAID.value]),
               Instalment.due_date < today, Contribution.status == ContributionStatus.COMMITTED.value)
        .order_by(Instalment.contribution_id, Instalment.number)
    ).all()
    for instalment in fell_due:
        instalment.status = instalment_status(instalment, today)
    session.flush()
    return OverdueChanges([(i.contribution_id, i.number) for i in fell_due], refresh_overdue(session))
