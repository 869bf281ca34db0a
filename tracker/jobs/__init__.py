"""The scheduled jobs: what each does, the setting that says how often, the service it calls.

Jobs run only in the scheduler process (``flask --app tracker scheduler``, see
tracker.jobs.scheduler) through tracker.jobs.runner, which takes the job's lock, records the run
and gives the job one transaction. Importing this package starts nothing and does not import
APScheduler, so the web app can list the jobs and queue runs without becoming a scheduler.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from tracker.core import db
from tracker.gaps import snapshots
from tracker.iati import publishing
from tracker.rates import folder
from tracker.schedules import instalments, outbox


@dataclass(frozen=True)
class JobContext:
    now: datetime  # the run's start, UTC: every date a job uses derives from it
    config: Mapping


@dataclass(frozen=True)
class JobResult:
    rows_changed: int
    summary: str


@dataclass(frozen=True)
class Job:
    name: str
    title: str
    description: str
    interval_setting: str
    #: The work, in the transaction the runner commits (or rolls back as a whole).
    run: Callable[[Session, JobContext], JobResult]
    #: Side effects outside the database (e-mail, the IATI file), after the commit and still under
    #: the lock; what it says ends the run's summary (nothing when it has nothing to do).
    deliver: Callable[[JobContext], str] | None = None


def _recompute(session: Session, context: JobContext) -> JobResult:
    written = snapshots.record_snapshots(session, context.now, context.config["TRACKER_RECOMPUTE_PAUSE_SECONDS"])
    named = snapshots.record_public_donors(session, context.now)
    summary = f"{written} snapshot(s) written." + (f" {named} public donor figure(s) changed." if named else "")
    return JobResult(written + named, summary)


def _publish_iati(context: JobContext) -> str:
    """After each recompute, the IATI file at TRACKER_IATI_EXPORT_PATH, rewritten only when it changed."""
    where = context.config["TRACKER_IATI_EXPORT_PATH"]
    if not where:
        return ""
    with db.new_session() as session:
        written = publishing.write_if_changed(session, context.config, Path(where), context.now)
    return f"IATI file {'written' if written else 'unchanged'}."


def _overdue(session: Session, context: JobContext) -> JobResult:
    changes = instalments.flag_overdue(session, context.now.date())
    return JobResult(changes.rows, changes.summary())


def _reminders(session: Session, context: JobContext) -> JobResult:
    written = outbox.write_reminders(session, context.now, outbox.ReminderRules.from_config(context.config))
    return JobResult(written, f"{written} reminder(s) written to the outbox.")


def _rates(session: Session, context: JobContext) -> JobResult:
    where = context.config["TRACKER_RATES_DIR"]
    if not where or not Path(where).is_dir():
        return JobResult(0, "No rate folder: set TRACKER_RATES_DIR to a folder to load rate files from.")
    taken, summary = folder.load_new_files(session, Path(where), context.config)
    return JobResult(taken, summary)


def _email_reminders(context: JobContext) -> str:
    return outbox.send_unsent(outbox.SmtpSettings.from_config(context.config), context.now)


JOBS: dict[str, Job] = {job.name: job for job in (
    Job("recompute", "Recompute the figures",
        "Computes every gap's figures and records a snapshot of each gap whose figures changed, "
        "and one per gap per day: the history behind the trend on each gap's page and the figures "
        "of the public pages, with the funding of each publicly named donor in each published gap; then "
        "rewrites the IATI file at TRACKER_IATI_EXPORT_PATH when set and changed.",
        "TRACKER_RECOMPUTE_INTERVAL", _recompute, _publish_iati),
    Job("overdue", "Flag overdue instalments",
        "Marks the instalments of committed contributions that fell due and are not fully paid as "
        "overdue, and updates each contribution's overdue status.",
        "TRACKER_OVERDUE_INTERVAL", _overdue),
    Job("reminders", "Write reminders",
        "Writes a reminder to the outbox for each instalment due soon or overdue (within the limits "
        "on number and spacing), and e-mails them when SMTP is configured.",
        "TRACKER_REMINDERS_INTERVAL", _reminders, _email_reminders),
    Job("rates", "Load rate tables",
        "Imports each new rate file (UN operational rates, ECB reference rates) dropped in the folder "
        "TRACKER_RATES_DIR, once per file.",
        "TRACKER_RATES_INTERVAL", _rates),
)}
