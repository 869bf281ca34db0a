"""One lock per job, so that however many scheduler processes run, one of them runs a job at a time.

PostgreSQL: a session-level advisory lock taken with ``pg_try_advisory_lock`` on a connection
of its own, held for the whole run and released by closing that connection. A process that
dies (SIGKILL included) loses its connection, and the server releases the lock with it.

SQLite: a row per job in ``job_lock`` with an owner and an expiry, claimed by an UPDATE that
only succeeds when the row is free or expired. A SQLite database lives on one machine, so a
lock whose owner is a process of this machine that no longer exists is taken over at once;
otherwise it is free when it expires (``TRACKER_JOB_LOCK_TTL``).

Owners are named ``host:pid``; a process that cannot get a lock learns who holds it.
"""
from __future__ import annotations

import os
import socket
import zlib
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, or_, select, text, update
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import SQLAlchemyError

from tracker.core import db
from tracker.core.models import JobLock

#: First key of this app's two-key advisory locks ("trk"), so they cannot clash with another app's.
NAMESPACE = 0x74726B


def this_process() -> str:
    """How a process is named in locks and in the job history."""
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass(frozen=True)
class Claim:
    held: bool
    holder: str = ""  # who holds the lock, when it is not us


@contextmanager
def job_lock(engine: Engine, job: str, owner: str, now: datetime, ttl_seconds: int) -> Iterator[Claim]:
    """Try to take ``job``'s lock for the duration of the ``with`` block; never waits."""
    if engine.dialect.name == "postgresql":
        with _advisory_lock(engine, job, owner) as claim:
            yield claim
    else:
        with _row_lock(job, owner, now, ttl_seconds) as claim:
            yield claim


def _key(job: str) -> int:
    return zlib.crc32(job.encode()) & 0x7FFFFFFF


@contextmanager
def _advisory_lock(engine: Engine, job: str, owner: str) -> Iterator[Claim]:
    """The lock lives and dies with a connection detached from the pool: the process dying
    ends the database session, which releases the lock. A normal end unlocks explicitly first,
    because the server frees a closed connection's locks only when it notices, a moment later."""
    keys = {"namespace": NAMESPACE, "key": _key(job)}
    connection = engine.connect()
    connection.detach()
    held = False
    try:
        connection.execute(text("SELECT set_config('application_name', :name, false)"), {"name": owner[:63]})
        held = connection.scalar(text("SELECT pg_try_advisory_lock(:namespace, :key)"), keys)
        connection.commit()
        yield Claim(True) if held else Claim(False, _advisory_holder(connection, job))
    finally:
        if held:
            with suppress(SQLAlchemyError):  # a broken connection has lost the lock anyway
                connection.execute(text("SELECT pg_advisory_unlock(:namespace, :key)"), keys)
                connection.commit()
        connection.close()


def _advisory_holder(connection, job: str) -> str:
    holder = connection.execute(text(
        "SELECT a.application_name, a.pid FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
        "WHERE l.locktype = 'advisory' AND l.granted AND l.classid::bigint = :namespace "
        "AND l.objid::bigint = :key AND l.objsubid = 2"
    ), {"namespace": NAMESPACE, "key": _key(job)}).first()
    connection.commit()
    if holder is None:
        return "another process (it has just finished)"
    return holder.application_name or f"PostgreSQL backend {holder.pid}"


@contextmanager
def _row_lock(job: str, owner: str, now: datetime, ttl_seconds: int) -> Iterator[Claim]:
    claim = _claim_row(job, owner, now, ttl_seconds)
    try:
        yield claim
    finally:
        if claim.held:
            with db.writing() as session:
                session.execute(update(JobLock).where(JobLock.job == job, JobLock.owner == owner)
                                .values(owner=None, acquired_at=None, expires_at=None))


def _claim_row(job: str, owner: str, now: datetime, ttl_seconds: int) -> Claim:
    taken = {"owner": owner, "acquired_at": now, "expires_at": now + timedelta(seconds=ttl_seconds)}
    with db.writing() as session:
        session.execute(sqlite_insert(JobLock).values(job=job).on_conflict_do_nothing())
        free = update(JobLock).where(JobLock.job == job, or_(JobLock.owner.is_(None), JobLock.expires_at < now))
        if session.execute(free.values(**taken)).rowcount == 1:
            return Claim(True)
        holder = session.scalar(select(JobLock.owner).where(JobLock.job == job))
        if _gone(holder):
            orphaned = update(JobLock).where(JobLock.job == job, JobLock.owner == holder)
            if session.execute(orphaned.values(**taken)).rowcount == 1:
                return Claim(True)
        return Claim(False, holder)


def _gone(owner: str) -> bool:
    """True when ``owner`` was a process of this machine that no longer exists."""
    host, _, pid = owner.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False
