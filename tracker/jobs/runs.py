"""The job history, "Run now" requests, and the schedule the running scheduler reports.

Read by the admin page and the JSON API, written by the runner and the scheduler process.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from tracker.core.models import JobRequest, JobRun, JobSchedule, RunOutcome, as_utc

#: A scheduler that has not reported for this many poll intervals is taken as not running.
SILENT_POLLS = 3


def save(session: Session, run: JobRun) -> JobRun:
    """Insert ``run``, or update it when it has an id; ``run`` itself stays out of the session,
    so the runner can keep it, and retry saving it, across database outages."""
    saved = session.merge(run)
    session.flush()
    run.id = saved.id
    return saved


def tick_run_by(session: Session, job: str, tick: datetime) -> str | None:
    """The process that already ran ``job`` successfully for ``tick``, if one did."""
    return session.scalar(
        select(JobRun.process)
        .where(JobRun.job == job, JobRun.scheduled_for == tick, JobRun.outcome == RunOutcome.OK.value)
        .limit(1)
    )


def mark_interrupted(session: Session, job: str, current_run_id: int, now: datetime) -> int:
    """Close the runs of ``job`` left without an outcome by a process that died mid-run.

    Only safe under the job's lock: then no other run of the job is alive.
    """
    closed = session.execute(
        update(JobRun)
        .where(JobRun.job == job, JobRun.outcome.is_(None), JobRun.id != current_run_id)
        .values(outcome=RunOutcome.FAILED.value, finished_at=now,
                error="Interrupted: its process stopped before the run finished; nothing it did was kept.")
    )
    return closed.rowcount


def recent_runs(session: Session, job: str | None = None, limit: int = 100) -> list[JobRun]:
    """The latest runs, newest first, of every job or of ``job``."""
    query = select(JobRun).order_by(JobRun.started_at.desc(), JobRun.id.desc()).limit(limit)
    if job is not None:
        query = query.where(JobRun.job == job)
    return list(session.scalars(query))


def queue_request(session: Session, job: str, now: datetime) -> JobRequest:
    """Ask the scheduler to run ``job`` now; a request already waiting for it is reused."""
    waiting = session.scalar(select(JobRequest).where(JobRequest.job == job, JobRequest.claimed_at.is_(None)))
    if waiting is not None:
        return waiting
    request = JobRequest(job=job, requested_at=now)
    session.add(request)
    session.flush()
    return request


def waiting_requests(session: Session) -> list[JobRequest]:
    return list(session.scalars(select(JobRequest).where(JobRequest.claimed_at.is_(None)).order_by(JobRequest.id)))


def claim_requests(session: Session, process: str, now: datetime) -> list[JobRequest]:
    """Claim the waiting requests for ``process``. Each is claimed by a conditional UPDATE, so of
    several schedulers polling at once exactly one gets it."""
    claimed = []
    for request in waiting_requests(session):
        taken = session.execute(
            update(JobRequest).where(JobRequest.id == request.id, JobRequest.claimed_at.is_(None))
            .values(claimed_at=now, claimed_by=process)
            .execution_options(synchronize_session=False)
        )
        if taken.rowcount == 1:
            claimed.append(request)
    return claimed


def link_request(session: Session, request_id: int, run_id: int) -> None:
    session.execute(update(JobRequest).where(JobRequest.id == request_id).values(run_id=run_id))


def report_schedule(session: Session, entries: Iterable[tuple[str, int, datetime | None]], process: str,
                    now: datetime) -> None:
    """Record (job, interval in seconds, next run) as the scheduler ``process`` sees them at ``now``.

    An upsert, so that two schedulers reporting at once (one too many, but harmless) cannot collide.
    """
    upsert = postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    for job, interval_seconds, next_run_at in entries:
        values = {"interval_seconds": interval_seconds, "next_run_at": next_run_at, "process": process, "seen_at": now}
        session.execute(upsert(JobSchedule).values(job=job, **values)
                        .on_conflict_do_update(index_elements=["job"], set_=values))


def reported_schedules(session: Session) -> dict[str, JobSchedule]:
    return {row.job: row for row in session.scalars(select(JobSchedule))}


def running_scheduler(reported: dict[str, JobSchedule], now: datetime, poll_seconds: int) -> JobSchedule | None:
    """The latest of the ``reported`` schedules, when it is recent enough to mean a scheduler is
    running: what /admin/jobs and an import's progress page tell people."""
    latest = max(reported.values(), key=lambda row: as_utc(row.seen_at), default=None)
    quiet = timedelta(seconds=SILENT_POLLS * poll_seconds)
    return latest if latest is not None and now - as_utc(latest.seen_at) <= quiet else None
