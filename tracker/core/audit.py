"""The audit trail: every change to a record, written in the same transaction as the change.

A listener on the shared session factory sees each flush, and for every audited object that
was created or changed appends one ``audit_entry`` row: who (the session's actor), when
(UTC), what, the changed values before and after, the reason given, and the address.
Service code needs no audit calls of its own, so no change can skip the trail; it only
names a reason with :func:`give_reason` where the user typed one. Rows inserted in bulk (a
Core INSERT, which no flush sees: the import's) are recorded by :func:`record_created`, one
entry per row, the same entry the listener would have written. The database refuses
UPDATE and DELETE on ``audit_entry`` (triggers in the migration), and financial records
cannot be deleted through the ORM at all.
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import and_, event, func, insert, inspect, or_, select
from sqlalchemy.orm import Session, object_session

from tracker.core import bulk
from tracker.core.models import (
    AuditEntry,
    Contribution,
    Donor,
    DonorContact,
    ExchangeRate,
    FtsPlan,
    Gap,
    Instalment,
    JobRequest,
    Payment,
    PaymentSchedule,
    Programme,
    Reminder,
    SignInLink,
    User,
    WriteOff,
)

#: The record types that are audited, by the name the trail uses for them: the ledger, who may
#: use it, and what people do to it besides (a schedule's plan, a reminder marked sent, a job
#: run on request). A record is numbered by its primary key: a payment schedule by its
#: contribution's number.
AUDITED: dict[type, str] = {
    Gap: "gap", Donor: "donor", Contribution: "contribution", Payment: "payment", Instalment: "instalment",
    WriteOff: "write-off", ExchangeRate: "exchange rate", User: "user", PaymentSchedule: "payment schedule",
    Reminder: "reminder", JobRequest: "run-now request", DonorContact: "donor contact", SignInLink: "sign-in link",
    Programme: "programme", FtsPlan: "FTS plan mapping",
}
#: Plan rows that a rebuild replaces: an instalment that has received nothing is deleted and a
#: new one takes its number; the trail keeps what it was. Money records are never deleted.
REPLACEABLE = {Instalment}
#: Columns left out of the trail: secrets, and bookkeeping that changes on every save.
HIDDEN = {"password_hash": "(changed)", "token_hash": "(secret)"}
SKIPPED = {"version", "updated_at", "created_at", "session_epoch", "last_sign_in_at"}


@dataclass(frozen=True)
class Actor:
    """Who makes the changes of a session: a signed-in user, or a command or job by name."""

    name: str
    user_id: int | None = None
    address: str = ""


SYSTEM = Actor("system")


def give_reason(session: Session, reason: str) -> None:
    """The reason the user gave, recorded with the changes of the next flush."""
    session.info["audit_reason"] = reason.strip()


def register(session_factory) -> None:
    """Attach the trail to ``session_factory`` (once, however often the app is created).

    Deletes are caught per object by mapper events, which also see rows removed as orphans
    of a collection; creations and updates once per flush.
    """
    if event.contains(session_factory, "after_flush", _record_changes):
        return
    event.listen(session_factory, "after_flush", _record_changes)
    for model in AUDITED:
        event.listen(model, "before_delete", _record_replaced if model in REPLACEABLE else _refuse_delete)


def _refuse_delete(_mapper, _connection, target) -> None:
    raise RuntimeError(f"{AUDITED[type(target)]} records are never deleted; cancel or close them instead")


def _record_replaced(_mapper, connection, target) -> None:
    session = object_session(target)
    actor = session.info.get("actor", SYSTEM) if session else SYSTEM
    reason = session.info.get("audit_reason", "") if session else ""
    connection.execute(insert(AuditEntry), [_entry(actor, reason, "delete", AUDITED[type(target)], _number(target),
                                                   _values(target), {})])


def _record_changes(session: Session, _context) -> None:
    actor: Actor = session.info.get("actor", SYSTEM)
    reason = session.info.pop("audit_reason", "")
    rows = [
        _entry(actor, reason, action, AUDITED[type(obj)], _number(obj), before, after)
        for action, obj, before, after in [*_created(session), *_updated(session)]
    ]
    if rows:
        session.connection().execute(insert(AuditEntry), rows)


def record_created(session: Session, model: type, rows: Sequence[dict]) -> None:
    """One "create" entry per row of ``model`` inserted in bulk, as the listener writes it for an
    object added and flushed. ``rows`` are the values inserted, ``id`` included; a column left
    out was stored as its default."""
    actor: Actor = session.info.get("actor", SYSTEM)
    reason = session.info.get("audit_reason", "")
    shown = {c.key: c.columns[0].default for c in inspect(model).column_attrs if c.key not in SKIPPED}
    defaults = {key: default.arg if default is not None and default.is_scalar else None
                for key, default in shown.items()}
    bulk.insert_many(session, AuditEntry.__table__, [
        _entry(actor, reason, "create", AUDITED[model], row["id"], None,
               {key: _shown(key, row.get(key, defaults[key])) for key in defaults})
        for row in rows])


def _created(session: Session):
    for obj in session.new:
        if type(obj) in AUDITED:
            yield "create", obj, None, _values(obj)


def _values(obj) -> dict:
    columns = _columns(obj)
    return {a.key: _shown(a.key, a.value) for a in inspect(obj).attrs if a.key in columns and a.key not in SKIPPED}


def _updated(session: Session):
    for obj in session.dirty:
        if type(obj) not in AUDITED:
            continue
        before, after = {}, {}
        for attr in inspect(obj).attrs:
            if attr.key not in _columns(obj) or attr.key in SKIPPED:
                continue
            history = attr.history
            if history.has_changes() and history.deleted != history.added:
                before[attr.key] = _shown(attr.key, history.deleted[0] if history.deleted else None)
                after[attr.key] = _shown(attr.key, history.added[0] if history.added else None)
        if after:
            yield "update", obj, before, after


def _number(obj) -> int:
    """The record's number in the trail: its primary key (a payment schedule's is its contribution's)."""
    return inspect(obj).mapper.primary_key_from_instance(obj)[0]


