"""The table of each row type: which columns a sheet of gaps, contributions, payments or
donors shows, in what order, under which headers, and which of them add up."""
from __future__ import annotations

from dataclasses import replace

from reports.tables import SUM, Column, Kind, Table

#: Coverage of the totals row: total funding over total requirement, blank for a zero requirement.
COVERAGE_OF_TOTALS = '=IF({requirement}{row}=0,"",{funding}{row}/{requirement}{row})'

GAPS = Table("Summary", (
    Column("Code", "code", width=10),
    Column("Funding gap", "title", width=28, wrap=True),
    Column("Status", "status", width=7),
    Column("Requirement (US$)", "requirement", Kind.USD, total=SUM),
    Column("Funding, committed or paid (US$)", "funding", Kind.USD, total=SUM),
    Column("Open pledges (US$)", "pledged", Kind.USD, total=SUM),
    Column("Received (US$)", "received", Kind.USD, total=SUM),
    Column("Written off (US$)", "written_off", Kind.USD, total=SUM),
    Column("Exchange difference (US$)", "exchange_difference", Kind.USD, total=SUM),
    Column("Shortfall (US$)", "shortfall", Kind.USD, total=SUM),
    Column("Surplus (US$)", "surplus", Kind.USD, total=SUM),
    Column("Shortfall if every pledge is honoured (US$)", "gap_if_pledges_honoured", Kind.USD, total=SUM),
    Column("Coverage", "coverage", Kind.PERCENT, total=COVERAGE_OF_TOTALS),
    Column("Impact target", "impact_count", Kind.COUNT, width=10),
    Column("Impact unit", "impact_unit", width=12, wrap=True),
    Column("Impact indicator", "impact_indicator", width=30, wrap=True),
), freeze="C2", title_columns=2, printed_columns=13)  # the figures print on one page wide; impact is on screen

#: The US$ columns of a listed contribution: its part in each of the Summary's figures.
CONTRIBUTION_PARTS = (
    Column("Open pledge (US$)", "pledged_usd", Kind.USD),
    Column("Funding (US$)", "funding_usd", Kind.USD),
    Column("Received (US$)", "received_usd", Kind.USD),
    Column("Written off (US$)", "written_off_usd", Kind.USD),
    Column("Exchange difference (US$)", "exchange_difference_usd", Kind.USD),
)

CONTRIBUTIONS = Table("Contributions", (
    Column("No.", "number", Kind.ID),
    Column("Gap", "gap_code", width=10),
    Column("Donor", "donor", width=22, wrap=True),
    Column("Status", "shown_status", width=10, wrap=True),
    Column("Decision date", "decision_date", Kind.DATE),
    Column("Amount", "amount", Kind.AMOUNT),
    Column("Received", "received", Kind.AMOUNT),
    *CONTRIBUTION_PARTS,
    Column("Currency", "currency", width=8),
    Column("Rate date", "rate_date", Kind.DATE),
    Column("Rate (units per US$)", "rate", Kind.RATE),
    Column("Agreement reference", "reference", width=16, wrap=True),
    Column("Note", "note", width=30, wrap=True),
    Column("Why cancelled or written off", "reason", width=30, wrap=True),
), freeze="D2", title_columns=3)

#: The contributions as the donor's own statement lists them: the note to the donor, never the
#: staff's internal note or their reasons for cancelling or writing off.
STATEMENT_CONTRIBUTIONS = Table("Contributions", (
    *(column for column in CONTRIBUTIONS.columns if column.field not in ("note", "reason")),
    Column("Note to the donor", "donor_note", width=30, wrap=True),
), freeze="D2", title_columns=3)

PAYMENTS = Table("Payments", (
    Column("Contribution No.", "contribution", Kind.ID, width=12),
    Column("Gap", "gap_code", width=10),
    Column("Donor", "donor", width=22, wrap=True),
    Column("Date received", "date_received", Kind.DATE),
    Column("Amount", "amount", Kind.AMOUNT),
    Column("Currency", "currency", width=8),
    Column("Rate (units per US$)", "rate", Kind.RATE),
    Column("Received (US$)", "usd", Kind.USD),
    Column("Payment reference", "reference", width=16, wrap=True),
    Column("Note", "note", width=30, wrap=True),
), freeze="D2", title_columns=3)

