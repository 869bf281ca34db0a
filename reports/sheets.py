"""The table of each row type: which columns a sheet of gaps, contributions, payments or
donors shows, in what order, under which headers, and which of them add up."""
from __future__ import annotations

from reports.tables import SUM, Column, Kind, Table

#: Coverage of the totals row: total funding over total requirement, blank for a zero requirement.
COVERAGE_OF_TOTALS = '=IF({requirement}{row}=0,"",{funding}{row}/{requirement}{row})'

GAPS = Table("Summary", (
    Column("Code", "code", width=12),
    Column("Funding gap", "title", width=50),
    Column("Status", "status", width=8),
    Column("Requirement", "requirement", Kind.USD, total=SUM),
    Column("Funding (committed or paid)", "funding", Kind.USD, total=SUM),
    Column("Open pledges", "pledged", Kind.USD, total=SUM),
    Column("Received", "received", Kind.USD, total=SUM),
    Column("Written off", "written_off", Kind.USD, total=SUM),
    Column("Exchange difference", "exchange_difference", Kind.USD, total=SUM),
    Column("Shortfall", "shortfall", Kind.USD, total=SUM),
    Column("Surplus", "surplus", Kind.USD, total=SUM),
    Column("Shortfall if every pledge is honoured", "gap_if_pledges_honoured", Kind.USD, total=SUM),
    Column("Coverage", "coverage", Kind.PERCENT, total=COVERAGE_OF_TOTALS),
    Column("Impact target", "impact_count", Kind.COUNT, width=14),
    Column("Impact unit", "impact_unit", width=12),
    Column("Impact indicator", "impact_indicator", width=50),
), freeze="C2")

CONTRIBUTIONS = Table("Contributions", (
    Column("No.", "number", Kind.ID),
    Column("Gap", "gap_code", width=12),
    Column("Donor", "donor", width=32),
    Column("Status", "status", width=10),
    Column("Decision date", "decision_date", Kind.DATE),
    Column("Amount", "amount", Kind.AMOUNT),
    Column("Currency", "currency", width=9),
    Column("Exchange rate (units per US$)", "rate", Kind.RATE),
    Column("Rate date", "rate_date", Kind.DATE),
    Column("US$ value", "usd", Kind.USD),
    Column("Received", "received", Kind.AMOUNT),
    Column("Agreement reference", "reference", width=20),
    Column("Note", "note", width=40),
    Column("Reason cancelled", "cancel_reason", width=30),
), freeze="D2")

PAYMENTS = Table("Payments", (
    Column("Contribution No.", "contribution", Kind.ID, width=14),
    Column("Gap", "gap_code", width=12),
    Column("Donor", "donor", width=32),
    Column("Date received", "date_received", Kind.DATE),
    Column("Amount", "amount", Kind.AMOUNT),
    Column("Currency", "currency", width=9),
    Column("Exchange rate (units per US$)", "rate", Kind.RATE),
    Column("US$ value", "usd", Kind.USD),
    Column("Payment reference", "reference", width=20),
), freeze="D2")

DONORS = Table("Donors", (
    Column("Donor", "name", width=32),
    Column("Type", "type", width=14),
    Column("Country", "country", width=20),
    Column("Open pledges", "pledged", Kind.USD, total=SUM),
    Column("Committed", "committed", Kind.USD, total=SUM),
    Column("Paid in full", "paid", Kind.USD, total=SUM),
    Column("Funding (committed or paid)", "funding", Kind.USD, total=SUM),
    Column("Received", "received", Kind.USD, total=SUM),
    Column("Cancelled", "cancelled", Kind.USD, total=SUM),
    Column("Contributions", "contributions", Kind.COUNT, total=SUM),
), freeze="B2")
