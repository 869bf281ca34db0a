"""Payments: money received against a contribution, recorded, corrected and voided.

A payment is never erased. A wrong one is edited (date, amount, rate, reference, with its
version) or voided with a reason; a voided payment stays on the record and counts 0 in every
figure and in the matching of instalments. After each step the contribution's status follows
what has been received (a pledge that receives money is committed; payments that reach the
amount make it paid; a correction that takes them below the amount makes it committed again),
its instalments are re-matched, and it gets a new version. Like the contribution rules, these
functions lock the contribution's row first and only flush.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy.orm import Session

from tracker.contributions import duplicates, rules
from tracker.contributions.rates import resolve_rate
from tracker.core import audit, money
from tracker.core.errors import EditConflict, InvalidInput, LikelyDuplicate
from tracker.core.models import Contribution, ContributionStatus, Payment
from tracker.schedules import instalments


@dataclass(frozen=True)
class PaymentInput:
    date_received: date
    amount: Decimal
    rate: Decimal | None  # None: take the rate on file for the date received
    reference: str = ""
    duplicate_confirmed: bool = False  # the person has seen the likely duplicate and records it anyway


def _priced(session: Session, contribution: Contribution, entry: PaymentInput) -> tuple[int, Decimal, int]:
    """Minor units, rate and frozen US cents of a payment being saved."""
    rules.check_date("date_received", "date received", entry.date_received)
    try:
        minor = money.to_minor(entry.amount, contribution.currency)
    except money.MoneyError as error:
        raise InvalidInput("amount", str(error)) from None
    rate = resolve_rate(session, contribution.currency, entry.rate, entry.date_received)
    return minor, rate, rules.priced_usd("amount", entry.amount, rate)


def _check_not_duplicate(session: Session, contribution: Contribution, entry: PaymentInput, minor: int) -> None:
    if entry.duplicate_confirmed:
        return
    match = duplicates.matching_payment(session, contribution_id=contribution.id, amount_minor=minor,
                                        reference=entry.reference, date_received=entry.date_received)
    if match is not None:
        raise LikelyDuplicate(
            f"A payment of {money.format_minor(match.amount_minor, contribution.currency)} "
            f"received {match.date_received.isoformat()} (reference "
            f"{match.reference or 'none'}) is already recorded on contribution No. {contribution.id}, by "
            f"{audit.created_by(session, 'payment', match.id)} on {match.created_at:%Y-%m-%d}. Nothing was saved. "
            "If this is a second, separate payment, confirm and save again."
        )


def _open_for_payments(session: Session, contribution: Contribution) -> None:
    rules.lock(session, contribution)
    if contribution.status == ContributionStatus.CANCELLED:
        raise InvalidInput(None, "This contribution is cancelled; its payments cannot change.")
    rules.check_gap_open(contribution.gap)


def _settle(session: Session, contribution: Contribution, received_before: int) -> None:
    """Bring the contribution's status and instalments in line with what it has received now."""
    received = rules.received_minor(session, contribution)
    if received >= contribution.amount_minor:
        contribution.status = ContributionStatus.PAID.value
    elif contribution.status == ContributionStatus.PAID and received_before >= contribution.amount_minor:
        contribution.status = ContributionStatus.COMMITTED.value  # a correction took the payments below the amount
    elif contribution.status == ContributionStatus.PLEDGED and received > 0:
        contribution.status = ContributionStatus.COMMITTED.value
    rules.touch(contribution)
    rules.flush_guarded(session, f"Contribution {contribution.id}")
    if contribution.instalments:
        instalments.match_payments(session, contribution, received, rules.today())


def record_payment(session: Session, contribution: Contribution, entry: PaymentInput) -> Payment:
    """Record money received, unless it looks like a payment already recorded and the person
    has not confirmed it (``LikelyDuplicate``); instalments are filled oldest first."""
    _open_for_payments(session, contribution)
    minor, rate, cents = _priced(session, contribution, entry)
    _check_not_duplicate(session, contribution, entry, minor)
    before = rules.received_minor(session, contribution)
    payment = Payment(contribution=contribution, date_received=entry.date_received, amount_minor=minor,
                      rate=rate, usd_cents=cents, reference=entry.reference.strip())
    session.add(payment)
    session.flush()
    _settle(session, contribution, before)
    return payment


def _editable(session: Session, payment: Payment, expected_version: int) -> Contribution:
    contribution = payment.contribution
    _open_for_payments(session, contribution)
    session.refresh(payment)
    if payment.version != expected_version:
        raise EditConflict(f"Payment {payment.id}")
    if payment.voided_at is not None:
        raise InvalidInput(None, "This payment is voided; it can no longer change.")
    return contribution


def edit_payment(session: Session, payment: Payment, entry: PaymentInput, expected_version: int) -> Payment:
    """Correct a payment's date, amount, rate or reference, unless someone saved it since
    ``expected_version``."""
    contribution = _editable(session, payment, expected_version)
    minor, rate, cents = _priced(session, contribution, entry)
    before = rules.received_minor(session, contribution)
    payment.date_received = entry.date_received
    payment.amount_minor = minor
    payment.rate = rate
    payment.usd_cents = cents
    payment.reference = entry.reference.strip()
    rules.flush_guarded(session, f"Payment {payment.id}")
    _settle(session, contribution, before)
    return payment


def void_payment(session: Session, payment: Payment, reason: str, expected_version: int) -> Payment:
    """Void a payment recorded by mistake, with a reason. It stays on the record and counts 0."""
    contribution = _editable(session, payment, expected_version)
    if not (reason or "").strip():
        raise InvalidInput("reason", "Say why the payment is voided.")
    before = rules.received_minor(session, contribution)
    payment.voided_at = datetime.now(UTC)
    payment.void_reason = reason.strip()
    audit.give_reason(session, reason)
    rules.flush_guarded(session, f"Payment {payment.id}")
    _settle(session, contribution, before)
    return payment
