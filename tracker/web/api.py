"""Read-only JSON for other tools: the figures of every gap, and the job history."""
from __future__ import annotations

from datetime import datetime

from flask import Blueprint, abort, jsonify, request

from tracker.access import ADMINS, SIGNED_IN, allow
from tracker.figures import GapFigures, figures_of, gap_figures
from tracker.jobs import JOBS, runs
from tracker.models import JobRun, as_utc
from tracker.web import session

bp = Blueprint("api", __name__, url_prefix="/api/v1")

MONEY_FIELDS = ("requirement", "funding", "pledged", "received", "written_off", "shortfall", "surplus",
                "gap_if_pledges_honoured")


def gap_json(figures: GapFigures) -> dict:
    """A gap's figures as JSON: US$ as decimal strings with two places, never floats."""
    coverage = figures.coverage_pct
    return {
        "code": figures.code,
        "title": figures.title,
        "status": figures.status,
        **{f"{name}_usd": str(getattr(figures, f"{name}_usd")) for name in MONEY_FIELDS},
        "coverage_pct": None if coverage is None else str(coverage),
    }


@bp.get("/gaps")
@allow(SIGNED_IN)
def gaps():
    return jsonify([gap_json(f) for f in gap_figures(session())])


@bp.get("/gaps/<code>")
@allow(SIGNED_IN)
def gap(code: str):
    figures = figures_of(session(), code.upper())
    if figures is None:
        abort(404, description=f"There is no funding gap with the code {code}.")
    return jsonify(gap_json(figures))


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


@bp.get("/jobs/runs")
@allow(ADMINS)
def job_runs():
    """The latest runs, newest first: ``?job=recompute`` for one job, ``?limit=N`` (default 100)."""
    job = request.args.get("job")
    if job is not None and job not in JOBS:
        abort(400, description=f"Unknown job {job!r}; the jobs are {', '.join(JOBS)}.")
    limit = request.args.get("limit", "100")
    if not limit.isdigit() or not 1 <= int(limit) <= MAX_RUNS:
        abort(400, description=f"The limit must be a whole number from 1 to {MAX_RUNS}.")
    return jsonify([run_json(run) for run in runs.recent_runs(session(), job, int(limit))])
