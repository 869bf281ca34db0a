"""The ledger's tables: funding gaps, donors, contributions, payments, exchange rates.

Money columns hold integers of minor units (``*_minor`` in the record's currency,
``*_cents`` in US cents); see ``tracker.money``. Financial records are never deleted:
a contribution is cancelled, a gap is closed. Rows that people edit carry a ``version``
that SQLAlchemy checks on every UPDATE, so two concurrent edits cannot silently
overwrite each other.
"""
from __future__ import annotations

import enum
from datetime import date, datetime, timezone
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from tracker.money import RATE_PLACES


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Rate(TypeDecorator):
    """An exchange rate stored exactly as an integer scaled by 10**RATE_PLACES.

    NUMERIC would do on PostgreSQL, but SQLite keeps NUMERIC as float; a scaled integer is
    exact on both.
    """

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value: Decimal | None, dialect) -> int | None:
        if value is None:
            return None
        scaled = Decimal(value).scaleb(RATE_PLACES)
        if scaled != scaled.to_integral_value():
            raise ValueError(f"rate {value} has more than {RATE_PLACES} decimal places")
        return int(scaled)

    def process_result_value(self, value: int | None, dialect) -> Decimal | None:
        if value is None:
            return None
        rate = Decimal(int(value)).scaleb(-RATE_PLACES)
        return rate.quantize(Decimal(1)) if rate == rate.to_integral_value() else rate.normalize()


class Base(DeclarativeBase):
    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(table_name)s_%(column_0_N_name)s",
            "uq": "uq_%(table_name)s_%(column_0_N_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


