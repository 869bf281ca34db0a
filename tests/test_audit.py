"""The audit trail: a row for every change, before and after, in the same transaction (that the
database refuses to alter it is tests/test_audit_guard.py)."""
from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from tests import factories
from tests.conftest import FormClient
from tracker.contributions import rules as contributions
from tracker.core import audit, mail
from tracker.core.models import AuditEntry, Reminder, utcnow
from tracker.gaps import rules as gaps
from tracker.rates import rules as rates
from tracker.schedules import outbox
from tracker.users import rules as users


def trail(session, record_type: str) -> list[tuple[str, dict | None, dict, str]]:
    entries = session.scalars(select(AuditEntry).where(AuditEntry.record_type == record_type)
                              .order_by(AuditEntry.id))
    return [(e.action, e.before and json.loads(e.before), json.loads(e.after), e.reason) for e in entries]


def test_a_recorded_contribution_names_who_and_from_where(forms, session):
    factories.add_gap(session, "KHM-SME")
    session.commit()
    forms.client.environ_base["REMOTE_ADDR"] = "192.0.2.10"
    forms.post("/gaps/KHM-SME/contributions/new", {
        "donor_id": "", "new_donor": "Sweden", "donor_type": "government", "amount": "5000.00",
        "currency": "USD", "status": "pledged"})
    entry = session.scalar(select(AuditEntry).where(AuditEntry.record_type == "contribution"))
    assert (entry.actor, entry.address, entry.action) == ("editor@example.org", "192.0.2.10", "create")
    assert json.loads(entry.after)["amount_minor"] == 500_000
    assert session.scalar(select(AuditEntry.actor).where(AuditEntry.record_type == "donor")) == "editor@example.org"


def test_every_kind_of_change_leaves_before_and_after(session):
    gap = factories.add_gap(session, "KHM-SME", requirement="720000.00")
    made = factories.add_contribution(session, gap, "100.00", currency="EUR", rate="0.8", donor="EU",
                                      status="pledged")
    factories.add_payment(session, made, "40.00", rate="0.8")
    revised = gaps.GapInput(code="KHM-SME", title=gap.title, country="KH", programme=gap.programme.code,
                            requirement_usd=Decimal(800000))
    gaps.update_gap(session, gap, revised, gap.version)
    other = factories.add_contribution(session, gap, "10.00", donor="EU")
    contributions.cancel_contribution(session, other, "Agreement withdrawn", other.version)
    rates.replace_typed_rate(session, "EUR", made.rate_date, Decimal("0.81"))
    rates.replace_typed_rate(session, "EUR", made.rate_date, Decimal("0.82"))
    user = factories.add_user(session, "viewer@example.org", "viewer")
    users.set_role(session, user, "editor")
    session.commit()

    assert trail(session, "gap")[1][:3] == (
        "update", {"revised_requirement_cents": None}, {"revised_requirement_cents": 80_000_000})
    assert trail(session, "payment")[0][2]["amount_minor"] == 4000
    assert trail(session, "contribution")[1][:3] == ("update", {"status": "pledged"}, {"status": "committed"})
    cancelled = trail(session, "contribution")[-1]
    assert cancelled[:3] == ("update", {"status": "committed", "cancel_reason": None, "cancelled_at": None},
                             {**cancelled[2], "status": "cancelled", "cancel_reason": "Agreement withdrawn"})
    assert cancelled[3] == "Agreement withdrawn"
    assert [t[0] for t in trail(session, "exchange rate")] == ["create", "update"]
    assert trail(session, "exchange rate")[1][1:3] == ({"units_per_usd": "0.81"}, {"units_per_usd": "0.82"})
    assert trail(session, "user")[1][1:3] == ({"role": "viewer"}, {"role": "editor"})
    assert trail(session, "donor")[0][2]["name"] == "EU"


def test_a_password_never_reaches_the_trail(session):
    user = factories.add_user(session)
    user.password_hash = "$argon2id$something-else"
    session.commit()
    assert all("$argon2" not in e.after for e in session.scalars(select(AuditEntry)))


def test_a_change_and_its_audit_row_commit_or_roll_back_together(session):
    factories.add_gap(session, "KHM-SME")
    session.rollback()
    assert session.scalar(select(func.count(AuditEntry.id))) == 0


def test_financial_records_cannot_be_deleted(session):
    gap = factories.add_gap(session, "KHM-SME")
    session.commit()
    session.delete(gap)
    with pytest.raises(RuntimeError, match="never deleted"):
        session.flush()


def test_the_admin_page_filters_the_trail(client_as, session):
    gap = factories.add_gap(session, "KHM-SME")
    factories.add_contribution(session, gap, "100.00", donor="Sweden")
    session.commit()
    admin = client_as("admin")
    page = admin.get("/admin/audit?record_type=donor").get_data(as_text=True)
    assert "Donor No. 1" in page and "Gap No." not in page
    assert admin.get("/admin/audit?since=yesterday").status_code == 400