def _columns(obj) -> set[str]:
    return {c.key for c in inspect(type(obj)).column_attrs}


def _shown(key: str, value):
    if key in HIDDEN:
        return HIDDEN[key]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


def _entry(actor: Actor, reason: str, action: str, record_type: str, record_id: int, before: dict | None,
           after: dict) -> dict:
    return {
        "at": datetime.now(UTC), "user_id": actor.user_id, "actor": actor.name, "address": actor.address,
        "action": action, "record_type": record_type, "record_id": record_id,
        "before": None if before is None else json.dumps(before, sort_keys=True, ensure_ascii=False),
        "after": json.dumps(after, sort_keys=True, ensure_ascii=False), "reason": reason,
    }


def history(session: Session, record_type: str, record_id: int,
            parts: Mapping[str, Iterable[int]] | None = None) -> list[AuditEntry]:
    """A record's changes, oldest first, with those of its ``parts`` (record type → numbers:
    a contribution's payments and write-off, which its page shows)."""
    wanted = [and_(AuditEntry.record_type == record_type, AuditEntry.record_id == record_id)]
    wanted += [and_(AuditEntry.record_type == kind, AuditEntry.record_id.in_(list(numbers)))
               for kind, numbers in (parts or {}).items() if numbers]
    return list(session.scalars(select(AuditEntry).where(or_(*wanted)).order_by(AuditEntry.id)))


def created_by(session: Session, record_type: str, record_id: int) -> str:
    """Who created a record, as the trail names them ("unknown" for records older than the trail)."""
    actor = session.scalar(
        select(AuditEntry.actor).where(AuditEntry.record_type == record_type, AuditEntry.record_id == record_id,
                                       AuditEntry.action == "create").order_by(AuditEntry.id).limit(1)
    )
    return actor or "unknown"


@dataclass(frozen=True)
class AuditFilter:
    """What /admin/audit narrows the trail to; every part optional."""

    record_type: str | None = None
    record_id: int | None = None
    actor: str | None = None
    since: date | None = None
    until: date | None = None

    def apply(self, query):
        if self.record_type:
            query = query.where(AuditEntry.record_type == self.record_type)
        if self.record_id is not None:
            query = query.where(AuditEntry.record_id == self.record_id)
        if self.actor:
            query = query.where(AuditEntry.actor == self.actor.strip().casefold())
        if self.since:
            query = query.where(AuditEntry.at >= datetime.combine(self.since, time.min, UTC))
        if self.until:
            query = query.where(AuditEntry.at < datetime.combine(self.until + timedelta(days=1), time.min, UTC))
        return query


def count_entries(session: Session, where: AuditFilter) -> int:
    return session.scalar(where.apply(select(func.count(AuditEntry.id))))


def entries(session: Session, where: AuditFilter, limit: int, offset: int = 0) -> list[AuditEntry]:
    """The trail, newest first."""
    return list(session.scalars(where.apply(select(AuditEntry)).order_by(AuditEntry.id.desc())
                                .limit(limit).offset(offset)))
