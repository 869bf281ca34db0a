"""Two people doing two conflicting things to one contribution at the same moment.

Each pair below is posted through the real forms of a served app, both posts released
together by a barrier, several rounds on SQLite and on PostgreSQL. Whatever the timing:

- no answer is a 5xx, and a post that loses answers 400 or 409 with a message;
- the outcome is one that the two actions, done one after the other in some order, could
  have had: where they cannot both apply (cancel and pay) exactly one wins;
- the ledger holds: no cancelled contribution has money, a status follows its payments,
  no contribution is left on a merged donor, and the figures' received equals the payments.

Every such change locks the contribution's row first and gives it a new version
(``tracker.contributions.rules.lock``/``touch``); a merge locks both donors and the
contributions it moves, and recording locks its donor against a merge (``donors.rules.held``).
"""
from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pytest
import requests
from sqlalchemy import func, select

from tests import factories
from tests.conftest import hidden_fields
from tests.serving import signed_in
from tracker.contributions import payments
from tracker.contributions.rules import today
from tracker.core import db
from tracker.core.figures import figures_of
from tracker.core.models import Contribution, ContributionStatus, Donor, Gap, Payment, WriteOff

ROUNDS = 6
GAP = "RACE-1"
EDITOR = "racer@example.org"


@dataclass(frozen=True)
class Post:
    """A form as one person filled it in, ready to send: its address and every field."""

    url: str
    data: dict[str, str]


@dataclass(frozen=True)
class Round:
    """What one round starts from."""

    contribution_id: int
    payment_id: int  # a payment of 100.00 already on it, for the void
    donor_id: int
    other_donor_id: int


@pytest.fixture
def base(live_server) -> str:
    with db.new_session(write=True) as session:
        factories.add_gap(session, GAP)
        factories.add_user(session, EDITOR, "editor")
        session.commit()
    return live_server


def _new_round(number: int) -> Round:
    """A committed US$ 1,000.00 contribution with one payment of 100.00, from a donor of its own."""
    with db.new_session(write=True) as session:
        gap = session.scalar(select(Gap).where(Gap.code == GAP))
        contribution = factories.add_contribution(session, gap, "1000.00", donor=f"Donor {number}",
                                                  reference=f"AGR-{number}")
        payment = factories.add_payment(session, contribution, "100.00")
        other = factories.add_contribution(session, gap, "5.00", donor=f"Other donor {number}").donor
        session.commit()
        return Round(contribution.id, payment.id, contribution.donor_id, other.id)


def _opened(browser: requests.Session, url: str, data: dict[str, str]) -> Post:
    """Open the form as a person does (its hidden version, key and token), then fill it in."""
    page = browser.get(url, timeout=60)
    assert page.status_code == 200, (url, page.status_code)
    return Post(url, {**hidden_fields(page.text), **data})


def pay(browser, base: str, race: Round) -> Post:
    return _opened(browser, f"{base}/contributions/{race.contribution_id}/payments/new",
                   {"date_received": today().isoformat(), "amount": "200.00", "rate": "", "reference": "PAY-2"})


def cancel(browser, base: str, race: Round) -> Post:
    return _opened(browser, f"{base}/contributions/{race.contribution_id}/cancel", {"reason": "Recorded in error"})


def write_off(browser, base: str, race: Round) -> Post:
    return _opened(browser, f"{base}/contributions/{race.contribution_id}/write-off",
                   {"reason": "The donor closed the fund", "confirm": "y"})


def _contribution(donor_id: int, amount: str, decided: str, reference: str) -> dict[str, str]:
    """The contribution form filled in for a committed US$ contribution from a donor picked in the list."""
    return {"donor_id": str(donor_id), "new_donor": "", "donor_type": "other", "donor_country": "",
            "amount": amount, "currency": "USD", "rate": "", "rate_date": "", "status": "committed",
            "decision_date": decided, "reference": reference, "note": ""}


def edit(browser, base: str, race: Round) -> Post:
    return _opened(browser, f"{base}/contributions/{race.contribution_id}/edit",
                   _contribution(race.donor_id, "1200.00", "2026-01-15", "AGR-EDITED"))


def void(browser, base: str, race: Round) -> Post:
    return _opened(browser, f"{base}/payments/{race.payment_id}/void", {"reason": "Booked twice"})


def record(browser, base: str, race: Round) -> Post:
    """A new contribution from the donor being merged, picked from the list."""
    return _opened(browser, f"{base}/gaps/{GAP}/contributions/new",
                   _contribution(race.donor_id, "300.00", "2026-02-01", "AGR-NEW"))


def merge(browser, base: str, race: Round) -> Post:
    """Merge the round's donor into the other one, up to its confirmation page."""
    pick = _opened(browser, f"{base}/donors/{race.donor_id}/merge", {"into": str(race.other_donor_id)})
    confirmation = browser.post(pick.url, data=pick.data, timeout=60)
    assert confirmation.status_code == 200, confirmation.text[:2000]
    return Post(pick.url, {**hidden_fields(confirmation.text), "into": str(race.other_donor_id), "confirmed": "1"})


Action = Callable[[requests.Session, str, Round], Post]