def test_a_gap_page_shows_its_history(client, session):
    factories.add_gap(session, "KHM-SME")
    session.commit()
    page = client.get("/gaps/KHM-SME").get_data(as_text=True)
    assert "History" in page and "system" in page


def test_history_lists_a_records_changes_oldest_first(session):
    gap = factories.add_gap(session, "KHM-SME")
    gap.title = "Renamed"
    session.commit()
    assert [e.action for e in audit.history(session, "gap", gap.id)] == ["create", "update"]


def test_a_rebuilt_schedule_keeps_its_replaced_instalments_in_the_trail(session):
    gap = factories.add_gap(session, "KHM-SME")
    made = factories.add_contribution(session, gap, "300.00")
    factories.add_schedule(session, made, 3)
    replaced = [i.id for i in made.instalments]
    factories.add_payment(session, made, "100.00")
    contributions.edit_contribution(session, made, contributions.ContributionInput(
        donor=made.donor, status="committed", amount=Decimal("600.00"), currency="USD", rate=None, rate_date=None,
        decision_date=made.decision_date), made.version)
    session.commit()
    deleted = session.scalars(select(AuditEntry).where(AuditEntry.record_type == "instalment",
                                                       AuditEntry.action == "delete")).all()
    assert sorted(e.record_id for e in deleted) == replaced[1:]  # the paid first one stays
    assert all(json.loads(e.before)["paid_minor"] == 0 for e in deleted)


def test_a_reminder_marked_sent_names_who_marked_it(forms, session):
    gap = factories.add_gap(session, "KHM-SME")
    made = factories.add_contribution(session, gap, "300.00")
    factories.add_schedule(session, made, 1, "one-off", contributions.today() + timedelta(days=3))
    outbox.write_reminders(session, utcnow(), outbox.ReminderRules(40, 3, 7))
    reminder_id = session.scalar(select(Reminder.id))
    session.commit()
    forms.post(f"/reminders/{reminder_id}/sent", {}, token_from="/reminders")
    [(action, before, after, _reason)] = [e for e in trail(session, "reminder") if e[0] == "update"]
    assert (action, before) == ("update", {"sent_at": None, "sent_via": None})
    assert after["sent_via"] == "by hand" and after["sent_at"]
    assert last_actor(session, "reminder") == "editor@example.org"


def test_a_reminder_emailed_is_marked_sent_in_the_trail(app, session, monkeypatch):
    from tests.test_outbox import FakeSMTP

    monkeypatch.setattr(mail.smtplib, "SMTP", FakeSMTP)
    gap = factories.add_gap(session, "KHM-SME")
    made = factories.add_contribution(session, gap, "300.00")
    factories.add_schedule(session, made, 1, "one-off", contributions.today() + timedelta(days=3))
    outbox.write_reminders(session, utcnow(), outbox.ReminderRules(40, 3, 7))
    session.commit()
    smtp = outbox.SmtpSettings(mail.SmtpServer("smtp.example.org", 587, True, "", "", "tracker@example.org"),
                               "rm@example.org")
    assert "1 reminder(s) e-mailed" in outbox.send_unsent(smtp, utcnow())
    assert [e[2]["sent_via"] for e in trail(session, "reminder") if e[0] == "update"] == ["email"]


def test_run_now_names_the_admin_who_asked(client_as, session):
    admin = FormClient(client_as("admin"))
    admin.post("/admin/jobs/recompute/run", {}, token_from="/admin/jobs")
    [(action, before, after, _reason)] = trail(session, "run-now request")
    assert (action, before, after["job"], after["claimed_at"]) == ("create", None, "recompute", None)
    assert last_actor(session, "run-now request") == "admin@example.org"


def test_a_schedules_plan_and_its_changes_are_in_the_trail(forms, session):
    gap = factories.add_gap(session, "KHM-SME")
    made = factories.add_contribution(session, gap, "1000.00")
    session.commit()
    first_due = contributions.today() + timedelta(days=30)
    plan = {"count": "4", "frequency": "quarterly", "first_due_date": first_due.isoformat()}
    forms.post(f"/contributions/{made.id}/schedule", {**plan, "version": str(made.version)})
    session.refresh(made)
    session.commit()  # ends the read, which on SQLite holds the write lock of this write session
    forms.post(f"/contributions/{made.id}/schedule", {**plan, "count": "2", "version": str(made.version)})
    created, changed = trail(session, "payment schedule")
    assert created[:2] == ("create", None)
    assert created[2] == {"contribution_id": made.id, "frequency": "quarterly", "instalment_count": 4,
                          "first_due_date": first_due.isoformat()}
    assert changed[:3] == ("update", {"instalment_count": 4}, {"instalment_count": 2})
    assert last_actor(session, "payment schedule") == "editor@example.org"
    assert {e.record_id for e in session.scalars(select(AuditEntry).where(
        AuditEntry.record_type == "payment schedule"))} == {made.id}


def last_actor(session, record_type: str) -> str:
    return session.scalar(select(AuditEntry.actor).where(AuditEntry.record_type == record_type)
                          .order_by(AuditEntry.id.desc()).limit(1))
