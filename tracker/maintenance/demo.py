"""Clearly labelled example data, in bulk: for trying the app and for the benchmarks.

Rows go in with Core executemany INSERTs, 20,000 rows a call, and payments are derived in
SQL (INSERT … SELECT), so a million contributions load in under a minute.
"""
from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import Table, func, insert, literal, select
from sqlalchemy.orm import Session

from tracker.core import money
from tracker.core.errors import InvalidInput
from tracker.core.models import Contribution, ContributionStatus, Donor, DonorType, Gap, Payment, Programme

BATCH = 20_000
LABEL = "Example data (demo-data), not real"
#: The programme every example gap belongs to.
PROGRAMME = "DEMO"
#: (currency, units per US$) used for example contributions.
RATES = [("USD", Decimal(1)), ("EUR", Decimal("0.92")), ("JPY", Decimal("151.37")), ("GBP", Decimal("0.79")),
         ("KWD", Decimal("0.307")), ("KHR", Decimal("4100"))]
STATUSES = [ContributionStatus.PLEDGED, ContributionStatus.COMMITTED, ContributionStatus.PAID,
            ContributionStatus.CANCELLED]
STATUS_WEIGHTS = [30, 40, 25, 5]


def _bulk(session: Session, table: Table, rows) -> None:
    """Insert ``rows`` (dicts with the same keys) into ``table`` in batches of executemany.

    A Core table, not the ORM entity: the ORM's bulk insert leaves out None values and starts
    a new statement whenever a row's keys differ from the previous row's, so the cancel
    reasons scattered through the contributions split each batch into statements of ~20 rows
    (twice the load time on PostgreSQL).
    """
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) == BATCH:
            session.execute(insert(table), batch)
            batch.clear()
    if batch:
        session.execute(insert(table), batch)


def demo_programme(session: Session) -> int:
    """The example programme's id, added the first time."""
    found = session.scalar(select(Programme.id).where(Programme.code == PROGRAMME))
    if found is None:
        programme = Programme(code=PROGRAMME, name=LABEL, countries="KH", description=LABEL)
        session.add(programme)
        session.flush()
        found = programme.id
    return found


def add_gaps(session: Session, count: int, rng: random.Random) -> list[int]:
    """``count`` example gaps coded DEMO-00001 …, after any demo gaps already there."""
    start = session.scalar(select(func.count()).where(Gap.code.like("DEMO-%"))) + 1
    now = datetime.now(UTC)
    programme_id = demo_programme(session)
    _bulk(session, Gap.__table__, (
        dict(code=f"DEMO-{n:05d}", title=f"Example funding gap {n}", country="KH", programme_id=programme_id,
             description=LABEL, original_requirement_cents=rng.randrange(10_000, 50_000_000) * 100,
             impact_count=rng.randrange(1_000, 5_000_000), impact_unit="workers", impact_indicator=LABEL,
             status="open", version=1, created_at=now, updated_at=now)
        for n in range(start, start + count)
    ))
    return list(session.scalars(select(Gap.id).where(Gap.code.like("DEMO-%"))))


def add_donors(session: Session, count: int) -> list[int]:
    now = datetime.now(UTC)
    types = [t.value for t in DonorType]
    existing = set(session.scalars(select(Donor.name_key).where(Donor.name_key.like("example donor %"))))
    _bulk(session, Donor.__table__, (
        dict(name=f"Example Donor {n:03d}", name_key=f"example donor {n:03d}", type=types[n % len(types)],
             country=None, version=1, created_at=now, updated_at=now)
        for n in range(1, count + 1) if f"example donor {n:03d}" not in existing
    ))
    return list(session.scalars(select(Donor.id).where(Donor.name_key.like("example donor %"))))


def _contribution_rows(count: int, gap_ids: list[int], donor_ids: list[int], rng: random.Random):
    now = datetime.now(UTC)
    first_day = date(2022, 1, 1)
    for n in range(count):
        code, rate = rng.choice(RATES)
        exponent = money.currency(code).exponent
        in_usd = Decimal(rng.randrange(10_000, 20_000_000)).scaleb(-2)
        amount = (in_usd * rate).quantize(Decimal(1).scaleb(-exponent))
        status = rng.choices(STATUSES, STATUS_WEIGHTS)[0]
        day = first_day + timedelta(days=rng.randrange(1_000))
        yield dict(
            gap_id=rng.choice(gap_ids), donor_id=rng.choice(donor_ids), status=status.value,
            amount_minor=money.to_minor(amount, code), currency=code, rate=rate, rate_date=day,
            usd_cents=money.usd_cents(amount, rate), decision_date=day, reference=f"DEMO-{n + 1}",
            note=LABEL, cancel_reason="Example cancellation" if status == ContributionStatus.CANCELLED else None,
            version=1, created_at=now, updated_at=now,
        )


def _add_payments(session: Session) -> None:
    """Paid example contributions received in full; every third committed one, half."""
    now = datetime.now(UTC)
    columns = ["contribution_id", "date_received", "amount_minor", "rate", "usd_cents", "reference", "version",
               "created_at", "updated_at"]
    demo = Contribution.reference.like("DEMO-%")
    unpaid = ~Contribution.id.in_(select(Payment.contribution_id))
    full = select(Contribution.id, Contribution.decision_date, Contribution.amount_minor, Contribution.rate,
                  Contribution.usd_cents, literal("DEMO"), literal(1), literal(now), literal(now)).where(
        demo, unpaid, Contribution.status == ContributionStatus.PAID.value)
    half = select(Contribution.id, Contribution.decision_date, Contribution.amount_minor // 2, Contribution.rate,
                  Contribution.usd_cents // 2, literal("DEMO"), literal(1), literal(now), literal(now)).where(
        demo, unpaid, Contribution.status == ContributionStatus.COMMITTED.value, Contribution.id % 3 == 0,
        Contribution.amount_minor > 1)
    for source in (full, half):
        session.execute(insert(Payment).from_select(columns, source))


def load_demo(session: Session, gaps: int, contributions: int, seed: int = 1) -> tuple[int, int]:
    """Add ``gaps`` example gaps and ``contributions`` example contributions (on the demo gaps,
    or on every gap when no demo gap exists). Returns (gaps, contributions) added."""
    rng = random.Random(seed)
    gap_ids = add_gaps(session, gaps, rng) if gaps else []
    gap_ids = gap_ids or list(session.scalars(select(Gap.id)))
    if contributions and not gap_ids:
        raise InvalidInput(None, "there is no gap to add contributions to; add gaps first (--gaps N)")
    donor_ids = add_donors(session, 200)
    _bulk(session, Contribution.__table__, _contribution_rows(contributions, gap_ids, donor_ids, rng))
    _add_payments(session)
    return gaps, contributions
