"""Payment schedules: instalments that add up, payments matched oldest first, rebuilds that keep
what was paid and never duplicate, write-offs and overdue flagging on a frozen clock."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select

from tests import factories
from tracker.contributions import rules as contributions
from tracker.core.errors import InvalidInput
from tracker.core.figures import figures_of
from tracker.core.models import Instalment, PaymentSchedule
from tracker.schedules import instalments as schedules

SOON = contributions.today() + timedelta(days=30)  # due dates still ahead, whatever day the tests run


def instalments(session, contribution) -> list[tuple[int, date, int, int, str]]:
    """(number, due date, amount, paid, status) of each instalment, in minor units, fresh from the database."""
    session.expire_all()
    rows = session.execute(
        select(Instalment.number, Instalment.due_date, Instalment.amount_minor, Instalment.paid_minor,
               Instalment.status)
        .where(Instalment.contribution_id == contribution.id).order_by(Instalment.number)
    )
    return [tuple(row) for row in rows]


@pytest.fixture
def gap(session):
    return factories.add_gap(session, "KHM-SME", requirement="720000.00")


def commitment(session, gap, amount="1000.00", **kwargs):
    return factories.add_contribution(session, gap, amount, **kwargs)


@pytest.mark.parametrize("amount, currency, rate, count, parts", [
    ("100000", "JPY", "150", 3, [33_333, 33_333, 33_334]),
    ("0.05", "USD", None, 3, [1, 1, 3]),
    ("1.000", "KWD", "0.307", 7, [142, 142, 142, 142, 142, 142, 148]),
])
def test_awkward_amounts_add_up_exactly_with_the_remainder_on_the_last(session, gap, amount, currency, rate,
                                                                       count, parts):
    made = commitment(session, gap, amount, currency=currency, rate=rate)
    factories.add_schedule(session, made, count, "monthly", SOON)
    session.commit()
    found = instalments(session, made)
    assert [amount for _, _, amount, _, _ in found] == parts
    assert sum(parts) == made.amount_minor
    assert [number for number, *_ in found] == list(range(1, count + 1))


@given(total=st.integers(min_value=1, max_value=10**15), count=st.integers(min_value=1, max_value=360))
def test_split_always_adds_up_and_only_the_last_differs(total, count):
    if total < count:
        return
    parts = schedules.split(total, count)
    assert sum(parts) == total and len(parts) == count
    assert len(set(parts[:-1])) <= 1 and 0 <= parts[-1] - parts[0] < count


def test_due_dates_stay_within_short_months():
    first = date(2027, 1, 31)
    assert [schedules.due_date(first, "monthly", k) for k in range(4)] == \
        [date(2027, 1, 31), date(2027, 2, 28), date(2027, 3, 31), date(2027, 4, 30)]
    assert schedules.due_date(first, "quarterly", 4) == date(2028, 1, 31)
    assert schedules.due_date(date(2028, 2, 29), "yearly", 1) == date(2029, 2, 28)


def test_only_a_committed_contribution_gets_a_schedule(session, gap):
    pledge = commitment(session, gap, status="pledged")
    with pytest.raises(InvalidInput, match="Only a committed contribution"):
        factories.add_schedule(session, pledge, 4)


def test_a_one_off_has_one_instalment(session, gap):
    made = commitment(session, gap)
    with pytest.raises(InvalidInput, match="one instalment") as raised:
        factories.add_schedule(session, made, 2, "one-off", SOON)
    assert raised.value.field == "count"


def test_too_small_an_amount_for_the_number_is_refused(session, gap):
    made = commitment(session, gap, "0.02")
    with pytest.raises(InvalidInput, match="cannot be split into 3"):
        factories.add_schedule(session, made, 3, "monthly", SOON)


def test_payments_fill_the_oldest_instalment_first_partly_and_over(session, gap):
    made = commitment(session, gap)
    factories.add_schedule(session, made, 4, "quarterly", SOON)
    factories.add_payment(session, made, "300.00")
    session.commit()
    assert [(paid, status) for *_, paid, status in instalments(session, made)] == \
        [(25000, "paid"), (5000, "partly paid"), (0, "pending"), (0, "pending")]
    factories.add_payment(session, made, "800.00")  # 100.00 more than the contribution
    session.commit()
    assert [(paid, status) for *_, paid, status in instalments(session, made)] == [(25000, "paid")] * 4
    assert made.status == "paid"
    assert figures_of(session, gap.code).received_cents == 110000


def test_a_typed_schedule_must_add_up_and_is_kept_in_date_order(session, gap):
    made = commitment(session, gap)
    later, sooner = SOON + timedelta(days=90), SOON
    wrong = schedules.TypedPlan(((later, 60000), (sooner, 30000)))
    with pytest.raises(InvalidInput, match="add up to 900.00 USD; they must add up to 1,000.00 USD"):
        contributions.set_schedule(session, made, wrong, made.version)
    contributions.set_schedule(session, made, schedules.TypedPlan(((later, 70000), (sooner, 30000))), made.version)
    session.commit()
    assert [(number, due, amount) for number, due, amount, *_ in instalments(session, made)] == \
        [(1, sooner, 30000), (2, later, 70000)]
    assert session.get(PaymentSchedule, made.id).frequency == "by hand"


def test_changing_the_amount_rebuilds_only_what_received_nothing(session, gap):
    """The CiviCRM defect: changing a pledge's amount created extra instalments. Not here."""
    made = commitment(session, gap)
    factories.add_schedule(session, made, 4, "quarterly", SOON)
    factories.add_payment(session, made, "300.00")
    session.commit()
    paid_rows = session.execute(select(Instalment.id, Instalment.amount_minor, Instalment.due_date)
                                .where(Instalment.number <= 2)).all()
    for amount in ("1600.00", "2000.00", "1000.00", "1600.00"):
        entry = contributions.ContributionInput(donor=made.donor, status="committed", amount=Decimal(amount),
                                                currency="USD", rate=None, rate_date=None,
                                                decision_date=made.decision_date)
        contributions.edit_contribution(session, made, entry, made.version)
        session.commit()
        found = instalments(session, made)
        assert len(found) == 4 and sum(a for _, _, a, _, _ in found) == made.amount_minor
    assert [(n, a, p, s) for n, _, a, p, s in found] == \
        [(1, 25000, 25000, "paid"), (2, 25000, 5000, "partly paid"), (3, 55000, 0, "pending"), (4, 55000, 0, "pending")]
    assert session.execute(select(Instalment.id, Instalment.amount_minor, Instalment.due_date)
                           .where(Instalment.number <= 2)).all() == paid_rows
    assert session.scalar(select(func.count()).select_from(PaymentSchedule)) == 1


