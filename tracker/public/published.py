"""What the public may see: published gaps of published programmes, each with its latest
snapshot and the funding of its publicly named donors. No other field of a gap, programme or
donor is read here, so none can reach a public response (notes, references, contacts, users
and schedules are simply never selected).

Each read is one query whose cost grows with the number of published gaps: a gap's latest
snapshot is found through the ``(gap_id, taken_at)`` index, one gap at a time.
"""
from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import ROUND_FLOOR, Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker.core.models import Donor, Gap, GapSnapshot, Programme, PublicDonorFunding
from tracker.core.money import percent, usd

#: Changes whenever the public responses' shape changes, so that caches holding the old shape miss.
SHAPE = "public-1"


@dataclass(frozen=True)
class NamedDonor:
    name: str
    funding_cents: int

    @property
    def funding_usd(self) -> Decimal:
        return usd(self.funding_cents)


@dataclass(frozen=True)
class Snapshot:
    """A gap's figures as the recompute job last wrote them."""

    id: int
    taken_at: datetime
    requirement_cents: int
    funding_cents: int

    @property
    def coverage_pct(self) -> Decimal | None:
        return percent(self.funding_cents, self.requirement_cents)

    @property
    def funded_whole_pct(self) -> int | None:
        """The coverage in whole percent, rounded down: a gap 99.6 % funded never reads "100 %"."""
        coverage = self.coverage_pct
        return None if coverage is None else int(coverage.to_integral_value(rounding=ROUND_FLOOR))

    @property
    def requirement_usd(self) -> Decimal:
        return usd(self.requirement_cents)

    @property
    def funding_usd(self) -> Decimal:
        return usd(self.funding_cents)

    @property
    def shortfall_usd(self) -> Decimal:
        return usd(max(0, self.requirement_cents - self.funding_cents))


@dataclass(frozen=True)
class PublicProgramme:
    code: str
    name: str
    organisation: str
    countries: tuple[str, ...]
    contact: str
    description: str
    updated_at: datetime


@dataclass(frozen=True)
class PublicGap:
    """A published gap as the public sees it; ``snapshot`` is None until the recompute job has
    run since it was created ("figures not yet published")."""

    id: int
    code: str
    title: str
    country: str
    original_requirement_cents: int
    revised_requirement_cents: int | None
    impact_count: int | None
    impact_unit: str
    impact_indicator: str
    updated_at: datetime
    programme: PublicProgramme
    snapshot: Snapshot | None
    donors: tuple[NamedDonor, ...] = field(default=())

    @property
    def original_requirement_usd(self) -> Decimal:
        return usd(self.original_requirement_cents)

    @property
    def revised_requirement_usd(self) -> Decimal | None:
        return None if self.revised_requirement_cents is None else usd(self.revised_requirement_cents)


def _latest_snapshot_id():
    """The id of the gap's newest snapshot, correlated to the gap (the index answers it)."""
    return (select(GapSnapshot.id).where(GapSnapshot.gap_id == Gap.id)
            .order_by(GapSnapshot.taken_at.desc()).limit(1).correlate(Gap).scalar_subquery())


PROGRAMME_COLUMNS = (Programme.code, Programme.name, Programme.organisation, Programme.countries,
                     Programme.contact, Programme.description, Programme.updated_at)
GAP_COLUMNS = (Gap.id, Gap.code, Gap.title, Gap.country, Gap.original_requirement_cents,
               Gap.revised_requirement_cents, Gap.impact_count, Gap.impact_unit, Gap.impact_indicator,
               Gap.updated_at)
SNAPSHOT_COLUMNS = (GapSnapshot.id, GapSnapshot.taken_at, GapSnapshot.requirement_cents, GapSnapshot.funding_cents)


def _aware(moment: datetime | None) -> datetime | None:
    """SQLite gives back naive datetimes; every stored time is UTC."""
    return moment.replace(tzinfo=UTC) if moment is not None and moment.tzinfo is None else moment


def _programme(row) -> PublicProgramme:
    code, name, organisation, countries, contact, description, updated_at = row
    return PublicProgramme(code, name, organisation, tuple(countries.split()), contact, description,
                           _aware(updated_at))


