"""Imports too large for a web request, recorded by the scheduler process.

An import of more than ``IMPORT_JOB_ROWS`` rows is not recorded by the request that confirms it:
the request queues it (a row of ``import_job``, as "Run now" queues a ``job_request``) and the
browser goes to its progress page. The scheduler's poll (``tracker.jobs.scheduler``) claims the
queued imports, each with a conditional UPDATE so that of several schedulers exactly one gets
it, and records each through ``tracker.imports.recording`` in the name of the person who
confirmed it: the job checks the file again, so what changed since the confirmation counts.

Recording an import twice adds nothing: its upload's result is its one-time key
(``uploads.claim_result``, written in the transaction of the inserts) and each row's key is
unique. So an import left running by a process that died is claimed again once it has run for
``TRACKER_JOB_LOCK_TTL``.
"""
from __future__ import annotations

import json
import logging
from collections.abc import Mapping as Settings
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from tracker.core import db
from tracker.core.audit import Actor
from tracker.core.models import ImportJob, ImportJobState, ImportUpload, utcnow
from tracker.imports import recording, uploads
from tracker.imports.files import UnreadableFile, read_upload
from tracker.imports.mapping import Mapping
from tracker.imports.report import summary
from tracker.imports.run import Choices, ImportConflict, ImportResult

log = logging.getLogger(__name__)

ACTIVE = (ImportJobState.QUEUED.value, ImportJobState.RUNNING.value)


def queue_import(session: Session, token: str, chosen: Mapping, choices: Choices, actor: Actor) -> ImportJob:
    """Queue the import of upload ``token``; the one already queued or running for it is kept."""
    active = _active(session, token)
    if active is not None:
        return active
    job = ImportJob(upload_token=token, choices=_encoded(chosen, choices), actor=actor.name, user_id=actor.user_id,
                    address=actor.address)
    session.add(job)
    session.flush()
    return job


def latest_job(session: Session, token: str) -> ImportJob | None:
    """The last import job of upload ``token``, for its progress page."""
    return session.scalar(select(ImportJob).where(ImportJob.upload_token == token)
                          .order_by(ImportJob.id.desc()).limit(1))


def _active(session: Session, token: str) -> ImportJob | None:
    return session.scalar(select(ImportJob).where(ImportJob.upload_token == token, ImportJob.state.in_(ACTIVE)))


def serve(process: str, now: datetime, config: Settings) -> list[int]:
    """Claim the queued imports (and those left running past ``TRACKER_JOB_LOCK_TTL``) for
    ``process`` and record each; returns their ids."""
    with db.writing() as session:
        claimed = _claim(session, process, now, timedelta(seconds=config["TRACKER_JOB_LOCK_TTL"]))
    for job_id in claimed:
        record_job(job_id, config)
    return claimed


def _claim(session: Session, process: str, now: datetime, stale_after: timedelta) -> list[int]:
    claimable = or_(ImportJob.state == ImportJobState.QUEUED.value,
                    (ImportJob.state == ImportJobState.RUNNING.value) & (ImportJob.started_at < now - stale_after))
    claimed = []
    for job_id in session.scalars(select(ImportJob.id).where(claimable).order_by(ImportJob.id)).all():
        taken = session.execute(update(ImportJob).where(ImportJob.id == job_id, claimable)
                                .values(state=ImportJobState.RUNNING.value, claimed_by=process, started_at=now)
                                .execution_options(synchronize_session=False))
        if taken.rowcount == 1:
            claimed.append(job_id)
    return claimed


def record_job(job_id: int, config: Settings) -> str:
    """Record the import of job ``job_id``; its final state, stored with it."""
    with db.new_session() as session:
        job = session.get(ImportJob, job_id)
        upload = None if job is None else session.get(ImportUpload, job.upload_token)
        session.commit()  # ends the read; the objects keep what was loaded
    if upload is None:  # the upload expired and was deleted since the claim, and its job with it
        return ImportJobState.FAILED.value
    chosen, choices = _decoded(job.choices)
    actor = Actor(job.actor, job.user_id, job.address)
    try:
        table = read_upload(upload.filename, upload.content, config)
        result = recording.record_import(table, chosen, choices, actor,
                                         also=_finishing(job, table.headers, chosen))
    except uploads.AlreadyImported:
        return _finish(job_id, ImportJobState.DONE, "This file was already imported; nothing was added again.")
    except UnreadableFile as error:
        return _finish(job_id, ImportJobState.FAILED, f"{error} Nothing was imported.")
    except ImportConflict as error:
        return _finish(job_id, ImportJobState.FAILED, str(error))
    except Exception:
        log.exception("import job %s failed", job_id)
        return _finish(job_id, ImportJobState.FAILED, "The import met an error it did not expect; nothing was "
                                                     "imported, and the error has been logged.")
    if not result.complete:
        return _finish(job_id, ImportJobState.REFUSED, f"Nothing was imported: {len(result.skipped)} row(s) have "
                                                       "problems.", summary(result))
    return ImportJobState.DONE.value


def _finishing(job: ImportJob, headers: tuple[str, ...], chosen: Mapping):
    """What the job writes with the import's inserts: what the pages keep, and the job done."""
    keep = recording.kept_with_upload(job.upload_token, headers, chosen)

    def also(session: Session, result: ImportResult) -> None:
        keep(session, result)
        _set_state(session, job.id, ImportJobState.DONE)
    return also


def _finish(job_id: int, state: ImportJobState, message: str, outcome: dict | None = None) -> str:
    with db.writing() as session:
        _set_state(session, job_id, state, message, outcome)
    return state.value


def _set_state(session: Session, job_id: int, state: ImportJobState, message: str | None = None,
               outcome: dict | None = None) -> None:
    session.execute(update(ImportJob).where(ImportJob.id == job_id).values(
        state=state.value, finished_at=utcnow(), message=message,
        outcome=None if outcome is None else json.dumps(outcome)))


def _encoded(chosen: Mapping, choices: Choices) -> str:
    return json.dumps({"columns": chosen.columns, "gap": chosen.gap, "currency": chosen.currency,
                       "status": chosen.status, "skip_invalid": choices.skip_invalid,
                       "allow_duplicates": choices.allow_duplicates, "ticked": sorted(choices.ticked)})


def _decoded(encoded: str) -> tuple[Mapping, Choices]:
    stored = json.loads(encoded)
    return (Mapping(stored["columns"], gap=stored["gap"], currency=stored["currency"], status=stored["status"]),
            Choices(stored["skip_invalid"], stored["allow_duplicates"], frozenset(stored["ticked"])))


def outcome_of(job: ImportJob) -> dict | None:
    return None if job.outcome is None else json.loads(job.outcome)
