"""/admin/jobs: each job's schedule, next run, last runs and errors, and "Run now"; the job
history as JSON (/api/v1/jobs/runs).

"Run now" only queues a request in the database; a scheduler process claims and runs it
(tracker.jobs.runner). The web worker never runs a job itself: it would hold a request open
for the whole run and escape the scheduler's lock and history.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, url_for

from tracker.core.models import JobRun, JobSchedule, as_utc, utcnow
from tracker.jobs import JOBS, Job, runs, ticks
from tracker.web import history, session
from tracker.web.access import ADMINS, allow
from tracker.web.api import bp as api
from tracker.web.history import Column
from tracker.web.params import number_argument

#: How a "Run now" request reads in the audit trail.
HISTORY = {
    "run-now request": {
        "job": Column("Job"),
        "requested_at": Column("Requested", history.moment),
        "claimed_at": Column("Taken by the scheduler", history.moment),
        "claimed_by": Column("Scheduler process"),
        "run_id": Column("Run", history.number),
    },
}

bp = Blueprint("jobs", __name__, url_prefix="/admin", template_folder="templates")

#: Runs of each job shown in its row.
LAST_RUNS = 5


@dataclass(frozen=True)
class JobStatus:
    job: Job
    interval_seconds: int
    next_run_at: datetime
    reported: bool  # True: as the running scheduler reports it; False: from this server's settings
    runs: list[JobRun]


def _status(job: Job, reported: JobSchedule | None, now: datetime) -> JobStatus:
    last = runs.recent_runs(session(), job.name, LAST_RUNS)
    if reported is not None and reported.next_run_at is not None:
        return JobStatus(job, reported.interval_seconds, as_utc(reported.next_run_at), True, last)
    interval = current_app.config[job.interval_setting]
    return JobStatus(job, interval, ticks.next_tick(now, interval), False, last)


@bp.get("/jobs")
@allow(ADMINS)
def index():
    now = utcnow()
    reported = runs.reported_schedules(session())
    return render_template(
        "jobs/admin_jobs.html", now=now, statuses=[_status(job, reported.get(job.name), now) for job in JOBS.values()],
        scheduler=runs.running_scheduler(reported, now, current_app.config["TRACKER_RUN_NOW_POLL_INTERVAL"]),
        waiting=runs.waiting_requests(session()),
        recent=runs.recent_runs(session(), limit=50),
    )


@bp.post("/jobs/<name>/run")
@allow(ADMINS)
def run_now(name: str):
    if name not in JOBS:
        abort(404, description=f"There is no job called {name}.")
    runs.queue_request(session(), name, utcnow())
    session().commit()
    flash(f"“{JOBS[name].title}” is queued: a scheduler process will run it within "
          f"{current_app.config['TRACKER_RUN_NOW_POLL_INTERVAL']} seconds.", "success")
    return redirect(url_for("jobs.index"))



#: Most runs one request of /api/v1/jobs/runs returns.
MAX_RUNS = 1000


def _timestamp(moment: datetime | None) -> str | None:
    """ISO 8601 in UTC with its offset, e.g. 2026-11-25T00:00:00+00:00, on either database."""
    return None if moment is None else as_utc(moment).isoformat()


def run_json(run: JobRun) -> dict:
    """A job run as JSON; ``outcome`` is null while the run is in progress."""
    return {
        "job": run.job,
        "scheduled_for": _timestamp(run.scheduled_for),
        "started_at": _timestamp(run.started_at),
        "finished_at": _timestamp(run.finished_at),
        "outcome": run.outcome,
        "rows_changed": run.rows_changed,
        "summary": run.summary,
        "error": run.error,
        "process": run.process,
    }


@api.get("/jobs/runs")
@allow(ADMINS)
def job_runs():
    """The latest runs, newest first: ``?job=recompute`` for one job, ``?limit=N`` (default 100)."""
    job = request.args.get("job")
    if job is not None and job not in JOBS:
        abort(400, description=f"Unknown job {job!r}; the jobs are {', '.join(JOBS)}.")
    limit = number_argument("limit", "The limit", default=100, highest=MAX_RUNS)
    return jsonify([run_json(run) for run in runs.recent_runs(session(), job, limit)])
