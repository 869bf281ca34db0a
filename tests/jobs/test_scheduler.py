"""The scheduler's job options: after the machine slept through many ticks, a job runs once."""
from __future__ import annotations

import time
from datetime import UTC, timedelta

from apscheduler.schedulers.background import BackgroundScheduler

from tracker.core.models import utcnow
from tracker.jobs import ticks
from tracker.jobs.scheduler import add_jobs

CONFIG = {"TRACKER_RECOMPUTE_INTERVAL": 60, "TRACKER_OVERDUE_INTERVAL": 86400, "TRACKER_REMINDERS_INTERVAL": 86400,
          "TRACKER_RATES_INTERVAL": 3600,
          "TRACKER_RUN_NOW_POLL_INTERVAL": 3600}


class CountingRunner:
    """Counts the runs the scheduler asks for, instead of running anything."""

    def __init__(self):
        self.runs: list[tuple[str, int]] = []

    def run_scheduled(self, name: str, interval_seconds: int) -> None:
        self.runs.append((name, interval_seconds))

    def serve_requests(self) -> None:
        pass

    def serve_imports(self) -> None:
        pass

    def report_schedule(self, entries) -> None:
        list(entries)


def test_ticks_missed_while_the_machine_slept_run_once_not_once_each():
    runner = CountingRunner()
    scheduler = BackgroundScheduler(timezone=UTC)
    add_jobs(scheduler, CONFIG, runner)
    scheduler.start(paused=True)
    try:
        asleep_since = ticks.tick_of(utcnow(), 60) - timedelta(minutes=10)  # eleven ticks missed
        scheduler.modify_job("recompute", next_run_time=asleep_since)
        resumed = utcnow()
        scheduler.resume()
        deadline = time.monotonic() + 5
        while not runner.runs and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.5)
        # One run for the eleven missed ticks; on a loaded machine a minute may also turn while
        # we watch, and that new tick may run on its own.
        new_ticks = (ticks.tick_of(utcnow(), 60) - ticks.tick_of(resumed, 60)) // timedelta(minutes=1)
        assert set(runner.runs) == {("recompute", 60)} and len(runner.runs) <= 1 + new_ticks
        assert scheduler.get_job("recompute").next_run_time > utcnow()
    finally:
        scheduler.shutdown()


def test_every_process_has_the_same_ticks():
    assert ticks.tick_of(ticks.ANCHOR + timedelta(days=9000, seconds=901), 900) == \
        ticks.ANCHOR + timedelta(days=9000, seconds=900)
    assert ticks.next_tick(ticks.ANCHOR + timedelta(days=1, hours=7), 86400) == ticks.ANCHOR + timedelta(days=2)
