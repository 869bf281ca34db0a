"""The reminders outbox: which instalments need a reminder, its text, and how it goes out.

The reminders job writes a reminder for each open instalment of a committed contribution
that falls due within ``days_ahead`` days or is overdue, at most ``max_per_instalment``
times, and no sooner than ``spacing_days`` after the previous one. Each is a letter
(``tracker.schedules.letters``) addressed when it is written: to the donor's focal point when
the donor's "send reminders to the focal point" is on and it has one, else to the programme's
mailbox (TRACKER_REMINDERS_TO) to be forwarded. Reminders stay in the outbox (a page where
staff copy them or mark them sent) unless SMTP is configured; then they are e-mailed.

E-mail is sent after the reminders are committed, one message at a time, each marked sent in
its own transaction: a crash between sending and marking means that message goes out again
next time (at least once, with the same Message-ID so a mail client can fold the copies),
never that a reminder is lost.

A recipient the server refuses is recorded against its reminder (``attempts``, ``failure``)
and the others go on. A permanent refusal (5xx) gives up at once (``failed_at``); a temporary
one (4xx) is tried again on the next runs until ``MAX_ATTEMPTS`` refusals. A reminder given up
is never e-mailed again: staff see why on the outbox page and reach the donor another way.
"""
from __future__ import annotations

import logging
import smtplib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from tracker.core import db, money
from tracker.core.mail import SmtpServer
from tracker.core.models import (
    Contribution,
    ContributionStatus,
    Donor,
    DonorContact,
    Gap,
    Instalment,
    Reminder,
    ReminderKind,
    SentVia,
)
from tracker.donors.contacts import focal_points
from tracker.schedules.instalments import OPEN
from tracker.schedules.letters import amount_text, letter

log = logging.getLogger(__name__)


#: Refusals of a recipient after which its reminder is given up (see the module's doc).
MAX_ATTEMPTS = 3


@dataclass(frozen=True)
class ReminderRules:
    """When reminders are written, and the signature their letters close with."""

    days_ahead: int
    max_per_instalment: int
    spacing_days: int
    signature: str = ""

    @classmethod
    def from_config(cls, config: Mapping) -> ReminderRules:
        return cls(config["TRACKER_REMINDERS_DAYS_AHEAD"], config["TRACKER_REMINDERS_MAX"],
                   config["TRACKER_REMINDERS_SPACING_DAYS"], config["TRACKER_LETTER_SIGNATURE"])


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
        .options(selectinload(Contribution.instalments))
    ).all()


def write_reminders(session: Session, now: datetime, rules: ReminderRules) -> int:
    """Add today's reminders to the outbox; return how many."""
    today = now.date()
    due = _due_instalments(session, today, rules)
    focal = focal_points(session, [donor.id for _, _, donor, _ in due if donor.remind_focal_point])
    reminders = [_reminder(instalment, contribution, donor, gap, today, now, rules.signature, focal.get(donor.id))
                 for instalment, contribution, donor, gap in due]
    session.add_all(reminders)
    session.flush()
    return len(reminders)


def _reminder(instalment: Instalment, contribution: Contribution, donor: Donor, gap: Gap, today: date,
              now: datetime, signature: str, focal_point: DonorContact | None) -> Reminder:
    """The reminder of ``instalment``, addressed to ``focal_point`` (None: the programme's mailbox)."""
    due = instalment.amount_minor - instalment.paid_minor
    late = instalment.due_date < today
    recipient_name, recipient_email = (focal_point.name, focal_point.email) if focal_point else ("", "")
    return Reminder(
        contribution_id=contribution.id, instalment_id=instalment.id, donor_id=donor.id,
        kind=(ReminderKind.OVERDUE if late else ReminderKind.DUE_SOON).value, due_date=instalment.due_date,
        amount_due_minor=due, currency=contribution.currency, created_at=now,
        recipient_name=recipient_name, recipient_email=recipient_email,
        body=letter(instalment, contribution, donor, gap, today=today, recipient_name=recipient_name,
                    signature=signature),
        subject=(f"{'Overdue' if late else 'Due soon'}: {donor.name}, {amount_text(due, contribution.currency)} "
                 f"due {instalment.due_date}")[:300],
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


def record_refusal(session: Session, reminder_id: int, code: int, reason: str, now: datetime) -> None:
    """Count a refusal of the reminder's recipient; give it up when permanent or the last allowed."""
    reminder = session.get(Reminder, reminder_id, with_for_update=True, populate_existing=True)
    reminder.attempts += 1
    reminder.failure = f"{code} {reason}"[:2000]
    if code >= 500 or reminder.attempts >= MAX_ATTEMPTS:
        reminder.failed_at = now
    session.flush()


@dataclass(frozen=True)
class SmtpSettings:
    """Where reminders are e-mailed: the SMTP server and the programme's mailbox ("" for none:
    the reminders addressed to it then wait in the outbox)."""
    server: SmtpServer
    mailbox: str

    @classmethod
    def from_config(cls, config: Mapping) -> SmtpSettings | None:
        """The settings, or None when no SMTP server is configured."""
        server = SmtpServer.from_config(config)
        return None if server is None else cls(server, config["TRACKER_REMINDERS_TO"])


def _to_send(mailbox: str) -> list[tuple[int, str, str, str]]:
    """(id, recipient, subject, body) of each reminder to e-mail now: unsent, not given up, and
    with somewhere to go."""
    with db.new_session() as session:
        unsent = session.execute(
            select(Reminder.id, Reminder.recipient_email, Reminder.subject, Reminder.body)
            .where(Reminder.sent_at.is_(None), Reminder.failed_at.is_(None)).order_by(Reminder.id)
        ).all()
    return [(i, to or mailbox, subject, body) for i, to, subject, body in unsent if to or mailbox]


def send_unsent(smtp_settings: SmtpSettings | None, now: datetime) -> str:
    """E-mail every reminder waiting to go when SMTP is configured; say what happened."""
    if smtp_settings is None:
        return "SMTP is not configured: reminders wait in the outbox."
    waiting = _to_send(smtp_settings.mailbox)
    if not waiting:
        return "Nothing to e-mail."
    server, refused = smtp_settings.server, 0
    with server.connect() as smtp:
        for reminder_id, recipient, subject, body in waiting:
            try:
                smtp.send_message(server.message(recipient, subject, body, key=f"reminder-{reminder_id}"))
            except smtplib.SMTPRecipientsRefused as error:
                code, reason = next(iter(error.recipients.values()))
                with db.writing() as session:
                    record_refusal(session, reminder_id, code, reason.decode(errors="replace"), now)
                refused += 1
                continue
            with db.writing() as session:
                mark_sent(session, reminder_id, SentVia.EMAIL, now)
    refusals = f"; {refused} refused by the mail server (see the outbox)" if refused else ""
    return f"{len(waiting) - refused} reminder(s) e-mailed{refusals}."


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