def _race(base: str, first: Action, second: Action, race: Round) -> tuple[int, int]:
    """Both people open their forms, then send them at the same moment; their status codes."""
    start = threading.Barrier(2)

    def one(action: Action) -> requests.Response:
        with signed_in(base, EDITOR, factories.PASSWORD) as browser:
            try:
                post = action(browser, base, race)
            except BaseException:
                start.abort()
                raise
            start.wait(timeout=60)
            return browser.post(post.url, data=post.data, allow_redirects=False, timeout=60)

    with ThreadPoolExecutor(max_workers=2) as pool:
        answers = [future.result() for future in [pool.submit(one, first), pool.submit(one, second)]]
    for answer in answers:
        assert answer.status_code < 500, answer.text[:2000]
        if answer.status_code != 302:
            assert answer.status_code in (400, 409), answer.status_code
            assert 'role="alert"' in answer.text, answer.text[:2000]  # the reason, said on the page
    return answers[0].status_code, answers[1].status_code


def _ledger_holds() -> None:
    """What no timing may break, over every contribution of the gap."""
    with db.new_session() as session:
        for contribution in session.scalars(select(Contribution)):
            received = session.scalar(select(func.coalesce(func.sum(Payment.amount_minor), 0)).where(
                Payment.contribution_id == contribution.id, Payment.voided_at.is_(None)))
            if contribution.status == ContributionStatus.CANCELLED:
                assert received == 0, f"cancelled contribution {contribution.id} has money"
            elif received >= contribution.amount_minor:
                assert contribution.status == ContributionStatus.PAID, contribution.id
            elif received > 0:
                assert contribution.status == ContributionStatus.COMMITTED, contribution.id
            assert contribution.donor.merged_into_id is None, f"contribution {contribution.id} is on an alias"
        live_payments = session.scalar(select(func.coalesce(func.sum(Payment.usd_cents), 0)).where(
            Payment.voided_at.is_(None)))
        assert figures_of(session, GAP).received_cents == live_payments


def _payments(session, race: Round) -> list[Payment]:
    return list(session.scalars(select(Payment).where(Payment.contribution_id == race.contribution_id,
                                                      Payment.voided_at.is_(None))))


def test_cancel_and_pay_at_once_exactly_one_wins(base):
    for number in range(ROUNDS):
        race = _new_round(number)
        with db.new_session(write=True) as session:  # without money received, it may be cancelled
            voided = session.get(Payment, race.payment_id)
            payments.void_payment(session, voided, "Set-up: cancelling needs no money received", voided.version)
            session.commit()
        cancelled, paid = _race(base, cancel, pay, race)
        assert sorted((cancelled, paid)) != [302, 302], "a cancelled contribution received money"
        assert 302 in (cancelled, paid)
        with db.new_session() as session:
            contribution = session.get(Contribution, race.contribution_id)
            assert (contribution.status == ContributionStatus.CANCELLED) == (cancelled == 302)
            assert len(_payments(session, race)) == (1 if paid == 302 else 0)
        _ledger_holds()


def test_write_off_and_pay_at_once_leave_a_serial_outcome(base):
    for number in range(ROUNDS):
        race = _new_round(number)
        written, paid = _race(base, write_off, pay, race)
        assert paid == 302, "a payment is always accepted on a committed contribution"
        with db.new_session() as session:
            given_up = session.scalar(select(WriteOff).where(WriteOff.contribution_id == race.contribution_id))
            if written == 302:  # first: it gave up the rest as it was before the payment
                assert given_up.amount_minor == 1000_00 - 100_00
            else:  # second: its form was older than the payment
                assert written == 409 and given_up is None
        _ledger_holds()


def test_edit_and_pay_at_once_leave_a_serial_outcome(base):
    for number in range(ROUNDS):
        race = _new_round(number)
        edited, paid = _race(base, edit, pay, race)
        assert paid == 302
        with db.new_session() as session:
            contribution = session.get(Contribution, race.contribution_id)
            assert len(_payments(session, race)) == 2
            if edited == 302:
                assert (contribution.amount_minor, contribution.reference) == (1200_00, "AGR-EDITED")
            else:
                assert edited == 409 and contribution.amount_minor == 1000_00
        _ledger_holds()


def test_void_and_pay_at_once_both_apply(base):
    for number in range(ROUNDS):
        race = _new_round(number)
        assert _race(base, void, pay, race) == (302, 302)
        with db.new_session() as session:
            assert [p.amount_minor for p in _payments(session, race)] == [200_00]
            assert session.get(Contribution, race.contribution_id).status == ContributionStatus.COMMITTED
        _ledger_holds()


def test_merge_and_record_at_once_leave_nothing_on_the_alias(base):
    for number in range(ROUNDS):
        race = _new_round(number)
        merged, recorded = _race(base, merge, record, race)
        assert recorded == 302
        with db.new_session() as session:
            new = session.scalar(select(Contribution).where(Contribution.reference == "AGR-NEW",
                                                            Contribution.amount_minor == 300_00,
                                                            Contribution.decision_date.is_not(None))
                                 .order_by(Contribution.id.desc()).limit(1))
            donor = session.get(Donor, race.donor_id)
            if merged == 302:
                assert donor.merged_into_id == race.other_donor_id
                assert new.donor_id == race.other_donor_id
            else:
                assert merged == 409 and new.donor_id == race.donor_id
        _ledger_holds()
