"""Reminders: which instalments get one, how many and how far apart, and how they go out."""
from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from sqlalchemy import select

from tests import factories
from tracker.contributions import rules as contributions
from tracker.core import mail
from tracker.core.models import Reminder
from tracker.jobs.runner import Runner
from tracker.schedules import outbox

DUE = contributions.today() + timedelta(days=100)
RULES = outbox.ReminderRules(days_ahead=14, max_per_instalment=4, spacing_days=7)


def at(day_offset: int, hour: int = 8) -> datetime:
    """A moment ``day_offset`` days from the due date, at ``hour`` UTC."""
    return datetime.combine(DUE + timedelta(days=day_offset), time(hour), UTC)


@pytest.fixture
def commitment(session):
    gap = factories.add_gap(session, "KHM-SME", requirement="720000.00")
    made = factories.add_contribution(session, gap, "1000.00", donor="Government of Japan", reference="JP-7")
    factories.add_schedule(session, made, 2, "yearly", DUE)
    session.commit()
    return made


def reminders(session) -> list[Reminder]:
    """The outbox, read fresh; the transaction is ended so that jobs can write (SQLite)."""
    session.expire_all()
    found = list(session.scalars(select(Reminder).order_by(Reminder.id)))
    session.commit()
    return found


def test_reminders_are_counted_and_spaced(session, commitment):
    written = []
    for day, hour in [(-20, 8), (-14, 8), (-13, 8), (-7, 0), (-1, 8), (0, 23), (6, 8), (7, 8), (14, 8), (30, 8)]:
        written.append(outbox.write_reminders(session, at(day, hour), RULES))
    session.commit()
    assert written == [0, 1, 0, 1, 0, 1, 0, 1, 0, 0]  # 14 days ahead, 7 days apart, at most 4
    found = reminders(session)
    assert [r.kind for r in found] == ["due soon", "due soon", "due soon", "overdue"]
    assert {r.instalment_id for r in found} == {commitment.instalments[0].id}
    assert found[-1].subject == f"Overdue: Government of Japan, 500.00 USD due {DUE.isoformat()}"
    assert "was due on" in found[-1].body and "(7 days ago)" in found[-1].body and "reference JP-7" in found[-1].body


def test_the_amount_due_is_what_is_still_unpaid(session, commitment):
    factories.add_payment(session, commitment, "120.00", received=contributions.today())
    outbox.write_reminders(session, at(-3), RULES)
    session.commit()
    [reminder] = reminders(session)
    assert (reminder.amount_due_minor, reminder.currency) == (38000, "USD")


def test_paid_written_off_and_cancelled_instalments_get_no_reminder(session, commitment):
    gap = commitment.gap
    paid = factories.add_contribution(session, gap, "100.00", donor="Paid up")
    factories.add_schedule(session, paid, 1, "one-off", DUE)
    factories.add_payment(session, paid, "100.00", received=contributions.today())
    lost = factories.add_contribution(session, gap, "100.00", donor="Budget cut")
    factories.add_schedule(session, lost, 1, "one-off", DUE)
    contributions.write_off(session, lost, "Budget cut", lost.version)
    withdrawn = factories.add_contribution(session, gap, "100.00", donor="Withdrawn")
    factories.add_schedule(session, withdrawn, 1, "one-off", DUE)
    contributions.cancel_contribution(session, withdrawn, "Withdrawn", withdrawn.version)
    session.commit()
    outbox.write_reminders(session, at(-1), RULES)
    session.commit()
    assert [r.contribution_id for r in reminders(session)] == [commitment.id]


class FakeSMTP:
    """Stands in for smtplib.SMTP: records what would have been sent."""

    sent: list = []

    def __init__(self, host, port, timeout):
        self.host, self.port = host, port

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def starttls(self, context):
        pass

    def login(self, user, password):
        pass

    def send_message(self, message):
        FakeSMTP.sent.append(message)


def test_reminders_are_emailed_only_when_smtp_is_configured(app, session, commitment, monkeypatch):
    monkeypatch.setattr(mail.smtplib, "SMTP", FakeSMTP)
    FakeSMTP.sent = []
    run = Runner(app.config, clock=lambda: at(-10)).run("reminders")
    assert run.outcome == "ok" and "SMTP is not configured" in run.summary
    assert [r.sent_at for r in reminders(session)] == [None]

    configured = {**app.config, "TRACKER_SMTP_HOST": "smtp.example.org", "TRACKER_REMINDERS_TO": "rm@example.org"}
    Runner(configured, clock=lambda: at(-5)).run("reminders")  # too soon for another; the first one goes out
    assert [(r.sent_via, r.sent_at is not None) for r in reminders(session)] == [("email", True)]
    assert [(m["To"], m["Subject"]) for m in FakeSMTP.sent] == [
        ("rm@example.org", f"Due soon: Government of Japan, 500.00 USD due {DUE.isoformat()}")]
