"""A donor's statement: what they gave, what arrived, and where each gap they fund stands."""
from __future__ import annotations

from dataclasses import replace
from typing import IO

from reports.rows import DonorStatement
from reports.sheets import DONORS, PAYMENTS, STATEMENT_CONTRIBUTIONS
from reports.summary import write_gaps
from reports.tables import write_table
from reports.workbook import new_workbook, write_notes

DONOR = replace(DONORS, title="Donor")


def write_donor_statement(target: str | IO[bytes], statement: DonorStatement) -> None:
    workbook = new_workbook(statement.notes)
    notes = statement.notes
    write_table(workbook, DONOR, [statement.donor], notes=notes)
    write_table(workbook, STATEMENT_CONTRIBUTIONS, statement.contributions, notes=notes)
    write_table(workbook, PAYMENTS, statement.payments, notes=notes)
    write_gaps(workbook, statement.gaps, notes, title="Gaps funded", titled=False)
    write_notes(workbook, statement.notes)
    workbook.save(target)
