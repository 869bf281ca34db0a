"""Exchange rates: the table that prefills forms, and the rule for which rate a record uses."""
from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker.core.errors import InvalidInput
from tracker.core.models import ExchangeRate
from tracker.core.rates import in_force, table_order

ONE = Decimal(1)


def rate_on(session: Session, currency: str, day: date) -> Decimal | None:
    """The rate in force for ``currency`` on ``day`` (``tracker.rates.rules.in_force``), if any."""
    found = in_force(session, currency, day)
    return None if found is None else found.units_per_usd


def resolve_rate(session: Session, currency: str, typed: Decimal | None, day: date) -> Decimal:
    """The rate a record uses: 1 for US$, else what was typed, else the table's rate."""
    return _resolved(currency, typed, day, lambda: rate_on(session, currency, day))


class RatesOnFile:
    """Every rate on file for some currencies, read in one query, answering as ``rate_on`` and
    ``resolve_rate`` do (the same tables in the same order, ``tracker.core.rates``): for an
    import, which prices thousands of rows without a query each."""

    def __init__(self, session: Session, currencies: Iterable[str]):
        self._dates: dict[tuple[str, str], list[date]] = defaultdict(list)
        self._rates: dict[tuple[str, str], list[Decimal]] = defaultdict(list)
        query = (select(ExchangeRate.currency, ExchangeRate.kind, ExchangeRate.date, ExchangeRate.units_per_usd)
                 .where(ExchangeRate.currency.in_(sorted(set(currencies) - {"USD"})))
                 .order_by(ExchangeRate.currency, ExchangeRate.kind, ExchangeRate.date))
        for currency, kind, day, rate in session.execute(query):
            self._dates[currency, kind].append(day)
            self._rates[currency, kind].append(rate)

    def resolve(self, currency: str, typed: Decimal | None, day: date) -> Decimal:
        return _resolved(currency, typed, day, lambda: self._in_force(currency, day))

    def _in_force(self, currency: str, day: date) -> Decimal | None:
        """The rate ``rate_on`` finds: of the first table with one, its latest on or before ``day``."""
        for kind in table_order():
            at = bisect_right(self._dates.get((currency, kind), []), day)
            if at:
                return self._rates[currency, kind][at - 1]
        return None


def _resolved(currency: str, typed: Decimal | None, day: date, on_file: Callable[[], Decimal | None]) -> Decimal:
    """The rule of ``resolve_rate``, with the rate on file looked up by ``on_file`` only when needed."""
    if currency == "USD":
        return ONE
    if typed is not None:
        return typed
    known = on_file()
    if known is None:
        raise InvalidInput(
            "rate", f"Enter the exchange rate: no {currency} rate is on file for {day.isoformat()} or before."
        )
    return known
