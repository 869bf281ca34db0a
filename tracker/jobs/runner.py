"""Running a job exactly once: lock, job history, one transaction, and survival of outages.

Every run, scheduled or "Run now", goes through :meth:`Runner.run`:

1. take the job's lock (tracker.jobs.locks); held by someone else → the run is recorded as
   skipped ("held by host:pid") and nothing else happens;
2. a scheduled run whose tick already ran ok elsewhere is skipped as well, so that two
   schedulers firing the same tick a few milliseconds apart still run it once;
3. the run is recorded as running, runs left without an outcome by a dead process are closed
   as failed, and the job does its work in ONE transaction: it commits all of it or none;
4. the outcome (ok or failed, rows changed, summary, error) is recorded, the lock released.

When the database itself cannot be reached, the run is logged, kept in memory as failed and
recorded by the first later run that reaches the database; the scheduler carries on and the
next tick tries again. Nothing here ever raises into APScheduler.
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime

from sqlalchemy.exc import SQLAlchemyError

from tracker.core import db
from tracker.core.models import JobRun, RunOutcome, utcnow
from tracker.imports import queue
from tracker.jobs import JOBS, Job, JobContext, locks, runs, ticks

log = logging.getLogger(__name__)


def _describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"[:2000]


class Runner:
    """Runs jobs on behalf of one scheduler process."""

    def __init__(self, config: Mapping, process: str | None = None, clock: Callable[[], datetime] = utcnow):
        self.config = config
        self.process = process or locks.this_process()
        self.clock = clock
        self.unrecorded: list[JobRun] = []
        self._unrecorded_lock = threading.Lock()  # jobs run in the scheduler's threads

    def run_scheduled(self, name: str, interval_seconds: int) -> JobRun:
        """The run of ``name`` for the current tick of its schedule."""
        return self.run(name, ticks.tick_of(self.clock(), interval_seconds))

    def run(self, name: str, scheduled_for: datetime | None = None) -> JobRun:
        """Run job ``name`` once, if no other process is running it; return the recorded run."""
        record = JobRun(job=name, scheduled_for=scheduled_for, started_at=self.clock(), process=self.process,
                        summary="")
        try:
            self._record_unrecorded()
            self._run_locked(JOBS[name], record)
        except SQLAlchemyError as error:
            record.outcome, record.finished_at = RunOutcome.FAILED.value, self.clock()
            record.error = record.error or f"The database could not be reached: {_describe(error)}"
            log.error("%s: failed, database unreachable; will record it when it is back: %s", name, error)
            with self._unrecorded_lock:
                self.unrecorded.append(record)
        return record

    def _record_unrecorded(self) -> None:
        with self._unrecorded_lock:
            while self.unrecorded:
                self._save(self.unrecorded[0])
                log.info("%s: recorded a run that failed while the database was unreachable",
                         self.unrecorded[0].job)
                self.unrecorded.pop(0)

    def _save(self, record: JobRun) -> None:
        with db.writing() as session:
            runs.save(session, record)

    def _run_locked(self, job: Job, record: JobRun) -> None:
        engine = db.current_engine()
        with locks.job_lock(engine, job.name, self.process, record.started_at,
                            self.config["TRACKER_JOB_LOCK_TTL"]) as claim:
            if not claim.held:
                return self._skip(record, f"held by {claim.holder}")
            if record.scheduled_for is not None:
                with db.new_session() as session:
                    done_by = runs.tick_run_by(session, job.name, record.scheduled_for)
                if done_by:
                    return self._skip(record, f"the tick of {record.scheduled_for:%Y-%m-%d %H:%M:%S} UTC "
                                              f"already ran in {done_by}")
            self._save(record)
            with db.writing() as session:
                runs.mark_interrupted(session, job.name, record.id, record.started_at)
            self._execute(job, record)

    def _skip(self, record: JobRun, reason: str) -> None:
        record.outcome, record.finished_at, record.summary = RunOutcome.SKIPPED.value, self.clock(), reason
        self._save(record)
        log.info("%s: skipped: %s", record.job, reason)

    def _execute(self, job: Job, record: JobRun) -> None:
        """The job's work in one transaction, then its delivery; the outcome either way."""
        context = JobContext(record.started_at, self.config)
        try:
            with db.writing() as session:
                result = job.run(session, context)
            record.rows_changed, record.summary = result.rows_changed, result.summary
            delivered = job.deliver(context) if job.deliver is not None else ""
            if delivered:  # a delivery with nothing to do (no IATI path set) says nothing
                record.summary = f"{record.summary} {delivered}"
            record.outcome = RunOutcome.OK.value
            log.info("%s: ok: %s", job.name, record.summary)
        except Exception as error:
            record.outcome, record.error = RunOutcome.FAILED.value, _describe(error)
            log.exception("%s: failed", job.name)
        record.finished_at = self.clock()
        self._save(record)

    def serve_requests(self) -> list[JobRun]:
        """Claim the waiting "Run now" requests and run them in this process."""
        with db.writing() as session:
            claimed = runs.claim_requests(session, self.process, self.clock())
        done = []
        for request in claimed:
            record = self.run(request.job)
            if record.id is not None:
                with db.writing() as session:
                    runs.link_request(session, request.id, record.id)
            done.append(record)
        return done

    def serve_imports(self) -> list[int]:
        """Record the imports queued by the web app (tracker.imports.queue) in this process."""
        return queue.serve(self.process, self.clock(), self.config)

    def report_schedule(self, entries: Iterable[tuple[str, int, datetime | None]]) -> None:
        with db.writing() as session:
            runs.report_schedule(session, entries, self.process, self.clock())