def test_changing_the_number_and_first_date_keeps_paid_instalments(session, gap):
    made = commitment(session, gap, "1200.00")
    factories.add_schedule(session, made, 4, "quarterly", SOON)
    factories.add_payment(session, made, "300.00")
    moved = SOON + timedelta(days=200)
    factories.add_schedule(session, made, 6, "monthly", moved)
    session.commit()
    found = instalments(session, made)
    assert [(n, a, p) for n, _, a, p, _ in found] == \
        [(1, 30000, 30000)] + [(n, 18000, 0) for n in range(2, 7)]
    assert found[0][1] == SOON
    assert [due for _, due, *_ in found[1:]] == [schedules.due_date(moved, "monthly", k) for k in range(1, 6)]


def test_rebuilds_cannot_go_below_what_was_paid(session, gap):
    made = commitment(session, gap)
    factories.add_schedule(session, made, 4, "quarterly", SOON)
    factories.add_payment(session, made, "300.00")
    with pytest.raises(InvalidInput, match="choose at least 2"):
        factories.add_schedule(session, made, 1, "quarterly", SOON)
    entry = contributions.ContributionInput(donor=made.donor, status="committed", amount=Decimal("400.00"),
                                            currency="USD", rate=None, rate_date=None)
    with pytest.raises(InvalidInput, match="add up to 500.00 USD; the amount cannot be less"):
        contributions.edit_contribution(session, made, entry, made.version)


def test_new_instalments_cannot_fall_due_before_a_paid_one(session, gap):
    made = commitment(session, gap)
    factories.add_schedule(session, made, 4, "quarterly", SOON + timedelta(days=100))
    factories.add_payment(session, made, "250.00")
    with pytest.raises(InvalidInput, match="cannot fall due before it") as raised:
        factories.add_schedule(session, made, 4, "monthly", SOON - timedelta(days=400))
    assert raised.value.field == "first_due_date"


