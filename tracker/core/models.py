"""The tables: the ledger (funding gaps, donors, contributions, payments, exchange rates),
payment schedules (instalments, write-offs, reminders), and the scheduled jobs' records
(figure snapshots, job runs, locks and "Run now" requests).

Money columns hold integers of minor units (``*_minor`` in the record's currency,
``*_cents`` in US cents); see ``tracker.core.money``. Financial records are never deleted:
a contribution is cancelled, a gap is closed. Rows that people edit carry a ``version``
that SQLAlchemy checks on every UPDATE, so two concurrent edits cannot silently
overwrite each other.
"""
from __future__ import annotations

import enum
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    Boolean,
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
    false,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.schema import CreateIndex

from tracker.core.money import RATE_PLACES


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(moment: datetime) -> datetime:
    """SQLite hands DateTime(timezone=True) back as naive UTC, PostgreSQL as aware: make it aware."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


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


class Programme(Base):
    """A programme that owns funding gaps: a country office's, or a regional one's with several
    countries. Its code names it in addresses (``/p/<code>``) and never changes.

    ``countries`` holds ISO 3166 alpha-2 codes separated by spaces, sorted ("KH" or "KH LA"):
    a column rather than a table, so that a change reads as one value in the audit trail.
    The contact and description are what the public pages show; ``published`` lets its
    published gaps be shown without sign-in.
    """

    __tablename__ = "programme"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    organisation: Mapped[str] = mapped_column(String(200), default="")
    countries: Mapped[str] = mapped_column(String(300), default="")
    contact: Mapped[str] = mapped_column(String(300), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    published: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    gaps: Mapped[list[Gap]] = relationship(back_populates="programme")

    __mapper_args__ = {"version_id_col": version}

    @property
    def country_codes(self) -> list[str]:
        return self.countries.split()


class Gap(Base):
    """A funding gap: a need of a programme with a requirement in US dollars. ``published``
    shows it on its programme's public pages (when the programme is published too)."""

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
    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id"), index=True)
    description: Mapped[str] = mapped_column(Text, default="")
    published: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
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
    programme: Mapped[Programme] = relationship(back_populates="gaps")

    __mapper_args__ = {"version_id_col": version}

    @property
    def requirement_cents(self) -> int:
        """The revised requirement when there is one, else the original."""
        if self.revised_requirement_cents is not None:
            return self.revised_requirement_cents
        return self.original_requirement_cents


