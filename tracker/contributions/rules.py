"""Recording, editing, cancelling and writing off contributions, and giving them payment
schedules (the instalment rules are in tracker.schedules.instalments; payments are in
tracker.contributions.payments).

These functions check the ledger's rules, flush, and leave the commit to the caller, so
that a form post, an import of many rows or a job is one transaction. Those that change
money or instalments lock the contribution's row first, so that a payment and an edit
arriving together queue instead of matching payments against a half-changed schedule.

The same rules hold for the forms, the import, the CLI and the API, because all of them
come here: nothing changes money on a closed gap, a written-off contribution's amount,
currency, rate and status are fixed, and a likely duplicate is stored only when confirmed.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import partial

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from tracker.contributions import duplicates
from tracker.contributions.rates import resolve_rate
from tracker.core import audit, money
from tracker.core.errors import EditConflict, InvalidInput, LikelyDuplicate
from tracker.core.models import (
    Contribution,
    ContributionStatus,
    Donor,
    Gap,
    GapStatus,
    InstalmentStatus,
    Payment,
    WriteOff,
)
from tracker.donors.rules import held
from tracker.schedules import instalments

EARLIEST = date(1990, 1, 1)
OPEN_STATUSES = (ContributionStatus.PLEDGED, ContributionStatus.COMMITTED, ContributionStatus.PAID)
#: How a contribution finds its rate: (currency, rate typed or None, rate date) → rate (see ``rates.resolve_rate``).
RateOf = Callable[[str, Decimal | None, date], Decimal]


@dataclass(frozen=True)
class ContributionInput:
    """What a person records about a contribution, already parsed into types."""

    donor: Donor
    status: str
    amount: Decimal
    currency: str
    rate: Decimal | None  # None: take the rate on file for rate_date
    rate_date: date | None  # None: the decision date, else today
    decision_date: date | None = None
    reference: str = ""
    note: str = ""  # internal to staff
    donor_note: str = ""  # shown to the donor
    duplicate_confirmed: bool = False  # the person has seen the likely duplicate and records it anyway
    #: A US$ value the source froze itself (FTS's ``amountUSD``), kept as it is rather than
    #: amount ÷ rate: the rate a source publishes is rounded, and its totals are the sum of its values.
    usd_cents: int | None = None


def today() -> date:
    return datetime.now(UTC).date()


def check_date(field: str, label: str, day: date | None) -> None:
    """A date of something that has happened: not before 1990, not after tomorrow (UTC).

    Tomorrow, because a programme east of Greenwich is already a day ahead of UTC.
    """
    if day is None:
        return
    if day > today() + timedelta(days=1):
        raise InvalidInput(field, f"The {label} cannot be in the future.")
    if day < EARLIEST:
        raise InvalidInput(field, f"The {label} cannot be before {EARLIEST.year}.")


def check_gap_open(gap: Gap) -> None:
    """Money on a closed gap is settled: nothing is recorded or changed on it until it is reopened."""
    if gap.status == GapStatus.CLOSED:
        raise InvalidInput(None, f"The funding gap {gap.code} is closed; reopen it (Edit gap, status open) "
                                 "to record or change money on it.")


def priced_usd(field: str, amount: Decimal, rate: Decimal) -> int:
    """US cents of ``amount`` at ``rate``, refused beside ``field`` beyond what a record may hold."""
    try:
        return money.usd_cents(amount, rate)
    except money.MoneyError as error:
        raise InvalidInput(field, str(error)) from None


def _check_status(status: str) -> None:
    if status not in {s.value for s in OPEN_STATUSES}:
        raise InvalidInput("status", "Choose pledged, committed or paid. To cancel, use Cancel contribution.")


def _priced(entry: ContributionInput, rate_of: RateOf) -> tuple[int, Decimal, date, int]:
    """Minor units, rate, rate date and frozen US cents for a contribution being saved."""
    code = money.currency(entry.currency).code
    rate_date = entry.rate_date or entry.decision_date or today()
    check_date("decision_date", "decision date", entry.decision_date)
    check_date("rate_date", "rate date", rate_date)
    try:
        minor = money.to_minor(entry.amount, code)
        if entry.amount <= 0:
            raise money.MoneyError("The amount must be more than zero.")
    except money.MoneyError as error:
        raise InvalidInput("amount", str(error)) from None
    rate = rate_of(code, entry.rate, rate_date)
    cents = priced_usd("amount", entry.amount, rate)
    if entry.usd_cents is not None:
        if not 0 < entry.usd_cents <= money.MAX_USD_CENTS:
            raise InvalidInput("amount", f"A US$ value must be more than zero and at most "
                                         f"US$ {money.usd(money.MAX_USD_CENTS):,.0f}.")
        cents = entry.usd_cents
    return minor, rate, rate_date, cents


def _check_not_duplicate(session: Session, gap: Gap, entry: ContributionInput, minor: int) -> None:
    if entry.duplicate_confirmed or entry.donor.id is None:
        return
    match = duplicates.matching_contribution(
        session, gap_id=gap.id, donor_id=entry.donor.id, amount_minor=minor, currency=entry.currency,
        reference=entry.reference, decision_date=entry.decision_date,
    )
    if match is not None:
        raise LikelyDuplicate(
            f"This looks like contribution No. {match.id} ({match.donor.name}, "
            f"{money.format_minor(match.amount_minor, match.currency)}, {_dated(match.decision_date)}, "
            f"reference {match.reference or 'none'}), "
            f"recorded by {audit.created_by(session, 'contribution', match.id)} on {match.created_at:%Y-%m-%d}. "
            "Nothing was saved. If this is a second, separate contribution, confirm and save again."
        )


def _dated(day: date | None) -> str:
    return f"decided {day.isoformat()}" if day else "no decision date"


def new_contribution(gap: Gap, entry: ContributionInput, rate_of: RateOf) -> dict:
    """The columns of a contribution recorded on ``gap`` from ``entry`` (gap and donor aside),
    every rule of recording checked but the likely duplicate, which needs the ledger.

    What ``record_contribution`` stores, and what an import inserts in bulk
    (``tracker.imports.run``), which looks its rates up in one query (``rates.RatesOnFile``).
    """
    check_gap_open(gap)
    _check_status(entry.status)
    minor, rate, rate_date, cents = _priced(entry, rate_of)
    return {"status": entry.status, "amount_minor": minor, "currency": entry.currency.upper(), "rate": rate,
            "rate_date": rate_date, "usd_cents": cents, "decision_date": entry.decision_date,
            "reference": entry.reference.strip(), "note": entry.note.strip(), "donor_note": entry.donor_note.strip()}


def record_contribution(session: Session, gap: Gap, entry: ContributionInput) -> Contribution:
    """Add a pledge, commitment or paid contribution to ``gap``, unless it looks like one
    already there and the person has not confirmed it (``LikelyDuplicate``)."""
    entry = replace(entry, donor=held(session, entry.donor))
    values = new_contribution(gap, entry, partial(resolve_rate, session))
    _check_not_duplicate(session, gap, entry, values["amount_minor"])
    contribution = Contribution(gap=gap, donor=entry.donor, **values)
    session.add(contribution)
    session.flush()
    return contribution


def received_minor(session: Session, contribution: Contribution) -> int:
    """What has arrived against ``contribution``, in its currency's minor units (voided payments aside)."""
    return session.scalar(
        select(func.coalesce(func.sum(Payment.amount_minor), 0))
        .where(Payment.contribution_id == contribution.id, Payment.voided_at.is_(None))
    )


