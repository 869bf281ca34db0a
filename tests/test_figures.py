"""The figures, checked against a plain reference computation written from their definitions."""
from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests import factories
from tracker.contributions import rules as contributions
from tracker.core import db
from tracker.core.figures import Totals, donor_figures, figures_of, gap_figures
from tracker.gaps import rules as gaps

CURRENCY_PLACES = {"USD": 2, "EUR": 2, "JPY": 0, "KWD": 3}


@dataclass
class PlannedContribution:
    currency: str
    minor: int
    rate: Decimal
    status: str
    payments: list[tuple[int, Decimal]] = field(default_factory=list)  # (minor, rate)
    cancel: bool = False
    write_off: bool = False  # give up the unpaid rest, when it ends up committed

    @property
    def amount(self) -> Decimal:
        return Decimal(self.minor).scaleb(-CURRENCY_PLACES[self.currency])


def _cents(minor: int, currency: str, rate: Decimal) -> int:
    """Written apart from tracker.core.money on purpose: amount ÷ rate, half-even to the cent."""
    dollars = Decimal(minor).scaleb(-CURRENCY_PLACES[currency]) / rate
    return int(dollars.quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN) * 100)


def effective_status(c: PlannedContribution) -> str:
    """The status after the payments: money makes a pledge committed, the full amount makes it paid."""
    if c.payments and sum(m for m, _ in c.payments) >= c.minor:
        return "paid"
    if c.payments and c.status == "pledged":
        return "committed"
    return c.status


def reference(requirement_cents: int, planned: list[PlannedContribution]) -> dict[str, int]:
    """The figures of one gap, straight from the definitions in the README."""
    funding = pledged = received = written_off = exchange_difference = 0
    for c in planned:
        value = _cents(c.minor, c.currency, c.rate)
        paid_in = sum(_cents(m, c.currency, r) for m, r in c.payments)
        fully_paid = sum(m for m, _ in c.payments) >= c.minor
        status = effective_status(c)
        if c.cancel:
            continue
        given_up = 0
        if c.write_off and status == "committed":
            given_up = _cents(c.minor - sum(m for m, _ in c.payments), c.currency, c.rate)
        if status in ("committed", "paid"):
            counted = paid_in if fully_paid else max(value - given_up, paid_in)
            funding += counted
            received += counted if status == "paid" else paid_in
            written_off += given_up
            exchange_difference += paid_in - value if fully_paid else 0
        else:
            pledged += value
            received += paid_in
    return {
        "requirement": requirement_cents, "funding": funding, "pledged": pledged, "received": received,
        "written_off": written_off, "exchange_difference": exchange_difference,
        "shortfall": max(0, requirement_cents - funding), "surplus": max(0, funding - requirement_cents),
        "gap_if_pledges_honoured": max(0, requirement_cents - funding - pledged),
    }


currencies = st.sampled_from(sorted(CURRENCY_PLACES))
rates = st.decimals(min_value=Decimal("0.1"), max_value=Decimal(400), places=3)


@st.composite
def planned_contributions(draw):
    currency = draw(currencies)
    minor = draw(st.integers(min_value=1, max_value=10**10))
    rate = Decimal(1) if currency == "USD" else draw(rates)
    status = draw(st.sampled_from(["pledged", "committed", "paid"]))
    payments = draw(st.lists(st.tuples(st.integers(min_value=1, max_value=minor), rates), max_size=3))
    payments = [(m, Decimal(1) if currency == "USD" else r) for m, r in payments]
    cancel = not payments and draw(st.booleans())
    write_off = not cancel and draw(st.booleans())
    return PlannedContribution(currency, minor, rate, status, payments, cancel, write_off)


gap_plans = st.lists(
    st.tuples(st.integers(min_value=0, max_value=10**12), st.lists(planned_contributions(), max_size=6)),
    min_size=1, max_size=3,
)


examples = itertools.count()


def record_plans(plans) -> list[str]:
    """The planned gaps and their ledgers recorded through the services, in one transaction,
    each gap under a new code (records are never deleted, so examples add up); their codes."""
    codes = [f"E{next(examples)}" for _ in plans]
    with db.writing() as session:
        for code, (requirement_cents, planned) in zip(codes, plans):
            gap = factories.add_gap(session, code, str(Decimal(requirement_cents).scaleb(-2) or 1))
            if requirement_cents == 0:
                gap.original_requirement_cents = 0
            for i, c in enumerate(planned):
                made = factories.add_contribution(session, gap, str(c.amount), currency=c.currency,
                                                  rate=str(c.rate), status=c.status, donor=f"Donor {i % 2}")
                for minor, rate in c.payments:
                    factories.add_payment(session, made, str(Decimal(minor).scaleb(-CURRENCY_PLACES[c.currency])),
                                          rate=str(rate))
                if c.cancel:
                    contributions.cancel_contribution(session, made, "Withdrawn", made.version)
                if c.write_off and made.status == "committed":
                    contributions.write_off(session, made, "Budget cut", made.version)
    return codes


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(plans=gap_plans)
def test_figures_match_the_reference(app, plans):
    """Each example adds its own gaps (records are never deleted) and checks only those."""
    codes = record_plans(plans)
    with db.new_session() as session:
        found = gap_figures(session, codes)
    assert sorted(f.code for f in found) == sorted(codes)
    found.sort(key=lambda f: codes.index(f.code))
    for figures, (requirement_cents, planned) in zip(found, plans):
        expected = reference(requirement_cents, planned)
        assert {name: getattr(figures, f"{name}_cents") for name in expected} == expected


