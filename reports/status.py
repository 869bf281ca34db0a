"""The donor status workbook: Summary, Contributions, Payments, Donors, Notes."""
from __future__ import annotations

from typing import IO

from reports.rows import StatusReport
from reports.sheets import CONTRIBUTIONS, DONORS, PAYMENTS
from reports.summary import write_gaps
from reports.tables import write_table
from reports.workbook import new_workbook, write_notes


def write_status_workbook(target: str | IO[bytes], report: StatusReport) -> None:
    """Write the workbook to ``target`` (a path or a binary file), streaming the listings.

    A new sheet is one more (table, rows) pair below; totals only where figures add up.
    """
    workbook = new_workbook(report.notes)
    write_gaps(workbook, report.gaps)
    for table, rows, totals in (
        (CONTRIBUTIONS, report.contributions, False),
        (PAYMENTS, report.payments, False),
        (DONORS, report.donors, True),
    ):
        write_table(workbook, table, rows, totals=totals)
    write_notes(workbook, report.notes)
    workbook.save(target)