def _check_version(contribution: Contribution, expected_version: int) -> None:
    if contribution.version != expected_version:
        raise EditConflict(f"Contribution {contribution.id}")


def flush_guarded(session: Session, what: str) -> None:
    """Flush, turning a concurrent UPDATE caught by the version column into an EditConflict on ``what``."""
    try:
        session.flush()
    except StaleDataError:
        raise EditConflict(what) from None


def lock(session: Session, contribution: Contribution) -> None:
    """Reload the contribution under a row lock (FOR UPDATE; SQLite's write lock is already held)."""
    session.refresh(contribution, with_for_update=True)


def touch(contribution: Contribution) -> None:
    """Give the contribution a new version for a change to what hangs from it (payments,
    instalments, write-off), so an edit form opened before it answers 409."""
    contribution.updated_at = datetime.now(UTC)


def edit_contribution(
    session: Session, contribution: Contribution, entry: ContributionInput, expected_version: int
) -> Contribution:
    """Change a contribution, unless someone else saved it since ``expected_version``.

    A new amount (or currency) rebuilds the instalments that have received nothing.
    """
    entry = replace(entry, donor=held(session, entry.donor))  # the donor first, as a merge locks them
    lock(session, contribution)
    _check_version(contribution, expected_version)
    if contribution.status == ContributionStatus.CANCELLED:
        raise InvalidInput(None, "A cancelled contribution cannot be edited.")
    _check_status(entry.status)
    received = received_minor(session, contribution)
    if received > 0 and entry.currency.upper() != contribution.currency:
        raise InvalidInput("currency", "Payments were received in this currency, so it cannot change.")
    if received > 0 and entry.status == ContributionStatus.PLEDGED:
        raise InvalidInput("status", "Money has been received, so it is at least committed.")
    if contribution.schedule is not None and entry.status == ContributionStatus.PLEDGED:
        raise InvalidInput("status", "It has a payment schedule, so it is at least committed.")
    minor, rate, rate_date, cents = _priced(entry, partial(resolve_rate, session))
    if received >= minor and entry.status != ContributionStatus.PAID:
        raise InvalidInput("status", "The payments received reach this amount, so the contribution is paid: "
                                     "choose Paid, or correct the payments first.")
    money_changed = (minor, entry.currency.upper()) != (contribution.amount_minor, contribution.currency)
    if entry.usd_cents is None and not money_changed and rate == contribution.rate:
        cents = contribution.usd_cents  # a value the source froze (``usd_cents``) stays while its money does
    status_changed = entry.status != contribution.status
    if money_changed or status_changed or rate != contribution.rate or entry.donor is not contribution.donor:
        check_gap_open(contribution.gap)  # a note or a reference may still be corrected
    if contribution.write_off is not None and money_changed:
        raise InvalidInput("amount", "The unpaid rest was written off, so the amount can no longer change.")
    if contribution.write_off is not None and status_changed:
        raise InvalidInput("status", "The unpaid rest was written off, so the status can no longer change.")
    if contribution.write_off is not None and rate != contribution.rate:
        raise InvalidInput("rate", f"The unpaid rest was written off at {money.format_rate(contribution.rate)}, "
                                   "so the rate can no longer change.")
    contribution.donor = entry.donor
    contribution.status = entry.status
    contribution.amount_minor = minor
    contribution.currency = entry.currency.upper()
    contribution.rate = rate
    contribution.rate_date = rate_date
    contribution.usd_cents = cents
    contribution.decision_date = entry.decision_date
    contribution.reference = entry.reference.strip()
    contribution.note = entry.note.strip()
    contribution.donor_note = entry.donor_note.strip()
    flush_guarded(session, f"Contribution {contribution.id}")
    if money_changed:
        instalments.rebuild(session, contribution, received, today())
    elif status_changed and contribution.instalments:
        instalments.match_payments(session, contribution, received, today())  # only committed ones are overdue
    return contribution


