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
    """A contribution with its part in each US$ figure of its gap: summed over a gap's rows,
    each US$ column is the gap's figure. A cancelled one shows its amount and 0 in every US$
    column."""

    number: int
    gap_code: str
    donor: str
    status: str
    decision_date: date | None
    amount: Decimal  # in ``currency``, with the currency's decimal places
    currency: str
    rate: Decimal  # units of ``currency`` per US$
    rate_date: date
    received: Decimal  # in ``currency``: what arrived (marked paid: at least the amount)
    pledged_usd: Decimal  # open pledges
    funding_usd: Decimal
    received_usd: Decimal
    written_off_usd: Decimal
    exchange_difference_usd: Decimal
    reference: str
    note: str  # internal: staff only
    cancel_reason: str = ""  # internal: staff only
    write_off_reason: str = ""  # internal: staff only
    donor_note: str = ""  # the note to the donor, which its statement prints

    @property
    def shown_status(self) -> str:
        """The status as the sheet shows it: a cancelled row says it counts 0."""
        return f"{self.status} — counts 0" if self.status == "cancelled" else self.status

    @property
    def reason(self) -> str:
        """Why it was cancelled or its unpaid rest written off."""
        if self.cancel_reason:
            return f"Cancelled: {self.cancel_reason}"
        return f"Written off: {self.write_off_reason}" if self.write_off_reason else ""


@dataclass(frozen=True)
class PaymentRow:
    """Money received. A contribution marked paid before its payments reached its amount has
    one more row, without a date, for the rest it counts as received (``note`` says so), so
    that the US$ column adds up to the Summary's received."""

    contribution: int
    gap_code: str
    donor: str
    date_received: date | None
    amount: Decimal  # in ``currency``
    currency: str
    rate: Decimal
    usd: Decimal
    reference: str
    note: str = ""


@dataclass(frozen=True)
class InstalmentRow:
    """An instalment of a contribution's schedule, in the contribution's currency."""

    contribution: int
    gap_code: str
    donor: str
    number: int
    due_date: date
    amount: Decimal
    currency: str
    paid: Decimal
    outstanding: Decimal
    status: str  # pending, partly paid, paid, overdue, cancelled, written off
    outstanding_usd: Decimal  # at the contribution's rate

    @property
    def overdue(self) -> bool:
        return self.status == "overdue"


@dataclass(frozen=True)
class MonthDue:
    """What falls due in a month (``month`` is its first day; None: overdue, due before today
    and not fully paid), in US$ at each contribution's rate."""

    month: date | None
    instalments: int
    due_usd: Decimal

    @property
    def label(self) -> str:
        return "Overdue (due before today)" if self.month is None else f"{self.month:%B %Y}"


@dataclass(frozen=True)
class HistoryRow:
    """A line of the History sheet: a gap's figures at the end of a day (its last snapshot
    that day) and, on the first lines, the totals of the gaps shown by day for the chart
    (``day_*``, None once the days run out)."""

    day: date
    gap_code: str
    requirement: Decimal
    funding: Decimal
    shortfall: Decimal
    total_day: date | None = None
    total_requirement: Decimal | None = None
    total_funding: Decimal | None = None
    total_shortfall: Decimal | None = None


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
    programme: str = ""  # the programmes of the gaps shown
    paper: str = "A4"  # what the sheets are set up to print on: A4 or Letter


@dataclass(frozen=True)
class ProgrammeGaps:
    """One programme's gaps, for its own sheet of a workbook that shows several programmes."""

    code: str
    name: str
    gaps: Sequence[GapRow]


@dataclass(frozen=True)
class StatusReport:
    """Everything the donor status workbook shows. The listings may be iterators: they are
    written as they are read, so a million contributions never sit in memory."""

    notes: Notes
    gaps: Sequence[GapRow]
    contributions: Iterable[ContributionRow]
    payments: Iterable[PaymentRow]
    donors: Sequence[DonorRow]
    schedule: Iterable[InstalmentRow] = ()
    months: Sequence[MonthDue] = ()  # overdue first, then each of the next 12 months
    history: Iterable[HistoryRow] = ()
    programmes: Sequence[ProgrammeGaps] = ()  # a sheet each, when the gaps belong to several


@dataclass(frozen=True)
class StatementLine:
    """A line of a statement's summary: a figure in US$ and, for a donor who gives in one
    currency, in that currency (None where the figure has no meaning in it)."""

    label: str
    usd: Decimal
    amount: Decimal | None = None
    currency: str = ""


@dataclass(frozen=True)
class MovementRow:
    """A line of a statement's movements, as on a bank statement. A movement shows what it adds
    to the donor's committed and received US$ and the outstanding balance after it; the opening
    and closing positions (``position``) show the committed and received US$ to date instead."""

    day: date | None
    movement: str
    contribution: int | None
    gap_code: str
    amount: Decimal | None  # in ``currency``
    currency: str
    committed_usd: Decimal
    received_usd: Decimal
    outstanding_usd: Decimal
    position: bool = False


@dataclass(frozen=True)
class DonorStatement:
    """A donor's statement of contributions: its title block, a summary, the movements of a
    period between an opening and a closing position, its instalments, the gaps it funds and
    each of its contributions with its part in the figures."""

    notes: Notes
    donor: str
    date_from: date | None  # None: from the first movement
    date_to: date
    currency: str | None  # the one currency the donor gives in, if it gives in one
    summary: Sequence[StatementLine]
    movements: Sequence[MovementRow]
    instalments: Sequence[InstalmentRow]
    gaps: Sequence[GapRow]
    contributions: Iterable[ContributionRow]

    @property
    def period(self) -> str:
        start = f"from {self.date_from:%d %B %Y}" if self.date_from else "from the first movement"
        return f"{start} to {self.date_to:%d %B %Y}"

    @property
    def title_lines(self) -> list[tuple[str, str]]:
        """The title block, under "Statement of contributions"."""
        also = f"; amounts also in {self.currency}, the currency the donor gives in" if self.currency else ""
        lines = [("Organisation and programme", self.notes.programme)] if self.notes.programme else []
        return [*lines, ("Donor", self.donor), ("Period", self.period),
                ("As of", f"{self.notes.as_of:%Y-%m-%d %H:%M} UTC"),
                ("Reporting currency", f"US dollars (US$){also}"), ("Source", self.notes.source)]


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
