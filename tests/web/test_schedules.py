"""Payment schedules, write-offs and the reminders outbox through the real forms, CSRF token and all."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests import factories
from tests.web.test_contributions import GOOD, error_beside
from tracker.contributions import rules as contributions
from tracker.core.figures import figures_of
from tracker.core.models import Instalment, Reminder, WriteOff, utcnow
from tracker.schedules import outbox

SOON = contributions.today() + timedelta(days=30)


@pytest.fixture
def commitment(session):
    gap = factories.add_gap(session, "KHM-SME", requirement="720000.00")
    made = factories.add_contribution(session, gap, "1000.00", donor="Government of Japan")
    session.commit()
    return made


def url(commitment, tail="schedule") -> str:
    return f"/contributions/{commitment.id}/{tail}"


def plan(commitment, **fields) -> dict:
    return {"count": "4", "frequency": "quarterly", "first_due_date": SOON.isoformat(),
            "version": str(commitment.version), **fields}


def post_typed(forms, commitment, lines: str):
    """The typed form lives on the schedule page, which carries its hidden fields."""
    return forms.post(url(commitment, "schedule/typed"), {"lines": lines, "version": str(commitment.version)},
                      token_from=url(commitment))


def instalment_amounts(session) -> list[int]:
    found = list(session.scalars(select(Instalment.amount_minor).order_by(Instalment.number)))
    session.commit()
    return found


def test_generated_instalments_are_shown_on_the_schedule_page(forms, session, commitment):
    response = forms.post(url(commitment), plan(commitment), follow_redirects=True)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "4 instalments" in page and page.count("250.00 USD") >= 4
    assert instalment_amounts(session) == [25000] * 4


@pytest.mark.parametrize("field, value, message", [
    ("count", "", "Enter the number of instalments."),
    ("count", "0", "Choose from 1 to 360 instalments."),
    ("count", "four", "Not a valid integer value."),
    ("count", "361", "Choose from 1 to 360 instalments."),
    ("first_due_date", "", "Enter the first due date."),
    ("first_due_date", "31/03/2027", "YYYY-MM-DD"),
    ("first_due_date", "2999-01-01", "A due date must fall between"),
    ("frequency", "weekly", "Choose monthly, quarterly, yearly or one-off."),
])
def test_a_bad_plan_is_refused_beside_the_field_and_nothing_is_stored(forms, session, commitment, field, value,
                                                                      message):
    response = forms.post(url(commitment), plan(commitment, **{field: value}))
    assert response.status_code == 400
    assert message in error_beside(response.get_data(as_text=True), field)
    assert instalment_amounts(session) == []


def test_a_one_off_of_several_instalments_is_refused(forms, session, commitment):
    response = forms.post(url(commitment), plan(commitment, frequency="one-off"))
    assert response.status_code == 400
    assert "A one-off payment has one instalment." in error_beside(response.get_data(as_text=True), "count")


@pytest.mark.parametrize("lines, message", [
    ("2027-03-31", "Line 1: write the due date, a space, then the amount"),
    (f"{SOON} 500.00\n31/12/2027 500.00", "Line 2: Enter the date as YYYY-MM-DD."),
    (f"{SOON} 500.005\n{SOON} 500", "Line 1: USD amounts have at most 2 decimal places."),
    (f"{SOON} NaN", "Line 1: Enter the amount as digits"),
    (f"{SOON} 400.00\n{SOON + timedelta(days=90)} 400.00", "add up to 800.00 USD; they must add up to 1,000.00 USD"),
    ("", "Type at least one instalment"),
])
def test_bad_typed_instalments_are_refused_beside_the_field(forms, session, commitment, lines, message):
    response = post_typed(forms, commitment, lines)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in error_beside(page, "lines")
    assert instalment_amounts(session) == []


def test_typed_instalments_are_saved_in_date_order(forms, session, commitment):
    lines = f"{SOON + timedelta(days=60)} 700.00\n\n{SOON} 300.00\n"
    assert post_typed(forms, commitment, lines).status_code == 302
    assert instalment_amounts(session) == [30000, 70000]


def test_a_plan_saved_over_a_newer_version_is_refused_with_409(forms, session, commitment):
    tab_a, tab_b = forms.hidden(url(commitment)), forms.hidden(url(commitment))  # two tabs, one version
    stale = plan(commitment)
    assert forms.client.post(url(commitment), data={**tab_a, **stale}).status_code == 302
    response = forms.client.post(url(commitment), data={**tab_b, **stale, "count": "2"})
    assert response.status_code == 409
    assert "changed by someone else" in response.get_data(as_text=True)
    assert instalment_amounts(session) == [25000] * 4


def test_a_pledge_gets_no_schedule(forms, session, commitment):
    pledge = factories.add_contribution(session, commitment.gap, "500.00", status="pledged")
    session.commit()
    page = forms.client.get(url(pledge)).get_data(as_text=True)
    assert "Generate instalments" not in page
    response = forms.post(url(pledge), plan(pledge), token_from=url(commitment))
    assert response.status_code == 400 and "Only a committed contribution" in response.get_data(as_text=True)


def test_editing_the_amount_through_the_form_rebuilds_without_duplicates(forms, session, commitment):
    forms.post(url(commitment), plan(commitment))
    factories.add_payment(session, commitment, "300.00", received=contributions.today())
    session.commit()
    edit = {**GOOD, "donor_id": str(commitment.donor_id), "new_donor": "", "currency": "USD", "rate": "",
            "status": "committed"}
    for amount in ("1600.00", "1200.00"):
        session.refresh(commitment)
        session.commit()  # end the test's transaction: on SQLite it holds the write lock
        response = forms.post(f"/contributions/{commitment.id}/edit",
                              {**edit, "amount": amount, "version": str(commitment.version)})
        assert response.status_code == 302
    assert instalment_amounts(session) == [25000, 25000, 35000, 35000]
    session.refresh(commitment)
    session.commit()
    response = forms.post(f"/contributions/{commitment.id}/edit",
                          {**edit, "amount": "400.00", "version": str(commitment.version)})
    assert response.status_code == 400
    assert "the amount cannot be less" in error_beside(response.get_data(as_text=True), "amount")


def test_writing_off_asks_for_a_reason_and_a_confirmation(forms, session, commitment):
    forms.post(url(commitment), plan(commitment))
    factories.add_payment(session, commitment, "300.00", received=contributions.today())
    session.commit()
    page = forms.client.get(url(commitment, "write-off")).get_data(as_text=True)
    assert "700.00 USD" in page and "has not been received" in page
    for fields, field, message in [({"reason": "Budget cut"}, "confirm", "Tick the box"),
                                   ({"reason": " ", "confirm": "y"}, "reason", "Say why")]:
        response = forms.post(url(commitment, "write-off"), {**fields, "version": str(commitment.version)})
        assert response.status_code == 400
        assert message in error_beside(response.get_data(as_text=True), field)
    assert session.scalar(select(func.count()).select_from(WriteOff)) == 0
    session.commit()
    response = forms.post(url(commitment, "write-off"),
                          {"reason": "Donor's budget was cut", "confirm": "y", "version": str(commitment.version)})
    assert response.status_code == 302
    gap_page = forms.client.get("/gaps/KHM-SME").get_data(as_text=True)
    assert "Written off" in gap_page and '"status written-off">written off</span> <small>700.00 USD</small>' in gap_page
    assert figures_of(session, "KHM-SME").funding_cents == 30000


def test_reminders_are_listed_and_marked_sent(forms, session, commitment):
    factories.add_schedule(session, commitment, 2, "yearly", SOON)
    session.commit()
    outbox.write_reminders(session, utcnow(), outbox.ReminderRules(40, 3, 7))
    session.commit()
    page = forms.client.get("/reminders").get_data(as_text=True)
    assert "Government of Japan" in page and "500.00 USD" in page and "<textarea" in page
    [reminder] = session.scalars(select(Reminder)).all()
    session.commit()
    token = forms.token("/reminders")
    response = forms.client.post(f"/reminders/{reminder.id}/sent", data={"csrf_token": token})
    assert response.status_code == 302
    session.refresh(reminder)
    session.commit()
    assert reminder.sent_via == "by hand" and reminder.sent_at is not None
    assert "Nothing to send." in forms.client.get("/reminders").get_data(as_text=True)
    assert "Sent " in forms.client.get("/reminders?show=all").get_data(as_text=True)
    assert forms.client.post(f"/reminders/{reminder.id}/sent").status_code == 400  # no CSRF token
    assert forms.client.post("/reminders/999/sent", data={"csrf_token": token}).status_code == 404