def test_an_increase_after_everything_was_paid_goes_to_a_new_last_instalment(session, gap):
    made = commitment(session, gap, "500.00")
    factories.add_schedule(session, made, 2, "yearly", SOON)
    factories.add_payment(session, made, "500.00")
    entry = contributions.ContributionInput(donor=made.donor, status="committed", amount=Decimal("650.00"),
                                            currency="USD", rate=None, rate_date=None)
    contributions.edit_contribution(session, made, entry, made.version)
    session.commit()
    assert [(n, due, a, p) for n, due, a, p, _ in instalments(session, made)] == \
        [(1, SOON, 25000, 25000), (2, schedules.due_date(SOON, "yearly", 1), 25000, 25000),
         (3, schedules.due_date(SOON, "yearly", 2), 15000, 0)]


def test_writing_off_closes_the_open_instalments(session, gap):
    made = commitment(session, gap)
    factories.add_schedule(session, made, 4, "quarterly", SOON)
    factories.add_payment(session, made, "300.00")
    with pytest.raises(InvalidInput, match="Say why") as raised:
        contributions.write_off(session, made, "  ", made.version)
    assert raised.value.field == "reason"
    given_up = contributions.write_off(session, made, "Donor's budget was cut", made.version)
    session.commit()
    assert given_up.amount_minor == 70000
    assert [status for *_, status in instalments(session, made)] == ["paid"] + ["written off"] * 3
    assert figures_of(session, gap.code).funding_cents == 30000
    with pytest.raises(InvalidInput, match="already written off"):
        contributions.write_off(session, made, "Again", made.version)
    for amount, status in (("2000.00", "committed"), ("1000.00", "paid")):
        entry = contributions.ContributionInput(donor=made.donor, status=status, amount=Decimal(amount),
                                                currency="USD", rate=None, rate_date=None)
        with pytest.raises(InvalidInput, match="written off, so the"):
            contributions.edit_contribution(session, made, entry, made.version)


def test_cancelling_cancels_the_instalments(session, gap):
    made = commitment(session, gap)
    factories.add_schedule(session, made, 2, "yearly", SOON)
    contributions.cancel_contribution(session, made, "Agreement withdrawn", made.version)
    session.commit()
    assert [status for *_, status in instalments(session, made)] == ["cancelled", "cancelled"]


def test_overdue_is_flagged_on_a_frozen_clock(session, gap):
    made = commitment(session, gap)
    factories.add_schedule(session, made, 4, "monthly", date(2031, 1, 31))
    factories.add_payment(session, made, "100.00")
    session.commit()
    assert schedules.flag_overdue(session, date(2031, 1, 31)).rows == 0  # due today is not yet late
    changes = schedules.flag_overdue(session, date(2031, 3, 1))
    session.commit()
    assert changes.instalments == [(made.id, 1), (made.id, 2)]
    assert changes.contributions == [made.id]
    assert [status for *_, status in instalments(session, made)] == ["overdue", "overdue", "pending", "pending"]
    assert made.overdue_since == date(2031, 1, 31)
    assert schedules.flag_overdue(session, date(2031, 3, 1)).rows == 0  # nothing new the same day


def test_paying_an_overdue_instalment_clears_the_overdue_status(session, gap):
    made = commitment(session, gap)
    factories.add_schedule(session, made, 2, "yearly", contributions.today() - timedelta(days=3))
    session.commit()
    assert made.overdue_since is not None
    version = made.version
    factories.add_payment(session, made, "500.00", received=contributions.today())
    session.commit()
    assert [status for *_, status in instalments(session, made)] == ["paid", "pending"]
    assert made.overdue_since is None
    # One version for the payment (a change to what hangs from the contribution), none for the
    # overdue flag it cleared: a derived status is not an edit.
    assert made.version == version + 1


def test_a_contribution_marked_paid_by_hand_is_no_longer_overdue(session, gap):
    made = commitment(session, gap)
    factories.add_schedule(session, made, 2, "yearly", contributions.today() - timedelta(days=3))
    session.commit()
    assert made.overdue_since is not None
    entry = contributions.ContributionInput(donor=made.donor, status="paid", amount=Decimal("1000.00"),
                                            currency="USD", rate=None, rate_date=None,
                                            decision_date=made.decision_date)
    contributions.edit_contribution(session, made, entry, made.version)
    session.commit()
    assert made.overdue_since is None