DONORS = Table("Donors", (
    Column("Donor", "name", width=30, wrap=True),
    Column("Type", "type", width=14),
    Column("Country", "country", width=16, wrap=True),
    Column("Open pledges (US$)", "pledged", Kind.USD, total=SUM),
    Column("Committed (US$)", "committed", Kind.USD, total=SUM),
    Column("Paid in full (US$)", "paid", Kind.USD, total=SUM),
    Column("Funding, committed or paid (US$)", "funding", Kind.USD, total=SUM),
    Column("Received (US$)", "received", Kind.USD, total=SUM),
    Column("Cancelled (US$)", "cancelled", Kind.USD, total=SUM),
    Column("Contributions", "contributions", Kind.COUNT, width=13, total=SUM),
), freeze="B2", title_columns=1)

SCHEDULE = Table("Schedule", (
    Column("Contribution No.", "contribution", Kind.ID, width=12),
    Column("Gap", "gap_code", width=10),
    Column("Donor", "donor", width=22, wrap=True),
    Column("Instalment", "number", Kind.ID, width=10),
    Column("Due date", "due_date", Kind.DATE),
    Column("Amount", "amount", Kind.AMOUNT),
    Column("Paid", "paid", Kind.AMOUNT),
    Column("Outstanding", "outstanding", Kind.AMOUNT),
    Column("Outstanding (US$ at the contribution's rate)", "outstanding_usd", Kind.USD, width=16),
    Column("Status", "status", width=11),
), freeze="D2", title_columns=3)

DUE_BY_MONTH = Table("Schedule", (
    Column("Due", "label", width=22),
    Column("Instalments", "instalments", Kind.COUNT, width=11, total=SUM),
    Column("Outstanding (US$ at the contribution's rate)", "due_usd", Kind.USD, width=16, total=SUM),
))

HISTORY = Table("History", (
    Column("Gap", "gap_code", width=10),
    Column("Date", "day", Kind.DATE),
    Column("Requirement (US$)", "requirement", Kind.USD, width=15),
    Column("Funding (US$)", "funding", Kind.USD, width=15),
    Column("Shortfall (US$)", "shortfall", Kind.USD, width=15),
    Column("All gaps shown: date", "total_day", Kind.DATE, width=12),
    Column("Requirement (US$)", "total_requirement", Kind.USD, width=15),
    Column("Funding (US$)", "total_funding", Kind.USD, width=15),
    Column("Shortfall (US$)", "total_shortfall", Kind.USD, width=15),
), freeze="A2", title_columns=2)

# A donor's statement: each sheet printed upright when it fits at 8 pt.

STATEMENT_SUMMARY = Table("Statement", (
    Column("Summary", "label", width=34, wrap=True),
    Column("US$", "usd", Kind.USD),
), freeze="A2", portrait=True)


def statement_summary(currency: str | None) -> Table:
    """The statement's summary: US$, and the donor's own currency when it gives in one."""
    if currency is None:
        return STATEMENT_SUMMARY
    return replace(STATEMENT_SUMMARY, columns=(*STATEMENT_SUMMARY.columns, Column(currency, "amount", Kind.AMOUNT)))


MOVEMENTS = Table("Movements", (
    Column("Date", "day", Kind.DATE),
    Column("Movement", "movement", width=30, wrap=True),
    Column("No.", "contribution", Kind.ID),
    Column("Gap", "gap_code", width=10),
    Column("Amount", "amount", Kind.AMOUNT),
    Column("Committed (US$)", "committed_usd", Kind.USD),
    Column("Received (US$)", "received_usd", Kind.USD),
    Column("Outstanding (US$)", "outstanding_usd", Kind.USD),
), freeze="C2", title_columns=2, strong="position", portrait=True)

#: The donor's instalments; the contribution's number leads to its gap on the other sheets.
STATEMENT_INSTALMENTS = Table("Instalments", (
    *(column for column in SCHEDULE.columns if column.field not in ("donor", "gap_code")),
), freeze="C2", title_columns=2, highlight="overdue", portrait=True)

STATEMENT_GAPS = Table("Gaps funded", (
    Column("Code", "code", width=10),
    Column("Funding gap", "title", width=30, wrap=True),
    *(column for column in GAPS.columns if column.field in ("requirement", "funding", "shortfall", "coverage")),
), freeze="C2", title_columns=2, portrait=True)
