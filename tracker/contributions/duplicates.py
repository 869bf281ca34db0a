"""Likely duplicates: a contribution or payment typed twice, or imported after it was typed in.

The rule, the same for the forms, the import and the CLI: a live record (a contribution not
cancelled, a payment not voided) with the same donor, gap, amount and currency is a likely
duplicate when both carry the same reference (compared trimmed and in lower case), or, when
either has no reference, when both carry the same date (the decision date of a contribution,
the date received of a payment). Nothing is refused outright: a person confirms that it is a
second, real record, and then it counts.
"""
from __future__ import annotations

from datetime import date

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session

from tracker.core.models import Contribution, ContributionStatus, Payment


def reference_key(reference: str | None) -> str:
    """What makes two references the same: trimmed, in lower case (as SQL's lower(trim()) has it)."""
    return (reference or "").strip().lower()


def _same_reference_or_date(reference_column, date_column, reference: str, day: date | None) -> ColumnElement[bool]:
    """SQL for "the same reference, or the same date when either has no reference"."""
    key = reference_key(reference)
    stored = func.lower(func.trim(reference_column))
    same_date = date_column.is_(None) if day is None else date_column == day
    if not key:
        return same_date
    return or_(stored == key, and_(stored == "", same_date))


def matching_contribution(
    session: Session, *, gap_id: int, donor_id: int, amount_minor: int, currency: str, reference: str,
    decision_date: date | None, other_than: int | None = None,
) -> Contribution | None:
    """The oldest live contribution the one described would duplicate, or None."""
    query = select(Contribution).where(
        Contribution.gap_id == gap_id, Contribution.donor_id == donor_id,
        Contribution.amount_minor == amount_minor, Contribution.currency == currency.upper(),
        Contribution.status != ContributionStatus.CANCELLED.value,
        _same_reference_or_date(Contribution.reference, Contribution.decision_date, reference, decision_date),
    )
    if other_than is not None:
        query = query.where(Contribution.id != other_than)
    return session.scalars(query.order_by(Contribution.id).limit(1)).first()


def matching_payment(
    session: Session, *, contribution_id: int, amount_minor: int, reference: str, date_received: date,
    other_than: int | None = None,
) -> Payment | None:
    """The oldest live payment of the contribution the one described would duplicate, or None."""
    query = select(Payment).where(
        Payment.contribution_id == contribution_id, Payment.amount_minor == amount_minor,
        Payment.voided_at.is_(None),
        _same_reference_or_date(Payment.reference, Payment.date_received, reference, date_received),
    )
    if other_than is not None:
        query = query.where(Payment.id != other_than)
    return session.scalars(query.order_by(Payment.id).limit(1)).first()


def same_in_file(key_a: tuple, key_b: tuple) -> bool:
    """Whether two rows of one file, as (gap_id, donor_id, amount_minor, currency, reference,
    decision_date), duplicate each other by the rule above."""
    if key_a[:4] != key_b[:4]:
        return False
    ref_a, ref_b = reference_key(key_a[4]), reference_key(key_b[4])
    if ref_a and ref_b:
        return ref_a == ref_b
    return key_a[5] == key_b[5]
