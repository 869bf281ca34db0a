"""Ledgers the IATI tests export: every kind of contribution, currency, write-off, cancellation
and schedule, built through the real services."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy.orm import Session

from tests import factories
from tracker.contributions import payments, rules
from tracker.core.models import ExchangeRate, Gap
from tracker.gaps import rules as gaps

RATES = {"JPY": "150.0", "KWD": "0.307", "EUR": "0.92"}


def add_rates(session: Session) -> None:
    """A typed rate for each currency on 1 January 2026, in force for the ledger's dates."""
    for currency, rate in RATES.items():
        session.add(ExchangeRate(currency=currency, date=date(2026, 1, 1), units_per_usd=rate, kind="typed"))
    session.flush()


def add_gaps(session: Session) -> tuple[Gap, Gap]:
    """Two gaps, one over three calendar years with an SDG indicator and a revision."""
    long = factories.add_gap(session, "KHM-SP", "1000000.00", period_start=date(2025, 7, 1),
                             period_end=date(2027, 6, 30), impact_count=1500, impact_unit="workers",
                             impact_indicator="N° of persons covered (related SDG 1.3.1, target SDG 1.3)",
                             description="Social protection for informal workers.")
    entry = gaps.GapInput(code=long.code, title=long.title, country="KH", programme="TEST",
                          requirement_usd=Decimal("1200000.00"), description=long.description,
                          impact_count=long.impact_count, impact_unit=long.impact_unit,
                          impact_indicator=long.impact_indicator, period_start=long.period_start,
                          period_end=long.period_end)
    gaps.update_gap(session, long, entry, long.version)  # revised
    short = factories.add_gap(session, "KHM-NOP", "5000.00")
    return long, short


def every_kind(session: Session) -> None:
    """Pledge, commitment, paid with and without payments, a voided payment, a write-off, a
    cancellation and a schedule, in USD, JPY, KWD and EUR."""
    add_rates(session)
    long, short = add_gaps(session)
    factories.add_contribution(session, long, "50000.00", donor="Japan", currency="JPY", status="pledged")
    kwd = factories.add_contribution(session, long, "3000.125", donor="Kuwait Fund", currency="KWD")
    factories.add_payment(session, kwd, "1000.000", received=date(2026, 2, 1))
    eur = factories.add_contribution(session, long, "20000.00", donor="European Union", currency="EUR")
    factories.add_schedule(session, eur, 4, first_due=date(2026, 3, 31))
    usd = factories.add_contribution(session, long, "10000.00", donor="Foundation X")
    factories.add_payment(session, usd, "4000.00", received=date(2026, 2, 1))
    rules.write_off(session, usd, "The donor closed its programme.", usd.version)
    factories.add_contribution(session, long, "7000.00", donor="Japan", currency="JPY", status="paid")
    voided = factories.add_contribution(session, short, "2500.00", donor="Foundation X")
    payment = factories.add_payment(session, voided, "2500.00", received=date(2026, 2, 2))
    payments.void_payment(session, payment, "Entered twice.", payment.version)
    factories.add_payment(session, voided, "2500.00", received=date(2026, 2, 3))
    cancelled = factories.add_contribution(session, short, "900.00", donor="Cancelled Donor")
    rules.cancel_contribution(session, cancelled, "Withdrawn.", cancelled.version)
    session.flush()