def published_programme(session: Session, code: str) -> PublicProgramme | None:
    """The programme with ``code`` when it is published; None otherwise (unknown or not published:
    the public cannot tell which)."""
    row = session.execute(select(*PROGRAMME_COLUMNS).where(Programme.code == code, Programme.published)).first()
    return None if row is None else _programme(row)


def published_gaps(session: Session, programme: str | None = None, gap: str | None = None) -> list[PublicGap]:
    """Every published gap of a published programme (or of ``programme``, or the one ``gap``
    of it), by programme and gap code, with its latest snapshot and named donors.

    Three queries: the gaps with their latest snapshot's id (one index lookup per gap), those
    snapshots by id, the named donors. Joining the snapshots on the correlated lookup instead
    would let SQLite run it for every pair of gap and snapshot."""
    query = (
        select(*GAP_COLUMNS, *PROGRAMME_COLUMNS, _latest_snapshot_id())
        .join(Programme, Programme.id == Gap.programme_id)
        .where(Gap.published, Programme.published)
        .order_by(Programme.code, Gap.code)
    )
    if programme is not None:
        query = query.where(Programme.code == programme)
    if gap is not None:
        query = query.where(Gap.code == gap)
    rows = session.execute(query).all()
    snapshots = _snapshots(session, [row[-1] for row in rows if row[-1] is not None])
    donors = _named_donors(session, [row[0] for row in rows])
    programmes: dict[str, PublicProgramme] = {}
    gaps = []
    for row in rows:
        gap_values, programme_values = row[:len(GAP_COLUMNS)], row[len(GAP_COLUMNS):-1]
        if programme_values[0] not in programmes:
            programmes[programme_values[0]] = _programme(programme_values)
        *values, updated_at = gap_values
        gaps.append(PublicGap(*values, _aware(updated_at), programmes[programme_values[0]], snapshots.get(row[-1]),
                              tuple(donors.get(gap_values[0], ()))))
    return gaps


def _snapshots(session: Session, ids: list[int]) -> dict[int, Snapshot]:
    if not ids:
        return {}
    query = select(*SNAPSHOT_COLUMNS).where(GapSnapshot.id.in_(ids))
    return {row[0]: Snapshot(row[0], _aware(row[1]), row[2], row[3]) for row in session.execute(query)}


def _named_donors(session: Session, gap_ids: list[int]) -> dict[int, list[NamedDonor]]:
    """Gap id → its publicly named donors, largest funding first, as the recompute job wrote them."""
    if not gap_ids:
        return {}
    query = (
        select(PublicDonorFunding.gap_id, Donor.name, PublicDonorFunding.funding_cents)
        .join(Donor, Donor.id == PublicDonorFunding.donor_id)
        .where(Donor.named_publicly, PublicDonorFunding.funding_cents > 0, PublicDonorFunding.gap_id.in_(gap_ids))
        .order_by(PublicDonorFunding.gap_id, PublicDonorFunding.funding_cents.desc(), Donor.name_key)
    )
    named: dict[int, list[NamedDonor]] = defaultdict(list)
    for gap_id, name, cents in session.execute(query):
        named[gap_id].append(NamedDonor(name, cents))
    return named


def as_of(gaps: list[PublicGap]) -> datetime | None:
    """The time of the newest snapshot shown: what "as of" says."""
    return max((gap.snapshot.taken_at for gap in gaps if gap.snapshot), default=None)


def last_modified(gaps: list[PublicGap], programme: PublicProgramme | None = None) -> datetime:
    """When anything shown last changed: a snapshot, a gap's or a programme's record."""
    moments = [moment for gap in gaps for moment in (gap.updated_at, gap.programme.updated_at,
                                                     gap.snapshot.taken_at if gap.snapshot else None) if moment]
    if programme is not None:
        moments.append(programme.updated_at)
    return max(moments, default=datetime(2000, 1, 1, tzinfo=UTC))


def fingerprint(gaps: list[PublicGap], *extra: object) -> str:
    """An entity tag for a response built from ``gaps``: it changes when any value shown changes
    (the gaps, their snapshots and named donors, the programme) or when ``extra`` (the settings
    the response shows) does."""
    digest = hashlib.sha256(repr((SHAPE, gaps, extra)).encode())
    return digest.hexdigest()[:32]