class Donor(Base):
    """Who gives. Names are unique regardless of case and stray spaces (``name_key``).

    A donor merged into another (``merged_into_id``) keeps its row as an alias: its name still
    finds the donor it was merged into, and it owns nothing any more.
    """

    __tablename__ = "donor"
    __table_args__ = (
        _one_of("type", DonorType),
        CheckConstraint("merged_into_id IS NULL OR merged_into_id <> id", name="not_merged_into_itself"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    name_key: Mapped[str] = mapped_column(String(200), unique=True)
    type: Mapped[str] = mapped_column(String(20), default=DonorType.OTHER.value)
    country: Mapped[str | None] = mapped_column(String(2))
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("donor.id"), index=True)
    #: The donor agreed to be named on public pages and open data; otherwise they show totals only.
    named_publicly: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    #: Reminders go to the donor's focal point (a contact) rather than the programme's mailbox.
    remind_focal_point: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    contributions: Mapped[list[Contribution]] = relationship(back_populates="donor")
    merged_into: Mapped[Donor | None] = relationship(remote_side=[id])

    __mapper_args__ = {"version_id_col": version}


class ContactRole(enum.StrEnum):
    FOCAL_POINT = "focal point"
    FINANCE = "finance"
    PROGRAMME = "programme"
    OTHER = "other"


class DonorContact(Base):
    """A person at a donor whom the programme writes to; seen by staff only.

    Never deleted: a contact who left is retired (``retired_at``) and stays in the trail.
    """

    __tablename__ = "donor_contact"
    __table_args__ = (_one_of("role", ContactRole),)

    id: Mapped[int] = mapped_column(primary_key=True)
    donor_id: Mapped[int] = mapped_column(ForeignKey("donor.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254))
    role: Mapped[str] = mapped_column(String(20))
    language: Mapped[str] = mapped_column(String(10))
    retired_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    donor: Mapped[Donor] = relationship()

    __mapper_args__ = {"version_id_col": version}


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
        # Covering indexes: the figures read (gap or donor, status, US$, amount) from the index
        # alone, never the wide contribution rows (a third of the time of the all-gaps figures on
        # SQLite). The amount tells whether the payments have reached it (exchange differences).
        Index(None, "gap_id", "status", "usd_cents", "amount_minor"),
        Index(None, "donor_id", "status", "usd_cents", "amount_minor"),
        # The likely-duplicate lookups (tracker.contributions.duplicates): one row typed on a form,
        # or thousands of an import joined at once, each found by its donor, gap and amount.
        Index(None, "donor_id", "gap_id", "amount_minor"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    gap_id: Mapped[int] = mapped_column(ForeignKey("gap.id"))
    donor_id: Mapped[int] = mapped_column(ForeignKey("donor.id"))
    status: Mapped[str] = mapped_column(String(12))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    rate: Mapped[Decimal] = mapped_column(Rate)
    rate_date: Mapped[date] = mapped_column(Date)
    usd_cents: Mapped[int] = mapped_column(BigInteger)
    decision_date: Mapped[date | None] = mapped_column(Date)
    reference: Mapped[str] = mapped_column(String(100), default="")
    #: Internal to staff; ``donor_note`` is what the donor reads (its pages, its statement).
    note: Mapped[str] = mapped_column(Text, default="")
    donor_note: Mapped[str] = mapped_column(Text, default="", server_default="")
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: Due date of the oldest overdue instalment; None when none is overdue (see tracker.schedules.instalments).
    overdue_since: Mapped[date | None] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    gap: Mapped[Gap] = relationship(back_populates="contributions")
    donor: Mapped[Donor] = relationship(back_populates="contributions")
    payments: Mapped[list[Payment]] = relationship(
        back_populates="contribution", order_by="Payment.date_received"
    )
    schedule: Mapped[PaymentSchedule | None] = relationship(back_populates="contribution")
    instalments: Mapped[list[Instalment]] = relationship(
        back_populates="contribution", order_by="Instalment.number", cascade="all, delete-orphan"
    )
    write_off: Mapped[WriteOff | None] = relationship(back_populates="contribution")

    __mapper_args__ = {"version_id_col": version}


#: The contribution tables' default order (newest decision first, undated last) and their US$
#: order walk these indexes instead of sorting every row (see ``tracker.contributions.listings.SORTING``).
Index("ix_contribution_decision_date_id", Contribution.decision_date.desc().nulls_last(), Contribution.id.desc())
Index("ix_contribution_usd_cents_id", Contribution.usd_cents, Contribution.id)


@compiles(CreateIndex, "sqlite")
def _index_without_nulls_order(create: CreateIndex, compiler, **kw) -> str:
    """SQLite refuses NULLS LAST in an index, and needs none: its DESC already puts NULLs last."""
    return compiler.visit_create_index(create, **kw).replace(" NULLS LAST", "")


class Payment(Base):
    """Money received against a contribution, in the contribution's currency.

    A payment recorded by mistake is voided with a reason (``voided_at``), never deleted: it
    stays on the record and counts 0 in every figure and in the matching of instalments.
    """

    __tablename__ = "payment"
    __table_args__ = (
        CheckConstraint("amount_minor > 0", name="amount_positive"),
        CheckConstraint("usd_cents >= 0", name="usd_not_negative"),
        CheckConstraint("rate > 0", name="rate_positive"),
        CheckConstraint("(voided_at IS NULL) = (void_reason IS NULL)", name="void_has_reason"),
        # What each contribution received, in its currency and in US$, from the index alone.
        Index(None, "contribution_id", "voided_at", "usd_cents", "amount_minor"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contribution_id: Mapped[int] = mapped_column(ForeignKey("contribution.id"))
    date_received: Mapped[date] = mapped_column(Date)
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    rate: Mapped[Decimal] = mapped_column(Rate)
    usd_cents: Mapped[int] = mapped_column(BigInteger)
    reference: Mapped[str] = mapped_column(String(100), default="")
    voided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    void_reason: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    contribution: Mapped[Contribution] = relationship(back_populates="payments")

    __mapper_args__ = {"version_id_col": version}


class ExchangeRate(Base):
    """A known rate, used to prefill forms; a person can always type another.

    ``kind`` names the table it belongs to (``tracker.core.rates.KINDS``): a UN operational rate
    is in force from its effective day (a month's rate from the 1st) until the next one, an ECB
    reference rate on its day, a rate typed by a person (``add-rate``, the rates page) on its day.
    Each table has at most one rate per currency and day; two tables may both have one.
    """

    __tablename__ = "exchange_rate"
    __table_args__ = (
        UniqueConstraint("currency", "kind", "date"),
        CheckConstraint("units_per_usd > 0", name="units_per_usd_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    currency: Mapped[str] = mapped_column(String(3))
    date: Mapped[date] = mapped_column(Date)
    units_per_usd: Mapped[Decimal] = mapped_column(Rate)
    source: Mapped[str] = mapped_column(String(200), default="")
    kind: Mapped[str] = mapped_column(String(20), default="typed")
    version: Mapped[int] = mapped_column(Integer)

    __mapper_args__ = {"version_id_col": version}


class RateFileLoad(Base):
    """A rate file the ``rates`` job found in ``TRACKER_RATES_DIR``, by its content: loaded (or
    refused) once, never again, whatever it is renamed to; a changed file is a new one."""

    __tablename__ = "rate_file_load"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    loaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    outcome: Mapped[str] = mapped_column(Text)


class FormSubmission(Base):
    """A form post that created something, by the one-time key its form carried: a second post
    with the same key (Back and resubmit, a double click, a retry) finds it and creates nothing."""

    __tablename__ = "form_submission"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    record_type: Mapped[str] = mapped_column(String(40))
    record_id: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class SeedRun(Base):
    """A seed that has been loaded once; it is never loaded again into the same database."""

    __tablename__ = "seed_run"

    name: Mapped[str] = mapped_column(String(60), primary_key=True)
    applied_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Role(enum.StrEnum):
    ADMIN = "admin"  # users, settings, jobs, and everything an editor does
    EDITOR = "editor"  # records and edits gaps, contributions, payments, imports
    VIEWER = "viewer"  # reads everything, downloads reports
    DONOR = "donor"  # one donor's own records and the gaps' public figures


#: The roles an administrator may limit to some programmes: admins see everything, and a donor
#: user its own donor's records, whatever their programme.
SCOPED_ROLES = frozenset({Role.EDITOR, Role.VIEWER})


class User(Base):
    """A person who signs in. ``session_epoch`` is part of every session cookie: raising it
    (sign-out, password change, disabling) ends that user's sessions everywhere. ``version``
    moves with each administrator's change (role, donor, active), which checks it under a row
    lock: sign-ins, which also write the row, do not make an administrator's form stale."""

    __tablename__ = "app_user"
    __table_args__ = (
        _one_of("role", Role),
        CheckConstraint("role <> 'donor' OR donor_id IS NOT NULL", name="donor_role_has_donor"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)  # stored case-folded
    password_hash: Mapped[str] = mapped_column(String(300))
    role: Mapped[str] = mapped_column(String(12))
    donor_id: Mapped[int | None] = mapped_column(ForeignKey("donor.id"))
    active: Mapped[bool] = mapped_column(default=True)
    session_epoch: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_sign_in_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    must_change_password: Mapped[bool] = mapped_column(default=False)
    #: Limited to the programmes in ``user_programme`` (staff only); False: every programme.
    scoped: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    version: Mapped[int] = mapped_column(Integer, default=1)

    donor: Mapped[Donor | None] = relationship()


class UserProgramme(Base):
    """A programme a scoped user may use. Rows come and go as an administrator changes the
    scope (nothing financial), each change in the audit trail."""

    __tablename__ = "user_programme"
    __table_args__ = (UniqueConstraint("user_id", "programme_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id"), index=True)


class LinkPurpose(enum.StrEnum):
    INVITATION = "invitation"  # a new user sets a first password
    RESET = "reset"  # an administrator had a user's password reset


class SignInLink(Base):
    """A single-use link that lets a user set a password: an invitation or a reset. Only the
    SHA-256 of its token is stored, so the table read by anybody opens no account."""

    __tablename__ = "sign_in_link"
    __table_args__ = (_one_of("purpose", LinkPurpose),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(10))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    user: Mapped[User] = relationship()


class ThrottleScope(enum.StrEnum):
    PAIR = "pair"  # one account from one address
    ACCOUNT = "account"  # one account from every address (address is "")
    ADDRESS = "address"  # one address for every account (email is "")


class SignInCounter(Base):
    """Failed sign-ins of one scope within the throttling window, one row per scope, so that
    every web worker sees the same count: ``tracker.users.throttle`` locks the row while it
    decides whether an attempt may be checked (the rules are in its docstring)."""

    __tablename__ = "sign_in_counter"
    __table_args__ = (_one_of("scope", ThrottleScope),)

    scope: Mapped[str] = mapped_column(String(7), primary_key=True)
    email: Mapped[str] = mapped_column(String(254), primary_key=True)  # case-folded, as typed
    address: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    #: When the first failure of the current window happened; None while there is none.
    window_started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: Attempts let in whose password is still being checked (pairs only).
    checking: Mapped[int] = mapped_column(Integer, default=0)
    #: When the latest attempt was let in (pairs), or the latest slowed one (accounts, addresses).
    admitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class AuditEntry(Base):
    """One change to a record: append-only (the database refuses UPDATE and DELETE on it)."""

    __tablename__ = "audit_entry"
    __table_args__ = (Index(None, "record_type", "record_id"), Index(None, "at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    user_id: Mapped[int | None] = mapped_column(Integer)  # no foreign key: the trail outlives everything
    actor: Mapped[str] = mapped_column(String(254))
    address: Mapped[str] = mapped_column(String(64), default="")
    action: Mapped[str] = mapped_column(String(12))  # create / update
    record_type: Mapped[str] = mapped_column(String(40))
    record_id: Mapped[int] = mapped_column(Integer)
    before: Mapped[str | None] = mapped_column(Text)  # JSON of the changed fields
    after: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text, default="")


# Payment schedules -----------------------------------------------------------------------


class Frequency(enum.StrEnum):
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    YEARLY = "yearly"
    ONE_OFF = "one-off"
    BY_HAND = "by hand"


class InstalmentStatus(enum.StrEnum):
    PENDING = "pending"
    PARTLY_PAID = "partly paid"
    PAID = "paid"
    OVERDUE = "overdue"
    CANCELLED = "cancelled"
    WRITTEN_OFF = "written off"


class PaymentSchedule(Base):
    """How a committed contribution's instalments were made: generated from a number, a
    frequency and a first due date, or typed by hand. Kept so that editing the amount can
    rebuild the instalments that have received nothing in the same way."""

    __tablename__ = "payment_schedule"
    __table_args__ = (
        _one_of("frequency", Frequency),
        CheckConstraint("instalment_count > 0", name="instalment_count_positive"),
    )

    contribution_id: Mapped[int] = mapped_column(ForeignKey("contribution.id"), primary_key=True)
    frequency: Mapped[str] = mapped_column(String(12))
    instalment_count: Mapped[int] = mapped_column(Integer)
    first_due_date: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    contribution: Mapped[Contribution] = relationship(back_populates="schedule")


class Instalment(Base):
    """A part of a contribution due on a date, in the contribution's currency.

    ``number`` orders the instalments (it follows the due dates) and payments fill them in that
    order; (contribution, number) is unique, so a rebuild can never leave duplicates behind.
    """

    __tablename__ = "instalment"
    __table_args__ = (
        _one_of("status", InstalmentStatus),
        UniqueConstraint("contribution_id", "number"),
        CheckConstraint("number > 0", name="number_positive"),
        CheckConstraint("amount_minor > 0", name="amount_positive"),
        CheckConstraint("paid_minor >= 0 AND paid_minor <= amount_minor", name="paid_within_amount"),
        Index("ix_instalment_status_due_date", "status", "due_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contribution_id: Mapped[int] = mapped_column(ForeignKey("contribution.id"))
    number: Mapped[int] = mapped_column(Integer)
    due_date: Mapped[date] = mapped_column(Date)
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    paid_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    status: Mapped[str] = mapped_column(String(12), default=InstalmentStatus.PENDING.value)

    contribution: Mapped[Contribution] = relationship(back_populates="instalments")


class WriteOff(Base):
    """The unpaid rest of a committed contribution, given up with a reason.

    Funding counts the contribution at its committed US$ value less ``usd_cents`` (see
    tracker.core.figures); the row keeps what was given up, when and why.
    """

    __tablename__ = "write_off"
    __table_args__ = (
        CheckConstraint("amount_minor > 0", name="amount_positive"),
        CheckConstraint("usd_cents >= 0", name="usd_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contribution_id: Mapped[int] = mapped_column(ForeignKey("contribution.id"), unique=True)
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    usd_cents: Mapped[int] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(Text)
    written_off_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    contribution: Mapped[Contribution] = relationship(back_populates="write_off")


class ReminderKind(enum.StrEnum):
    DUE_SOON = "due soon"
    OVERDUE = "overdue"


class SentVia(enum.StrEnum):
    EMAIL = "email"
    BY_HAND = "by hand"


class Reminder(Base):
    """A reminder in the outbox: what to tell whom about an instalment, and whether it went out.

    It keeps its own copy of the donor, amount and due date, because a later rebuild of the
    schedule may replace the instalment (``instalment_id`` then becomes NULL).
    """

    __tablename__ = "reminder"
    __table_args__ = (
        _one_of("kind", ReminderKind),
        CheckConstraint("sent_via IS NULL OR sent_via IN ('email', 'by hand')", name="sent_via_allowed"),
        CheckConstraint("amount_due_minor > 0", name="amount_due_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contribution_id: Mapped[int] = mapped_column(ForeignKey("contribution.id"), index=True)
    instalment_id: Mapped[int | None] = mapped_column(ForeignKey("instalment.id", ondelete="SET NULL"), index=True)
    donor_id: Mapped[int] = mapped_column(ForeignKey("donor.id"))
    kind: Mapped[str] = mapped_column(String(12))
    due_date: Mapped[date] = mapped_column(Date)
    amount_due_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    sent_via: Mapped[str | None] = mapped_column(String(12))
    #: Whom it is addressed to, decided when it is written: the donor's focal point, or empty
    #: for the programme's mailbox (TRACKER_REMINDERS_TO when it is e-mailed).
    recipient_name: Mapped[str] = mapped_column(String(200), default="", server_default="")
    recipient_email: Mapped[str] = mapped_column(String(254), default="", server_default="")
    #: Delivery attempts the SMTP server refused, the last refusal, and when it was given up.
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    failure: Mapped[str] = mapped_column(Text, default="", server_default="")
    failed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    contribution: Mapped[Contribution] = relationship()
    donor: Mapped[Donor] = relationship()


# Scheduled jobs --------------------------------------------------------------------------


class GapSnapshot(Base):
    """A gap's figures at a moment, written by the recompute job: the history behind the trend."""

    __tablename__ = "gap_snapshot"
    __table_args__ = (Index("ix_gap_snapshot_gap_id_taken_at", "gap_id", "taken_at", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    gap_id: Mapped[int] = mapped_column(ForeignKey("gap.id"))
    taken_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    requirement_cents: Mapped[int] = mapped_column(BigInteger)
    funding_cents: Mapped[int] = mapped_column(BigInteger)
    pledged_cents: Mapped[int] = mapped_column(BigInteger)
    received_cents: Mapped[int] = mapped_column(BigInteger)
    written_off_cents: Mapped[int] = mapped_column(BigInteger)
    contributions: Mapped[int] = mapped_column(Integer)


class PublicDonorFunding(Base):
    """A publicly named donor's funding of a published gap, as the recompute job last computed it
    (through ``tracker.core.figures.donor_figures``): what the public pages name, so that a
    public request never sums contributions. The job rewrites a row when the figure changes and
    sets it to 0 when the donor no longer funds the gap, may no longer be named or the gap is no
    longer published (the app role deletes no rows here). The pages also check ``named_publicly``
    and ``published`` as they read, so un-naming a donor or a gap takes effect at once, not at
    the next run."""

    __tablename__ = "public_donor_funding"
    __table_args__ = (Index("ix_public_donor_funding_gap_id_donor_id", "gap_id", "donor_id", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    gap_id: Mapped[int] = mapped_column(ForeignKey("gap.id"))
    donor_id: Mapped[int] = mapped_column(ForeignKey("donor.id"))
    funding_cents: Mapped[int] = mapped_column(BigInteger)
    computed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class RunOutcome(enum.StrEnum):
    OK = "ok"
    SKIPPED = "skipped"
    FAILED = "failed"


class JobRun(Base):
    """One run of a scheduled job, as the job history shows it. ``outcome`` is NULL while it runs.

    ``scheduled_for`` is the tick the run belongs to (NULL for a "Run now"); a tick that has
    run ok is not run again by a second scheduler process.
    """

    __tablename__ = "job_run"
    __table_args__ = (
        CheckConstraint("outcome IS NULL OR outcome IN ('ok', 'skipped', 'failed')", name="outcome_allowed"),
        Index("ix_job_run_job_started_at", "job", "started_at"),
        Index("ix_job_run_job_scheduled_for", "job", "scheduled_for"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(String(40))
    scheduled_for: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    outcome: Mapped[str | None] = mapped_column(String(8))
    rows_changed: Mapped[int | None] = mapped_column(Integer)
    summary: Mapped[str] = mapped_column(Text, default="")
    error: Mapped[str | None] = mapped_column(Text)
    process: Mapped[str] = mapped_column(String(200))


class JobRequest(Base):
    """A "Run now" pressed on /admin/jobs, waiting for a scheduler process to claim and run it."""

    __tablename__ = "job_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(String(40))
    requested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    claimed_by: Mapped[str | None] = mapped_column(String(200))
    run_id: Mapped[int | None] = mapped_column(ForeignKey("job_run.id"))


class JobLock(Base):
    """SQLite's job lock: a row per job, held by ``owner`` until it releases it or ``expires_at``.

    PostgreSQL uses advisory locks instead; the table exists there too, unused, so that both
    databases have one schema.
    """

    __tablename__ = "job_lock"

    job: Mapped[str] = mapped_column(String(40), primary_key=True)
    owner: Mapped[str | None] = mapped_column(String(200))
    acquired_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class JobSchedule(Base):
    """What a running scheduler reports about each job (interval, next run), refreshed at every
    poll, so that /admin/jobs shows the schedule actually in force and whether a scheduler is alive."""

    __tablename__ = "job_schedule"

    job: Mapped[str] = mapped_column(String(40), primary_key=True)
    interval_seconds: Mapped[int] = mapped_column(Integer)
    next_run_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    process: Mapped[str] = mapped_column(String(200))
    seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


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


class ImportJobState(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    REFUSED = "refused"  # rows had problems when the job checked them: nothing recorded
    FAILED = "failed"


class ImportJob(Base):
    """An import too large to record within a web request (``TRACKER_IMPORT_JOB_ROWS``), waiting
    for a scheduler process to claim and record it (``tracker.imports.queue``), as "Run now"
    requests do. Its progress page reads it; a done import's result is kept with its upload."""

    __tablename__ = "import_job"
    __table_args__ = (_one_of("state", ImportJobState), Index(None, "state"))

    id: Mapped[int] = mapped_column(primary_key=True)
    upload_token: Mapped[str] = mapped_column(ForeignKey("import_upload.token", ondelete="CASCADE"), index=True)
    #: JSON: the columns and the choices (skip invalid rows, duplicates ticked) confirmed.
    choices: Mapped[str] = mapped_column(Text)
    #: Who confirmed it, named by the audit trail for what the job records.
    actor: Mapped[str] = mapped_column(String(254))
    user_id: Mapped[int | None] = mapped_column(Integer)  # no foreign key, as in the audit trail
    address: Mapped[str] = mapped_column(String(64), default="")
    state: Mapped[str] = mapped_column(String(12), default=ImportJobState.QUEUED.value)
    requested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    claimed_by: Mapped[str | None] = mapped_column(String(200))
    #: Why it failed or was refused, for the person who confirmed it.
    message: Mapped[str | None] = mapped_column(Text)
    #: A refused import's rows and reasons (JSON, as ``tracker.imports.report.summary`` has them).
    outcome: Mapped[str | None] = mapped_column(Text)


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


class FtsPlan(Base):
    """Which funding gap the flows of an OCHA FTS plan (its code, e.g. ``HAFG20``) are recorded
    on: the mapping an FTS import last used, offered again to the next export of the same plan."""

    __tablename__ = "fts_plan"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_code: Mapped[str] = mapped_column(String(40), unique=True)
    gap_id: Mapped[int] = mapped_column(ForeignKey("gap.id"), index=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)


class FtsFlow(Base):
    """An FTS flow already imported, by FTS's own flow id, and the contribution it became: a later
    export of the same flow updates that contribution instead of adding another. Bookkeeping like
    ``ImportedRow``: what the flow changes is the contribution's, in the audit trail."""

    __tablename__ = "fts_flow"

    flow_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    contribution_id: Mapped[int] = mapped_column(ForeignKey("contribution.id"), unique=True)
    plan_code: Mapped[str] = mapped_column(String(40), default="")
    imported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)
