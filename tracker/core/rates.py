"""The rate in force on a day, read by every domain that prices money (contributions, payments,
imports, currency exposure) and kept here so that none of them depends on another for it.

**The rate in force** for a currency on a day is looked up in each table separately: the UN
operational rate with the latest effective day on or before it (so the month's rate, or a
mid-month revision, or else the nearest earlier month's), the ECB reference rate of that day or
else the nearest earlier day, the typed rate of that day or else the nearest earlier one. Of
those found, the table named by ``prefer`` (the setting ``TRACKER_RATE_SOURCE``) wins; without
one there, UN operational, then ECB, then typed.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tracker.core.models import ExchangeRate

UN_OPERATIONAL = "un-operational"
ECB = "ecb"
TYPED = "typed"
#: Each table a rate belongs to, by the name stored in ``ExchangeRate.kind``, in the order that
#: decides which wins when the preferred one has none.
KINDS = {UN_OPERATIONAL: "UN operational rate", ECB: "ECB reference rate", TYPED: "Typed rate"}
ONE = Decimal(1)


@dataclass(frozen=True)
class RateInForce:
    units_per_usd: Decimal
    kind: str
    day: date  # the day the rate is dated
    nearest_earlier: bool  # True when it was published before the period of the day asked for

    @property
    def described(self) -> str:
        """Which rate it is, in words: "UN operational rate for March 2026"."""
        if self.kind == UN_OPERATIONAL:
            said = (f"UN operational rate for {self.day:%B %Y}" if self.day.day == 1
                    else f"UN operational rate effective {self.day.isoformat()}")
            return said + (", the nearest earlier month" if self.nearest_earlier else "")
        said = f"{KINDS[self.kind]} of {self.day.isoformat()}"
        return said + (", the nearest earlier day" if self.nearest_earlier else "")


def in_force(session: Session, currency: str, day: date, prefer: str = UN_OPERATIONAL) -> RateInForce | None:
    """The rate in force for ``currency`` on ``day`` (see the module's docstring), or None."""
    if currency == "USD":
        return RateInForce(ONE, TYPED, day, False)
    return rates_in_force(session, day, prefer, [currency]).get(currency)


def rates_in_force(session: Session, day: date, prefer: str = UN_OPERATIONAL,
                   currencies: list[str] | None = None) -> dict[str, RateInForce]:
    """The rate in force on ``day`` of every currency on file (or of ``currencies``): one query per table."""
    found: dict[str, RateInForce] = {}
    for kind in table_order(prefer):
        newest = select(ExchangeRate.currency, func.max(ExchangeRate.date).label("date")).where(
            ExchangeRate.kind == kind, ExchangeRate.date <= day)
        if currencies is not None:
            newest = newest.where(ExchangeRate.currency.in_(currencies))
        newest = newest.group_by(ExchangeRate.currency).subquery()
        query = select(ExchangeRate.currency, ExchangeRate.units_per_usd, ExchangeRate.date).join(
            newest, (newest.c.currency == ExchangeRate.currency) & (newest.c.date == ExchangeRate.date)
        ).where(ExchangeRate.kind == kind)
        for currency, rate, dated in session.execute(query):
            if currency not in found:
                found[currency] = RateInForce(rate, kind, dated, _earlier(kind, dated, day))
    return found


def table_order(prefer: str = UN_OPERATIONAL) -> list[str]:
    """The tables in the order they are asked for a rate: ``prefer``, then the others as in ``KINDS``."""
    return sorted(KINDS, key=lambda k: (k != prefer, list(KINDS).index(k)))


def _earlier(kind: str, dated: date, day: date) -> bool:
    """Whether a rate dated ``dated`` was published for a period before the one of ``day``."""
    if kind == UN_OPERATIONAL:
        return (dated.year, dated.month) != (day.year, day.month)
    return dated != day
