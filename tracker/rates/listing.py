"""The rates on file as the rates page lists them: newest first per currency, with who added
each and when, read from the audit trail's creating entry (one query for the page)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tracker.core.models import AuditEntry, ExchangeRate


@dataclass(frozen=True)
class RateLine:
    id: int
    currency: str
    day: date
    units_per_usd: Decimal
    kind: str
    source: str
    added_by: str | None
    added_at: datetime | None


def count_rates(session: Session, currency: str | None = None) -> int:
    query = select(func.count()).select_from(ExchangeRate)
    if currency:
        query = query.where(ExchangeRate.currency == currency)
    return session.scalar(query)


def rate_lines(session: Session, currency: str | None = None, *, limit: int, offset: int) -> list[RateLine]:
    creation = (select(AuditEntry.record_id, func.min(AuditEntry.id).label("entry_id"))
                .where(AuditEntry.record_type == "exchange rate", AuditEntry.action == "create")
                .group_by(AuditEntry.record_id).subquery())
    query = (select(ExchangeRate.id, ExchangeRate.currency, ExchangeRate.date, ExchangeRate.units_per_usd,
                    ExchangeRate.kind, ExchangeRate.source, AuditEntry.actor, AuditEntry.at)
             .outerjoin(creation, creation.c.record_id == ExchangeRate.id)
             .outerjoin(AuditEntry, AuditEntry.id == creation.c.entry_id)
             .order_by(ExchangeRate.currency, ExchangeRate.date.desc(), ExchangeRate.kind)
             .limit(limit).offset(offset))
    if currency:
        query = query.where(ExchangeRate.currency == currency)
    return [RateLine(*row) for row in session.execute(query)]