def why_not_cancellable(session: Session, contribution: Contribution) -> str | None:
    """Why ``contribution`` cannot be cancelled, or None when it can; the cancel page says so
    before anyone fills in a reason."""
    if contribution.status == ContributionStatus.CANCELLED:
        return "This contribution is already cancelled."
    if received_minor(session, contribution) > 0:
        return "Money has been received against this contribution, so it cannot be cancelled."
    return None


def cancel_contribution(session: Session, contribution: Contribution, reason: str, expected_version: int) -> None:
    """Cancel with a reason. The row stays, with its history; it counts 0 in every figure."""
    lock(session, contribution)
    _check_version(contribution, expected_version)
    check_gap_open(contribution.gap)
    refusal = why_not_cancellable(session, contribution)
    if refusal:
        raise InvalidInput(None, refusal)
    if not (reason or "").strip():
        raise InvalidInput("reason", "Say why the contribution is cancelled.")
    contribution.status = ContributionStatus.CANCELLED.value
    contribution.cancel_reason = reason.strip()
    audit.give_reason(session, reason)
    contribution.cancelled_at = datetime.now(UTC)
    flush_guarded(session, f"Contribution {contribution.id}")
    instalments.close_open(session, contribution, InstalmentStatus.CANCELLED)


def set_schedule(session: Session, contribution: Contribution, plan: instalments.Plan, expected_version: int) -> None:
    """Give a committed contribution instalments, or re-plan those that have received nothing.

    The contribution gets a new version, so two people re-planning it at once cannot both win.
    """
    lock(session, contribution)
    _check_version(contribution, expected_version)
    instalments.set_plan(session, contribution, plan, received_minor(session, contribution), today())
    touch(contribution)
    flush_guarded(session, f"Contribution {contribution.id}")


def write_off(session: Session, contribution: Contribution, reason: str, expected_version: int) -> WriteOff:
    """Give up the unpaid rest of a committed contribution, with a reason.

    Funding then counts it at its committed US$ value less the rest's US$ value (at the
    contribution's own frozen rate); its open instalments are marked written off. Money that
    still arrives later is received and counted as usual.
    """
    lock(session, contribution)
    _check_version(contribution, expected_version)
    check_gap_open(contribution.gap)
    if contribution.status != ContributionStatus.COMMITTED:
        raise InvalidInput(None, "Only a committed contribution can be written off; "
                                 f"this one is {contribution.status}.")
    if contribution.write_off is not None:
        raise InvalidInput(None, "The unpaid rest of this contribution is already written off.")
    if not (reason or "").strip():
        raise InvalidInput("reason", "Say why the unpaid rest is written off.")
    rest = contribution.amount_minor - received_minor(session, contribution)
    if rest <= 0:
        raise InvalidInput(None, "Nothing is left unpaid on this contribution.")
    given_up = WriteOff(amount_minor=rest, reason=reason.strip(),
                        usd_cents=money.usd_cents(money.from_minor(rest, contribution.currency), contribution.rate))
    contribution.write_off = given_up
    touch(contribution)
    flush_guarded(session, f"Contribution {contribution.id}")
    instalments.close_open(session, contribution, InstalmentStatus.WRITTEN_OFF)
    return given_up
