"""Currency exposure: unpaid commitments in other currencies, at the rates recorded (as funding
counts them) and at the latest rate on file; shown beside the figures, never changing them."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from tests import factories
from tracker.contributions import rules as contributions
from tracker.core.figures import Exposure, currency_exposure, figures_of
from tracker.core.models import ExchangeRate, utcnow


def add_rate(session, currency: str, day: date, units_per_usd: str) -> None:
    session.add(ExchangeRate(currency=currency, date=day, units_per_usd=Decimal(units_per_usd), source="test"))
    session.flush()


@pytest.fixture
def ledger(session):
    """A yen commitment partly paid, with rates on file before, on and after today; and what
    does not count: a pledge, a cancelled and a fully paid contribution, one in US$."""
    today = utcnow().date()
    sme, agri = factories.add_gap(session, "KHM-SME"), factories.add_gap(session, "KHM-AGRI")
    yen = factories.add_contribution(session, sme, "1000000", currency="JPY", rate="150")  # US$ 6,666.67
    factories.add_payment(session, yen, "400000", rate="160")  # US$ 2,500.00 received
    factories.add_contribution(session, sme, "1000.00", currency="EUR", rate="0.9", status="pledged")
    typo = factories.add_contribution(session, sme, "9000.00", currency="EUR", rate="0.9")
    contributions.cancel_contribution(session, typo, "Typed twice", typo.version)
    factories.add_contribution(session, sme, "500.00", currency="EUR", rate="0.9", status="paid")
    factories.add_contribution(session, sme, "700.00")
    factories.add_contribution(session, agri, "1000.00", currency="GBP", rate="0.8")  # no GBP rate on file
    add_rate(session, "JPY", today - timedelta(days=40), "145")
    add_rate(session, "JPY", today - timedelta(days=10), "140")
    add_rate(session, "JPY", today + timedelta(days=5), "100")  # not yet in force
    session.commit()


def test_an_unpaid_balance_is_revalued_at_the_latest_rate_on_file(session, ledger):
    exposure = currency_exposure(session, utcnow().date(), "un-operational")
    # frozen: 6,666.67 committed − 2,500.00 received; today: the 600,000 yen still due at 140.
    assert exposure["KHM-SME"] == Exposure(416667, 428571)
    assert exposure["KHM-AGRI"] == Exposure(125000, 125000, frozenset({"GBP"}))


def test_revaluing_changes_no_figure(session, ledger):
    before = figures_of(session, "KHM-SME")
    add_rate(session, "JPY", utcnow().date(), "200")
    session.commit()
    assert currency_exposure(session, utcnow().date(), "un-operational")["KHM-SME"].today_cents == 300000
    assert figures_of(session, "KHM-SME") == before


def test_the_json_gives_both_values_beside_the_figures(client, ledger):
    sme = client.get("/api/v1/gaps/KHM-SME").json
    assert (sme["unpaid_foreign_usd_frozen"], sme["unpaid_foreign_usd_today"]) == ("4166.67", "4285.71")
    listed = {gap["code"]: gap for gap in client.get("/api/v1/gaps").json}
    assert listed["KHM-AGRI"]["unpaid_foreign_usd_today"] == "1250.00"
    assert listed["KHM-SME"]["funding_usd"] == sme["funding_usd"]


def test_a_gap_without_foreign_currency_balances_has_none(client, session):
    factories.add_gap(session, "TST-1")
    session.commit()
    found = client.get("/api/v1/gaps/TST-1").json
    assert (found["unpaid_foreign_usd_frozen"], found["unpaid_foreign_usd_today"]) == ("0.00", "0.00")
    assert "Unpaid in other currencies" not in client.get("/gaps/TST-1").get_data(as_text=True)


def test_the_gap_page_and_the_dashboard_show_the_exposure(client, ledger):
    gap = client.get("/gaps/KHM-AGRI").get_data(as_text=True)
    assert "Unpaid in other currencies" in gap and "GBP: no rate on file" in gap
    dashboard = client.get("/").get_data(as_text=True)
    assert "Unpaid in other currencies" in dashboard
    assert "US$ 5,535.71" in dashboard and "US$ 5,416.67 as recorded" in dashboard
