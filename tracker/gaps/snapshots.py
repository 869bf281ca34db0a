"""Snapshots of every gap's figures: the history the recompute job writes and the trend reads.

A gap gets a snapshot when any of its figures differs from its latest snapshot, and at
least one per UTC day even when nothing moved, so the trend shows flat stretches as such.
The figures come from ``tracker.core.figures.gap_figures``, the one definition; nothing here adds
up contributions.
"""
from __future__ import annotations

import logging
import time
from collections import defaultdict
from datetime import datetime

from sqlalchemy import and_, bindparam, func, insert, select, update
from sqlalchemy.orm import Session

from tracker.core.figures import GapFigures, donor_funding_by_gap, gap_figures
from tracker.core.models import Donor, Gap, GapSnapshot, Programme, PublicDonorFunding

log = logging.getLogger(__name__)

#: The figures a snapshot keeps, named as in GapFigures and in the gap_snapshot table.
FIGURES = ("requirement_cents", "funding_cents", "pledged_cents", "received_cents", "written_off_cents",
           "contributions")
#: Snapshot rows per INSERT statement.
BATCH = 100
#: Named donors a public page lists per gap, the largest first; the others count in "other donors".
#: A gap funded by hundreds of donors would otherwise make the public page (and its cost) grow
#: with the ledger: this keeps it to the number of published gaps.
PUBLIC_DONORS_PER_GAP = 5
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


def _named_funding(session: Session) -> dict[tuple[int, int], int]:
    """(gap id, donor id) → funding cents of the largest publicly named donors of each published
    gap (at most ``PUBLIC_DONORS_PER_GAP``), from ``donor_funding_by_gap`` (one aggregate: the
    job's cost, never a request's)."""
    published = select(Gap.id).join(Programme).where(Gap.published, Programme.published)
    named = select(Donor.id).where(Donor.named_publicly)
    by_gap: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for (gap_id, donor_id), cents in donor_funding_by_gap(session, published, named).items():
        if cents > 0:
            by_gap[gap_id].append((cents, donor_id))
    return {(gap_id, donor_id): cents for gap_id, donors in by_gap.items()
            for cents, donor_id in sorted(donors, key=lambda d: (-d[0], d[1]))[:PUBLIC_DONORS_PER_GAP]}


def record_public_donors(session: Session, now: datetime) -> int:
    """Bring ``public_donor_funding`` in line with the named donors' funding of the published
    gaps; return how many rows changed. A figure no longer due (the donor un-named or no longer
    among the gap's largest named donors, the gap unpublished, the funding gone) is set to 0,
    which the pages do not show."""
    wanted = _named_funding(session)
    stored = {(gap_id, donor_id): (row_id, cents) for row_id, gap_id, donor_id, cents in session.execute(
        select(PublicDonorFunding.id, PublicDonorFunding.gap_id, PublicDonorFunding.donor_id,
               PublicDonorFunding.funding_cents))}
    new = [{"gap_id": gap_id, "donor_id": donor_id, "funding_cents": cents, "computed_at": now}
           for (gap_id, donor_id), cents in wanted.items() if (gap_id, donor_id) not in stored]
    changed = [{"row_id": row_id, "cents": wanted.get(key, 0), "now": now}
               for key, (row_id, cents) in stored.items() if wanted.get(key, 0) != cents]
    if new:
        session.execute(insert(PublicDonorFunding), new)
    if changed:
        statement = (update(PublicDonorFunding).where(PublicDonorFunding.id == bindparam("row_id"))
                     .values(funding_cents=bindparam("cents"), computed_at=bindparam("now")))
        session.connection().execute(statement, changed)
    return len(new) + len(changed)


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