class GapStatus(enum.StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class DonorType(enum.StrEnum):
    GOVERNMENT = "government"
    MULTILATERAL = "multilateral"
    FOUNDATION = "foundation"
    PRIVATE_SECTOR = "private sector"
    OTHER = "other"


class ContributionStatus(enum.StrEnum):
    PLEDGED = "pledged"
    COMMITTED = "committed"
    PAID = "paid"
    CANCELLED = "cancelled"


def _one_of(column: str, values: type[enum.StrEnum]) -> CheckConstraint:
    allowed = ", ".join(f"'{v.value}'" for v in values)
    return CheckConstraint(f"{column} IN ({allowed})", name=f"{column}_allowed")


class Gap(Base):
    """A funding gap: a need of a programme with a requirement in US dollars."""

    __tablename__ = "gap"
    __table_args__ = (
        _one_of("status", GapStatus),
        CheckConstraint("original_requirement_cents >= 0", name="original_requirement_not_negative"),
        CheckConstraint("revised_requirement_cents >= 0", name="revised_requirement_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    country: Mapped[str] = mapped_column(String(2))
    programme: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    original_requirement_cents: Mapped[int] = mapped_column(BigInteger)
    revised_requirement_cents: Mapped[int | None] = mapped_column(BigInteger)
    impact_count: Mapped[int | None] = mapped_column(BigInteger)
    impact_unit: Mapped[str] = mapped_column(String(60), default="")
    impact_indicator: Mapped[str] = mapped_column(Text, default="")
    period_start: Mapped[date | None] = mapped_column(Date)
    period_end: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(12), default=GapStatus.OPEN.value)
    version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    contributions: Mapped[list[Contribution]] = relationship(back_populates="gap")

    __mapper_args__ = {"version_id_col": version}

    @property
    def requirement_cents(self) -> int:
        """The revised requirement when there is one, else the original."""
        if self.revised_requirement_cents is not None:
            return self.revised_requirement_cents
        return self.original_requirement_cents


class Donor(Base):
    """Who gives. Names are unique regardless of case and stray spaces (``name_key``)."""

    __tablename__ = "donor"
    __table_args__ = (_one_of("type", DonorType),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    name_key: Mapped[str] = mapped_column(String(200), unique=True)
    type: Mapped[str] = mapped_column(String(20), default=DonorType.OTHER.value)
    country: Mapped[str | None] = mapped_column(String(2))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    contributions: Mapped[list[Contribution]] = relationship(back_populates="donor")


class Contribution(Base):
    """A donor's pledge, commitment or payment towards one gap, in the donor's currency.

    ``usd_cents`` is frozen at recording with the rate of ``rate_date``; later rate moves do
    not change what was reported.
    """

    __tablename__ = "contribution"
    __table_args__ = (
        _one_of("status", ContributionStatus),
        CheckConstraint("amount_minor > 0", name="amount_positive"),
        CheckConstraint("usd_cents >= 0", name="usd_not_negative"),
        CheckConstraint("rate > 0", name="rate_positive"),
        Index("ix_contribution_gap_id_status", "gap_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    gap_id: Mapped[int] = mapped_column(ForeignKey("gap.id"))
    donor_id: Mapped[int] = mapped_column(ForeignKey("donor.id"), index=True)
    status: Mapped[str] = mapped_column(String(12))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    rate: Mapped[Decimal] = mapped_column(Rate)
    rate_date: Mapped[date] = mapped_column(Date)
    usd_cents: Mapped[int] = mapped_column(BigInteger)
    decision_date: Mapped[date | None] = mapped_column(Date)
    reference: Mapped[str] = mapped_column(String(100), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    gap: Mapped[Gap] = relationship(back_populates="contributions")
    donor: Mapped[Donor] = relationship(back_populates="contributions")
    payments: Mapped[list[Payment]] = relationship(
        back_populates="contribution", order_by="Payment.date_received"
    )

    __mapper_args__ = {"version_id_col": version}


class Payment(Base):
    """Money received against a contribution, in the contribution's currency."""

    __tablename__ = "payment"
    __table_args__ = (
        CheckConstraint("amount_minor > 0", name="amount_positive"),
        CheckConstraint("usd_cents >= 0", name="usd_not_negative"),
        CheckConstraint("rate > 0", name="rate_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contribution_id: Mapped[int] = mapped_column(ForeignKey("contribution.id"), index=True)
    date_received: Mapped[date] = mapped_column(Date)
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    rate: Mapped[Decimal] = mapped_column(Rate)
    usd_cents: Mapped[int] = mapped_column(BigInteger)
    reference: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    contribution: Mapped[Contribution] = relationship(back_populates="payments")


class ExchangeRate(Base):
    """A known rate, used to prefill forms; a person can always type another."""

    __tablename__ = "exchange_rate"
    __table_args__ = (
        UniqueConstraint("currency", "date"),
        CheckConstraint("units_per_usd > 0", name="units_per_usd_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    currency: Mapped[str] = mapped_column(String(3))
    date: Mapped[date] = mapped_column(Date)
    units_per_usd: Mapped[Decimal] = mapped_column(Rate)
    source: Mapped[str] = mapped_column(String(200), default="")


class SeedRun(Base):
    """A seed that has been loaded once; it is never loaded again into the same database."""

    __tablename__ = "seed_run"

    name: Mapped[str] = mapped_column(String(60), primary_key=True)
    applied_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ImportUpload(Base):
    """A file uploaded for import, kept between preview and confirmation (and for the
    skipped-rows report after it) under an unguessable token, until ``expires_at``.

    Kept in the database rather than in memory or the instance folder, so that every web
    worker on every machine sees it, and it goes when it expires.
    """

    __tablename__ = "import_upload"

    token: Mapped[str] = mapped_column(String(64), primary_key=True)
    filename: Mapped[str] = mapped_column(String(255))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    #: After the import: what was imported and which rows were skipped, why (JSON).
    result: Mapped[str | None] = mapped_column(Text)


class ImportMapping(Base):
    """The columns last chosen for files with a given set of headers, offered again next time."""

    __tablename__ = "import_mapping"

    header_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    columns: Mapped[str] = mapped_column(Text)  # JSON: {target: header}
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)


class ImportedRow(Base):
    """A spreadsheet row already imported, by its stable key, so importing the same file
    again adds nothing twice."""

    __tablename__ = "imported_row"

    row_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    contribution_id: Mapped[int] = mapped_column(ForeignKey("contribution.id"), index=True)
    imported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
