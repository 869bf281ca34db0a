"""The plain rows the builders lay out. The app fills them; money is ``Decimal`` in the
currency named beside it (US$ where the field says ``usd``), dates are ``date``.

A new sheet is one more row type here, one more ``Table`` in ``reports.tables`` and one more
entry in the workbook that lists it.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal


@dataclass(frozen=True)
class GapRow:
    """A funding gap's figures in US$, as the app computed them."""

    code: str
    title: str
    status: str
    requirement: Decimal
    funding: Decimal
    pledged: Decimal
    received: Decimal
    written_off: Decimal  # the unpaid rest given up; already out of funding
    exchange_difference: Decimal  # fully paid contributions: US$ received − US$ committed; part of funding
    shortfall: Decimal
    surplus: Decimal
    gap_if_pledges_honoured: Decimal
    coverage: Decimal | None  # a fraction: 0.25 is 25 %; None when the requirement is 0
    impact_count: int | None
    impact_unit: str
    impact_indicator: str


@dataclass(frozen=True)
class ContributionRow:
    number: int
    gap_code: str
    donor: str
    status: str
    decision_date: date | None
    amount: Decimal  # in ``currency``, with the currency's decimal places
    currency: str
    rate: Decimal  # units of ``currency`` per US$
    rate_date: date
    usd: Decimal  # frozen at recording
    received: Decimal  # in ``currency``; the Payments sheet has each payment's US$
    reference: str
    note: str
    cancel_reason: str


@dataclass(frozen=True)
class PaymentRow:
    contribution: int
    gap_code: str
    donor: str
    date_received: date
    amount: Decimal  # in ``currency``
    currency: str
    rate: Decimal
    usd: Decimal
    reference: str


@dataclass(frozen=True)
class DonorRow:
    """A donor's contributions in US$, by what they count as."""

    name: str
    type: str
    country: str
    pledged: Decimal
    committed: Decimal
    paid: Decimal
    funding: Decimal
    received: Decimal
    cancelled: Decimal
    contributions: int


@dataclass(frozen=True)
class Notes:
    """What a reader needs to trust a workbook: when, what was selected, what figures mean."""

    title: str
    as_of: datetime  # UTC
    filters: Sequence[tuple[str, str]]
    definitions: Sequence[tuple[str, str]]
    source: str


@dataclass(frozen=True)
class StatusReport:
    """Everything the donor status workbook shows. The listings may be iterators: they are
    written as they are read, so a million contributions never sit in memory."""

    notes: Notes
    gaps: Sequence[GapRow]
    contributions: Iterable[ContributionRow]
    payments: Iterable[PaymentRow]
    donors: Sequence[DonorRow]


@dataclass(frozen=True)
class DonorStatement:
    """One donor's contributions and payments, and the status of every gap they fund."""

    notes: Notes
    donor: DonorRow
    contributions: Iterable[ContributionRow]
    payments: Iterable[PaymentRow]
    gaps: Sequence[GapRow]


@dataclass(frozen=True)
class TemplateColumn:
    """A column of the import template and how to fill it."""

    header: str
    required: str
    meaning: str
    example: str


@dataclass(frozen=True)
class SkippedRow:
    """A row of an imported file that was not imported, with its cells as read and why."""

    row_number: int
    values: Sequence[object]
    reasons: str
