"""A donor's statement of contributions, read like a bank statement: the title block and the
summary, the movements of the period between an opening and a closing position, the
instalments (overdue ones filled pale red), the gaps the donor funds, each contribution with
its part in the figures, and the Notes (definitions and source). Its sheets print upright."""
from __future__ import annotations

from typing import IO

from reports.rows import DonorStatement
from reports.sheets import MOVEMENTS, STATEMENT_CONTRIBUTIONS, STATEMENT_GAPS, STATEMENT_INSTALMENTS, statement_summary
from reports.tables import title_block, write_table
from reports.workbook import new_workbook, write_notes

TITLE = "Statement of contributions"


def write_donor_statement(target: str | IO[bytes], statement: DonorStatement) -> None:
    notes = statement.notes
    workbook = new_workbook(notes)
    write_table(workbook, statement_summary(statement.currency), statement.summary, notes=notes,
                above=title_block(TITLE, statement.title_lines))
    write_table(workbook, MOVEMENTS, statement.movements, notes=notes)
    write_table(workbook, STATEMENT_INSTALMENTS, statement.instalments, notes=notes)
    write_table(workbook, STATEMENT_GAPS, statement.gaps, notes=notes, totals=True)
    write_table(workbook, STATEMENT_CONTRIBUTIONS, statement.contributions, notes=notes)
    write_notes(workbook, notes)
    workbook.save(target)
