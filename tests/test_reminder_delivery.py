"""Reminders e-mailed through a real SMTP server (aiosmtpd on 127.0.0.1, started per test): to
whom, exactly once, again after a crash between sending and marking, and past a refused
recipient."""
from __future__ import annotations

import socket
from datetime import UTC, datetime, time, timedelta
from email import message_from_bytes

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from tests import factories
from tracker.contributions import rules as contributions
from tracker.core.models import Reminder
from tracker.donors import contacts
from tracker.donors import rules as donors
from tracker.jobs.runner import Runner
from tracker.schedules import outbox

DUE = contributions.today() + timedelta(days=100)
MAILBOX = "rm@example.org"
REFUSED = "gone@donor.example"
LANGUAGES = ["en"]


def at(day_offset: int) -> datetime:
    return datetime.combine(DUE + timedelta(days=day_offset), time(8), UTC)


class Recorder:
    """An aiosmtpd handler: keeps each message it accepts, refuses ``REFUSED`` with 550."""

    def __init__(self):
        self.messages = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address == REFUSED:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((list(envelope.rcpt_tos), message_from_bytes(envelope.content)))
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server():
    recorder = Recorder()
    controller = Controller(recorder, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller.port, recorder
    controller.stop()


@pytest.fixture
def mailing(app, smtp_server):
    """Run the reminders job at ``day`` with SMTP pointed at the test server."""
    port, _ = smtp_server
    config = {**app.config, "TRACKER_SMTP_HOST": "127.0.0.1", "TRACKER_SMTP_PORT": port,
              "TRACKER_SMTP_STARTTLS": 0, "TRACKER_REMINDERS_TO": MAILBOX,
              "TRACKER_LETTER_SIGNATURE": "Jane Roe\nResource Mobilisation, UN Cambodia"}
    return lambda day: Runner(config, clock=lambda: at(day)).run("reminders")


def commitment(session, donor: str, reference: str = ""):
    gap = factories.add_gap(session, f"G-{donor[:5].upper()}", requirement="720000.00")
    made = factories.add_contribution(session, gap, "1000.00", donor=donor, reference=reference)
    factories.add_schedule(session, made, 2, "yearly", DUE)
    return made


def with_focal_point(session, made, email: str, name: str = "Aiko Tanaka", switch: bool = True):
    donor = made.donor
    contacts.add_contact(session, donor, contacts.ContactInput(name, email, "focal point", "en"), LANGUAGES)
    donors.update_donor(session, donor, donors.DonorInput(donor.name, donor.type, None, switch), donor.version)


def reminders(session) -> list[Reminder]:
    session.expire_all()
    found = list(session.scalars(select(Reminder).order_by(Reminder.id)))
    session.commit()
    return found


def test_a_reminder_goes_to_the_focal_point_once_as_a_letter(session, mailing, smtp_server):
    made = commitment(session, "Government of Japan", reference="JP-7")
    with_focal_point(session, made, "aiko.tanaka@mofa.example")
    session.commit()
    assert mailing(-10).outcome == "ok"
    assert mailing(-9).outcome == "ok"  # nothing new to write, nothing left to send
    _, recorder = smtp_server
    [(to, message)] = recorder.messages
    assert to == ["aiko.tanaka@mofa.example"] and message["To"] == "aiko.tanaka@mofa.example"
    [reminder] = reminders(session)
    assert (reminder.recipient_email, reminder.sent_via) == ("aiko.tanaka@mofa.example", "email")
    assert message["Message-ID"] == f"<reminder-{reminder.id}@localhost>"
    body = message.get_payload(decode=True).decode().replace("\r\n", "\n")
    assert body == reminder.body  # what staff see on /reminders is what the donor got
    assert body.startswith("Dear Aiko Tanaka,")
    assert "reference JP-7" in body and f"Instalment 1, due {DUE.isoformat()}: 500.00 USD" in body
    assert "- Instalment 2, due " in body
    assert "How to pay" in body and body.rstrip().endswith("Jane Roe\nResource Mobilisation, UN Cambodia")
    assert "Mark this reminder" not in body and "Funding Gap Tracker" not in body


def test_the_switch_off_sends_to_the_programme_mailbox(session, mailing, smtp_server):
    made = commitment(session, "Government of Japan")
    with_focal_point(session, made, "aiko.tanaka@mofa.example", switch=False)
    session.commit()
    mailing(-10)
    _, recorder = smtp_server
    assert [to for to, _ in recorder.messages] == [[MAILBOX]]
    [reminder] = reminders(session)
    assert reminder.recipient_email == "" and reminder.body.startswith("Dear colleagues at Government of Japan,")


def test_the_switch_on_without_a_live_focal_point_sends_to_the_mailbox(session, mailing, smtp_server):
    made = commitment(session, "Government of Japan")
    contacts.add_contact(session, made.donor, contacts.ContactInput("Ken Sato", "ken@mofa.example", "finance", "en"),
                         LANGUAGES)
    left = factories.add_contact(session, made.donor, email="left@mofa.example")
    contacts.update_contact(session, left, contacts.ContactInput(left.name, left.email, left.role, "en", retired=True),
                            left.version, LANGUAGES, at(-20))
    donors.update_donor(session, made.donor, donors.DonorInput(made.donor.name, made.donor.type, None, True),
                        made.donor.version)
    session.commit()
    mailing(-10)
    _, recorder = smtp_server
    assert [to for to, _ in recorder.messages] == [[MAILBOX]]


def test_a_crash_between_sending_and_marking_sends_again_and_loses_nothing(session, mailing, smtp_server,
                                                                          monkeypatch):
    first = commitment(session, "Government of Japan")
    with_focal_point(session, first, "aiko.tanaka@mofa.example")
    commitment(session, "Sweden")
    session.commit()
    marking = outbox.mark_sent

    def dies_once(*args):
        monkeypatch.setattr(outbox, "mark_sent", marking)
        raise SystemError("the process died here")

    monkeypatch.setattr(outbox, "mark_sent", dies_once)
    assert mailing(-10).outcome == "failed"
    _, recorder = smtp_server
    assert [to for to, _ in recorder.messages] == [["aiko.tanaka@mofa.example"]]
    assert [r.sent_at for r in reminders(session)] == [None, None]  # both committed, neither marked

    assert mailing(-9).outcome == "ok"
    assert [to for to, _ in recorder.messages] == [["aiko.tanaka@mofa.example"], ["aiko.tanaka@mofa.example"],
                                                  [MAILBOX]]
    assert len({m["Message-ID"] for _, m in recorder.messages[:2]}) == 1  # the copy is recognisable
    assert all(r.sent_via == "email" for r in reminders(session))
    mailing(-8)
    assert len(recorder.messages) == 3


def test_a_refused_recipient_is_recorded_and_the_others_go_out(session, mailing, smtp_server):
    refused = commitment(session, "Gone Foundation")
    with_focal_point(session, refused, REFUSED)
    fine = commitment(session, "Government of Japan")
    with_focal_point(session, fine, "aiko.tanaka@mofa.example")
    commitment(session, "Sweden")
    session.commit()
    run = mailing(-10)
    assert run.outcome == "ok" and "1 refused" in run.summary
    _, recorder = smtp_server
    assert sorted(to for [to], _ in recorder.messages) == ["aiko.tanaka@mofa.example", MAILBOX]
    by_donor = {r.recipient_email: r for r in reminders(session)}
    gone = by_donor[REFUSED]
    assert (gone.sent_at, gone.attempts, gone.failed_at is not None) == (None, 1, True)
    assert gone.failure.startswith("550") and "No such mailbox" in gone.failure
    mailing(-9)  # a permanent refusal is not tried again
    assert len(recorder.messages) == 2 and reminders(session)[0].attempts == 1


def test_a_temporary_refusal_is_tried_again_until_the_last_attempt(session):
    made = commitment(session, "Government of Japan")
    session.commit()
    outbox.write_reminders(session, at(-10), outbox.ReminderRules(14, 3, 7))
    session.commit()
    [reminder] = reminders(session)
    for attempt in range(1, outbox.MAX_ATTEMPTS + 1):
        outbox.record_refusal(session, reminder.id, 451, "Try again later", at(-10))
        session.commit()
        assert (reminder.attempts, reminder.failed_at is not None) == (attempt, attempt == outbox.MAX_ATTEMPTS)
    assert made.id == reminder.contribution_id
