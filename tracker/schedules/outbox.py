"""The reminders outbox: which instalments need a reminder, its text, and how it goes out.

The reminders job writes a reminder for each open instalment of a committed contribution
that falls due within ``days_ahead`` days or is overdue, at most ``max_per_instalment``
times, and no sooner than ``spacing_days`` after the previous one. Reminders stay in the
outbox (a page where staff copy them or mark them sent) unless SMTP is configured; then they
are e-mailed to the programme's mailbox (the tracker keeps no donor addresses).

E-mail is sent after the reminders are committed, one message at a time, each marked sent in
its own transaction: a crash between sending and marking means that message goes out again
next time (at least once), never that a reminder is lost.
"""
from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from tracker.core import db, money
from tracker.core.mail import SmtpServer
from tracker.core.models import (
    Contribution,
    ContributionStatus,
    Donor,
    Gap,
    Instalment,
    Reminder,
    ReminderKind,
    SentVia,
)
from tracker.schedules.instalments import OPEN

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReminderRules:
    days_ahead: int
    max_per_instalment: int
    spacing_days: int

    @classmethod
    def from_config(cls, config: Mapping) -> ReminderRules:
        return cls(config["TRACKER_REMINDERS_DAYS_AHEAD"], config["TRACKER_REMINDERS_MAX"],
                   config["TRACKER_REMINDERS_SPACING_DAYS"])


def _spaced_since(today: date, spacing_days: int) -> datetime:
    """Reminders written before this moment are far enough back: their UTC day is at least
    ``spacing_days`` before ``today``, whatever the time of day either was written."""
    return datetime.combine(today - timedelta(days=spacing_days - 1), time(), UTC)


def _due_instalments(session: Session, today: date, rules: ReminderRules):
    """(instalment, contribution, donor, gap) of every instalment that needs a reminder today."""
    earlier = (
        select(Reminder.instalment_id, func.count().label("count"), func.max(Reminder.created_at).label("last"))
        .group_by(Reminder.instalment_id)
        .subquery()
    )
    return session.execute(
        select(Instalment, Contribution, Donor, Gap)
        .join(Contribution, Contribution.id == Instalment.contribution_id)
        .join(Donor, Donor.id == Contribution.donor_id)
        .join(Gap, Gap.id == Contribution.gap_id)
        .outerjoin(earlier, earlier.c.instalment_id == Instalment.id)
        .where(
            Instalment.status.in_([s.value for s in OPEN]),
            Contribution.status == ContributionStatus.COMMITTED.value,
            Instalment.due_date <= today + timedelta(days=rules.days_ahead),
            func.coalesce(earlier.c.count, 0) < rules.max_per_instalment,
            or_(earlier.c.last.is_(None), earlier.c.last < _spaced_since(today, rules.spacing_days)),
        )
        .order_by(Instalment.due_date, Instalment.id)
    ).all()


def write_reminders(session: Session, now: datetime, rules: ReminderRules) -> int:
    """Add today's reminders to the outbox; return how many."""
    today = now.date()
    reminders = [_reminder(instalment, contribution, donor, gap, today, now)
                 for instalment, contribution, donor, gap in _due_instalments(session, today, rules)]
    session.add_all(reminders)
    session.flush()
    return len(reminders)


def _reminder(instalment: Instalment, contribution: Contribution, donor: Donor, gap: Gap, today: date,
              now: datetime) -> Reminder:
    due = instalment.amount_minor - instalment.paid_minor
    amount = f"{money.format_amount(money.from_minor(due, contribution.currency), contribution.currency)} " \
             f"{contribution.currency}"
    late = instalment.due_date < today
    when = (f"was due on {instalment.due_date.isoformat()} ({(today - instalment.due_date).days} days ago)" if late
            else f"is due on {instalment.due_date.isoformat()}")
    reference = f", reference {contribution.reference}" if contribution.reference else ""
    body = "\n".join([
        f"{donor.name}: contribution No. {contribution.id} to {gap.code} — {gap.title}{reference}.",
        f"Instalment {instalment.number}: {amount} {when}.",
        "Recorded by the Funding Gap Tracker. Mark this reminder sent once the donor has been contacted.",
    ])
    return Reminder(
        contribution_id=contribution.id, instalment_id=instalment.id, donor_id=donor.id,
        kind=(ReminderKind.OVERDUE if late else ReminderKind.DUE_SOON).value, due_date=instalment.due_date,
        amount_due_minor=due, currency=contribution.currency, created_at=now, body=body,
        subject=f"{'Overdue' if late else 'Due soon'}: {donor.name}, {amount} due {instalment.due_date}"[:300],
    )


def mark_sent(session: Session, reminder_id: int, via: SentVia, now: datetime) -> bool:
    """Mark the reminder sent; False when it already was (by someone else or by e-mail).

    Read again under a row lock (SQLite: the write transaction's lock), so of two people marking
    it at once only one does, and changed through the ORM, so the audit trail records who did.
    """
    reminder = session.get(Reminder, reminder_id, with_for_update=True, populate_existing=True)
    if reminder.sent_at is not None:
        return False
    reminder.sent_at, reminder.sent_via = now, via.value
    session.flush()
    return True


@dataclass(frozen=True)
class SmtpSettings:
    """Where reminders are e-mailed: the SMTP server and the programme's mailbox."""
    server: SmtpServer
    recipient: str

    @classmethod
    def from_config(cls, config: Mapping) -> SmtpSettings | None:
        """The settings, or None when reminders are not to be e-mailed."""
        server = SmtpServer.from_config(config)
        if server is None or not config["TRACKER_REMINDERS_TO"]:
            return None
        return cls(server, config["TRACKER_REMINDERS_TO"])


def send_unsent(smtp_settings: SmtpSettings | None, now: datetime) -> str:
    """E-mail every unsent reminder when SMTP is configured; say what happened."""
    if smtp_settings is None:
        return "SMTP is not configured: reminders wait in the outbox."
    with db.new_session() as session:
        unsent = session.execute(
            select(Reminder.id, Reminder.subject, Reminder.body).where(Reminder.sent_at.is_(None)).order_by(Reminder.id)
        ).all()
    if not unsent:
        return "Nothing to e-mail."
    server = smtp_settings.server
    with server.connect() as smtp:
        for reminder_id, subject, body in unsent:
            smtp.send_message(server.message(smtp_settings.recipient, subject, body))
            with db.writing() as session:
                mark_sent(session, reminder_id, SentVia.EMAIL, now)
    return f"{len(unsent)} reminder(s) e-mailed to {smtp_settings.recipient}."


@dataclass(frozen=True)
class OutboxLine:
    reminder: Reminder
    donor: str

    @property
    def amount_due(self):
        return money.from_minor(self.reminder.amount_due_minor, self.reminder.currency)


def count_reminders(session: Session, *, unsent_only: bool) -> int:
    query = select(func.count(Reminder.id))
    return session.scalar(query.where(Reminder.sent_at.is_(None)) if unsent_only else query)


def outbox_lines(session: Session, *, unsent_only: bool, limit: int, offset: int) -> list[OutboxLine]:
    """A page of reminders: unsent first, then newest first."""
    query = select(Reminder, Donor.name).join(Donor, Donor.id == Reminder.donor_id)
    if unsent_only:
        query = query.where(Reminder.sent_at.is_(None))
    query = query.order_by(Reminder.sent_at.is_not(None), Reminder.created_at.desc(), Reminder.id.desc())
    return [OutboxLine(*row) for row in session.execute(query.limit(limit).offset(offset))]
