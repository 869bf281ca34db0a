"""The rate tables: importing a published table, adding and correcting a rate.

The rate in force on a day is ``tracker.core.rates.in_force``.

**Importing again** is harmless: a rate already on file in the same table for the same currency
and day at the same value is left alone; at another value it is corrected (the old value stays
in the audit trail, with the reason naming the file). Contributions and payments never change
when a rate does: they keep the rate and the US$ value frozen when they were recorded.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from tracker.core import audit
from tracker.core.errors import EditConflict, InvalidInput
from tracker.core.models import ExchangeRate
from tracker.core.rates import KINDS, TYPED
from tracker.rates.files import SOURCES, RateTable


@dataclass(frozen=True)
class ImportOutcome:
    added: int
    corrected: int
    unchanged: int
    skipped_codes: tuple[str, ...]

    @property
    def summary(self) -> str:
        said = f"{self.added} added, {self.corrected} corrected, {self.unchanged} already on file"
        if self.skipped_codes:
            said += f"; skipped codes the tracker does not know: {', '.join(self.skipped_codes)}"
        return said + "."


def import_table(session: Session, table: RateTable, kind: str, filename: str) -> ImportOutcome:
    """Store the rates of ``table`` in the table ``kind``: new ones added, changed ones corrected."""
    if not table.rates:
        raise InvalidInput("file", "The file holds no rate of a currency the tracker knows.")
    keys = {(r.currency, r.day) for r in table.rates}
    on_file = {}
    currencies = sorted({c for c, _ in keys})
    for rate in session.scalars(select(ExchangeRate).where(
            ExchangeRate.kind == kind, ExchangeRate.currency.in_(currencies),
            ExchangeRate.date.between(min(d for _, d in keys), max(d for _, d in keys)))):
        on_file[(rate.currency, rate.date)] = rate
    audit.give_reason(session, f"Imported from {filename}")
    added = corrected = unchanged = 0
    for published in table.rates:
        found = on_file.get((published.currency, published.day))
        if found is None:
            session.add(ExchangeRate(currency=published.currency, date=published.day, kind=kind,
                                     units_per_usd=published.units_per_usd, source=SOURCES[kind]))
            added += 1
        elif found.units_per_usd != published.units_per_usd:
            found.units_per_usd = published.units_per_usd
            corrected += 1
        else:
            unchanged += 1
    session.flush()
    return ImportOutcome(added, corrected, unchanged, tuple(sorted(table.skipped_codes)))


def add_rate(session: Session, currency: str, day: date, units_per_usd: Decimal, kind: str, source: str = ""
             ) -> ExchangeRate:
    """Add a rate to the table ``kind``; one already there for the currency and day is refused
    (correct it instead)."""
    if currency == "USD":
        raise InvalidInput("currency", "US$ is 1 per US$ by definition: choose another currency.")
    if _found(session, currency, kind, day) is not None:
        raise InvalidInput("day", f"A {KINDS[kind]} for {currency} on {day.isoformat()} is already on file: "
                           "correct that one instead.")
    rate = ExchangeRate(currency=currency, date=day, kind=kind, units_per_usd=units_per_usd, source=source)
    session.add(rate)
    session.flush()
    return rate


def replace_typed_rate(session: Session, currency: str, day: date, units_per_usd: Decimal, source: str = ""
                       ) -> ExchangeRate:
    """``flask add-rate``: a typed rate, replacing (audited) one already typed for the currency and day."""
    found = _found(session, currency, TYPED, day)
    if found is None:
        return add_rate(session, currency, day, units_per_usd, TYPED, source)
    found.units_per_usd = units_per_usd
    found.source = source
    session.flush()
    return found


def _found(session: Session, currency: str, kind: str, day: date) -> ExchangeRate | None:
    return session.scalar(select(ExchangeRate).where(
        ExchangeRate.currency == currency, ExchangeRate.kind == kind, ExchangeRate.date == day))


def correct_rate(session: Session, rate: ExchangeRate, units_per_usd: Decimal, reason: str,
                 expected_version: int) -> ExchangeRate:
    """Correct a rate, with a reason, unless someone saved it since ``expected_version``. The old
    value stays in the audit trail; contributions and payments keep their frozen values."""
    session.refresh(rate)
    if rate.version != expected_version:
        raise EditConflict(f"The {rate.currency} rate of {rate.date.isoformat()}")
    if not (reason or "").strip():
        raise InvalidInput("reason", "Say why the rate is corrected.")
    rate.units_per_usd = units_per_usd
    audit.give_reason(session, reason)
    try:
        session.flush()
    except StaleDataError:
        raise EditConflict(f"The {rate.currency} rate of {rate.date.isoformat()}") from None
    return rate
