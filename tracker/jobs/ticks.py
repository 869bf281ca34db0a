"""The ticks of the jobs' schedules, the same in every process.

Intervals are counted from a fixed anchor (2000-01-01 00:00 UTC), not from when a scheduler
started: two scheduler processes then fire at the same moments, a daily job runs at midnight
UTC, and a run can tell which tick it belongs to (so a tick that ran is not run again).
"""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

ANCHOR = datetime(2000, 1, 1, tzinfo=UTC)


def tick_of(now: datetime, interval_seconds: int) -> datetime:
    """The latest tick at or before ``now``: the tick a run starting at ``now`` belongs to.

    Right as long as a run starts less than one interval late, which the scheduler's misfire
    grace time (one interval) guarantees.
    """
    interval = timedelta(seconds=interval_seconds)
    return ANCHOR + ((now - ANCHOR) // interval) * interval


def next_tick(now: datetime, interval_seconds: int) -> datetime:
    """The first tick after ``now``."""
    return tick_of(now, interval_seconds) + timedelta(seconds=interval_seconds)