def test_pledges_are_shown_but_are_not_funding(session):
    gap = factories.add_gap(session, requirement="1000.00")
    factories.add_contribution(session, gap, "400.00", status="pledged")
    session.commit()
    figures = figures_of(session, gap.code)
    assert (figures.funding_usd, figures.pledged_usd, figures.shortfall_usd) == (0, 400, 1000)
    assert figures.gap_if_pledges_honoured_usd == 600


def test_coverage_may_pass_one_hundred_percent_with_a_surplus(session):
    gap = factories.add_gap(session, requirement="1000.00")
    factories.add_contribution(session, gap, "1500.00", status="committed")
    session.commit()
    figures = figures_of(session, gap.code)
    assert str(figures.coverage_pct) == "150.00"
    assert (figures.shortfall_cents, figures.surplus_cents) == (0, 50000)


def test_a_committed_contribution_counts_what_arrived_when_more_arrived(session):
    gap = factories.add_gap(session, requirement="1000.00")
    made = factories.add_contribution(session, gap, "100.00", currency="EUR", rate="1.00", status="committed")
    factories.add_payment(session, made, "60.00", rate="0.50")  # the euro rose: 60 EUR = 120 US$
    session.commit()
    figures = figures_of(session, gap.code)
    assert (figures.funding_cents, figures.received_cents) == (12000, 12000)


def test_the_revised_requirement_counts_and_the_original_is_kept(session):
    gap = factories.add_gap(session, requirement="1000.00")
    session.flush()
    entry = gaps.GapInput(code=gap.code, title=gap.title, country="KH", programme="TEST", requirement_usd=Decimal(800))
    gaps.update_gap(session, gap, entry, gap.version)
    session.commit()
    assert figures_of(session, gap.code).requirement_cents == 80000
    assert gap.original_requirement_cents == 100000


def test_a_gap_without_requirement_has_no_coverage_figure(session):
    gap = factories.add_gap(session, requirement="1.00")
    gap.original_requirement_cents = 0
    session.commit()
    assert figures_of(session, gap.code).coverage_pct is None


def test_totals_add_each_gaps_own_shortfall(session):
    over = factories.add_gap(session, "OVER", requirement="100.00")
    under = factories.add_gap(session, "UNDER", requirement="100.00")
    factories.add_contribution(session, over, "300.00")
    factories.add_contribution(session, under, "40.00")
    session.commit()
    totals = Totals.of(gap_figures(session))
    assert (totals.shortfall_cents, totals.surplus_cents, totals.funding_cents) == (6000, 20000, 34000)


def test_donor_figures_split_by_what_contributions_count_as(session):
    gap = factories.add_gap(session, requirement="10000.00")
    factories.add_contribution(session, gap, "100.00", donor="Japan", status="pledged")
    factories.add_contribution(session, gap, "200.00", donor="Japan", status="committed")
    paid = factories.add_contribution(session, gap, "300.00", donor=" JAPAN ", status="committed")
    factories.add_payment(session, paid, "300.00")
    cancelled = factories.add_contribution(session, gap, "50.00", donor="japan", status="pledged")
    contributions.cancel_contribution(session, cancelled, "Withdrawn", cancelled.version)
    session.commit()
    [japan] = donor_figures(session)
    assert (japan.pledged_cents, japan.committed_cents, japan.paid_cents, japan.cancelled_cents) == \
        (10000, 20000, 30000, 5000)
    assert (japan.funding_cents, japan.received_cents, japan.contributions) == (50000, 30000, 3)


def test_a_write_off_lowers_funding_by_the_unpaid_rest(session):
    gap = factories.add_gap(session, requirement="1000.00")
    made = factories.add_contribution(session, gap, "600.00")
    factories.add_payment(session, made, "250.00")
    contributions.write_off(session, made, "Donor's budget was cut", made.version)
    session.commit()
    figures = figures_of(session, gap.code)
    assert (figures.funding_cents, figures.written_off_cents, figures.received_cents) == (25000, 35000, 25000)
    assert figures.shortfall_cents == 75000
    [donor] = donor_figures(session)
    assert donor.funding_cents == 25000


def test_money_arriving_after_a_write_off_still_counts(session):
    gap = factories.add_gap(session, requirement="1000.00")
    made = factories.add_contribution(session, gap, "600.00")
    contributions.write_off(session, made, "Looked lost", made.version)
    factories.add_payment(session, made, "100.00")
    session.commit()
    assert figures_of(session, gap.code).funding_cents == 10000
