"""The scheduler process: ``flask --app tracker scheduler``, an APScheduler BlockingScheduler.

It runs beside the web server, never inside it: a scheduler started in each web worker runs
every job once per worker. APScheduler's job store is in memory (APScheduler 3 cannot share
one between processes); exactly-once comes from the runner's per-job lock and tick check,
so a second scheduler started by mistake only records "skipped" runs.

Each job runs on ticks counted from a fixed anchor (tracker.jobs.ticks), with
``coalesce=True`` and a misfire grace of one interval: after the machine slept through
several ticks the job runs once, not once per missed tick; ``max_instances=1`` keeps a slow
run from overlapping the next in the same process. A short poll job serves the "Run now"
requests and the large imports queued through the database (tracker.imports.queue), and
reports the schedule for the admin page and the imports' progress pages.
"""
from __future__ import annotations

import logging
import signal
from collections.abc import Mapping
from datetime import UTC, datetime

from apscheduler.events import EVENT_SCHEDULER_STARTED
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy.exc import SQLAlchemyError

from tracker.jobs import JOBS, ticks
from tracker.jobs.runner import Runner

log = logging.getLogger(__name__)

POLL = "run-now-requests"


def add_jobs(scheduler: BaseScheduler, config: Mapping, runner: Runner) -> None:
    """Put the jobs and the "Run now" poll on ``scheduler``."""
    for job in JOBS.values():
        interval = config[job.interval_setting]
        scheduler.add_job(
            runner.run_scheduled, IntervalTrigger(seconds=interval, start_date=ticks.ANCHOR, timezone=UTC),
            args=(job.name, interval), id=job.name, name=job.title,
            coalesce=True, max_instances=1, misfire_grace_time=interval,
        )
    poll = config["TRACKER_RUN_NOW_POLL_INTERVAL"]
    scheduler.add_job(
        _poll, IntervalTrigger(seconds=poll, timezone=UTC), args=(scheduler, runner), id=POLL,
        name='"Run now" requests and imports', coalesce=True, max_instances=1, misfire_grace_time=poll,
        next_run_time=datetime.now(UTC),
    )


def _poll(scheduler: BaseScheduler, runner: Runner) -> None:
    """Serve "Run now" requests, report the schedule (before a long import, so that the pages
    still see a scheduler running), then record the queued imports; a database outage is
    logged, not raised."""
    try:
        runner.serve_requests()
        runner.report_schedule(
            (job.id, int(job.trigger.interval.total_seconds()), job.next_run_time)
            for job in scheduler.get_jobs() if job.id in JOBS
        )
        runner.serve_imports()
    except SQLAlchemyError as error:
        log.warning("Could not poll for run-now requests (will retry): %s", error)


def _log_start(scheduler: BaseScheduler, runner: Runner) -> None:
    plan = "; ".join(f"{job.id} every {int(job.trigger.interval.total_seconds())} s, next {job.next_run_time:%H:%M:%S}"
                     for job in scheduler.get_jobs() if job.id in JOBS)
    log.info("Scheduler %s started: %s", runner.process, plan)


def run_scheduler(config: Mapping) -> None:
    """Run the jobs until SIGTERM or Ctrl-C; a run in progress finishes first."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s [%(name)s] %(message)s")
    logging.getLogger("apscheduler").setLevel(logging.WARNING)  # the runner logs one line per run
    runner = Runner(config)
    scheduler = BlockingScheduler(timezone=UTC)
    add_jobs(scheduler, config, runner)
    scheduler.add_listener(lambda _event: _log_start(scheduler, runner), EVENT_SCHEDULER_STARTED)
    signal.signal(signal.SIGTERM, lambda _signal, _frame: scheduler.shutdown(wait=False))
    try:
        scheduler.start()
    except KeyboardInterrupt:
        scheduler.shutdown(wait=False)
    log.info("Scheduler %s stopped.", runner.process)
