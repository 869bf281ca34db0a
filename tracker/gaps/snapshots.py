"""Snapshots of every gap's figures: the history the recompute job writes and the trend reads.

A gap gets a snapshot when any of its figures differs from its latest snapshot, and at
least one per UTC day even when nothing moved, so the trend shows flat stretches as such.
The figures come from ``tracker.core.figures.gap_figures``, the one definition; nothing here adds
up contributions.
"""
from __future__ import annotations

import logging
import time
from datetime import datetime

from sqlalchemy import and_, func, insert, select
from sqlalchemy.orm import Session

from tracker.core.figures import GapFigures, gap_figures
from tracker.core.models import Gap, GapSnapshot

log = logging.getLogger(__name__)

#: The figures a snapshot keeps, named as in GapFigures and in the gap_snapshot table.
FIGURES = ("requirement_cents", "funding_cents", "pledged_cents", "received_cents", "written_off_cents",
           "contributions")
#: Snapshot rows per INSERT statement.
BATCH = 100
#: Snapshots drawn in a gap's trend (the most recent ones).
HISTORY_LIMIT = 500


def _values(figures) -> tuple[int, ...]:
    return tuple(int(getattr(figures, name)) for name in FIGURES)


def latest_snapshots(session: Session) -> dict[int, tuple[datetime, tuple[int, ...]]]:
    """Each gap's newest snapshot: gap id → (taken at, figures)."""
    newest = (
        select(GapSnapshot.gap_id, func.max(GapSnapshot.taken_at).label("taken_at"))
        .group_by(GapSnapshot.gap_id)
        .subquery()
    )
    query = select(GapSnapshot.gap_id, GapSnapshot.taken_at, *(getattr(GapSnapshot, n) for n in FIGURES)).join(
        newest, and_(newest.c.gap_id == GapSnapshot.gap_id, newest.c.taken_at == GapSnapshot.taken_at)
    )
    return {gap_id: (taken_at, tuple(values)) for gap_id, taken_at, *values in session.execute(query)}


def _due(figures: GapFigures, latest: tuple[datetime, tuple[int, ...]] | None, now: datetime) -> bool:
    if latest is None:
        return True
    taken_at, values = latest
    return values != _values(figures) or taken_at.date() < now.date()


def record_snapshots(session: Session, now: datetime, pause_seconds: int = 0) -> int:
    """Write the snapshots that are due at ``now``; return how many.

    ``pause_seconds`` is the test hook of ``TRACKER_RECOMPUTE_PAUSE_SECONDS``: a pause after
    each batch of writes, inside the job's transaction, so a test can kill the job half-way.
    """
    latest = latest_snapshots(session)
    rows = [
        {"gap_id": f.gap_id, "taken_at": now, **dict(zip(FIGURES, _values(f)))}
        for f in gap_figures(session) if _due(f, latest.get(f.gap_id), now)
    ]
    for start in range(0, len(rows), BATCH):
        session.execute(insert(GapSnapshot), rows[start:start + BATCH])
        if pause_seconds:
            log.warning("test hook: wrote %d of %d snapshots; pausing %d s", min(start + BATCH, len(rows)),
                        len(rows), pause_seconds)
            time.sleep(pause_seconds)
    return len(rows)


def history(session: Session, gap: Gap, limit: int = HISTORY_LIMIT) -> list[tuple[datetime, GapFigures]]:
    """The gap's most recent snapshots, oldest first, each as the figures it recorded."""
    query = (
        select(GapSnapshot.taken_at, *(getattr(GapSnapshot, n) for n in FIGURES))
        .where(GapSnapshot.gap_id == gap.id)
        .order_by(GapSnapshot.taken_at.desc())
        .limit(limit)
    )
    return [
        (taken_at, GapFigures(gap.id, gap.code, gap.title, gap.status, *values))
        for taken_at, *values in reversed(session.execute(query).all())
    ]
