"""The donor status workbook: Summary, a sheet per programme when it shows several, Contributions,
Payments, Donors, Schedule, History, Notes."""
from __future__ import annotations

from dataclasses import replace
from typing import IO

from reports.history import write_history
from reports.rows import StatusReport
from reports.schedule import write_schedule
from reports.sheets import CONTRIBUTIONS, DONORS, PAYMENTS
from reports.summary import write_gaps
from reports.tables import write_table
from reports.workbook import new_workbook, write_notes


def programme_sheet(code: str) -> str:
    """A programme's sheet: named apart from the others whatever its code (a code is at most
    20 characters, a sheet's name 31)."""
    return f"Programme {code}"


def write_status_workbook(target: str | IO[bytes], report: StatusReport) -> None:
    """Write the workbook to ``target`` (a path or a binary file), streaming the listings.

    A new sheet is one more (table, rows) pair below; totals only where figures add up.
    """
    notes = report.notes
    workbook = new_workbook(notes)
    write_gaps(workbook, report.gaps, notes)
    for programme in report.programmes:
        write_gaps(workbook, programme.gaps, replace(notes, programme=f"{programme.code} — {programme.name}"),
                   title=programme_sheet(programme.code))
    for table, rows, totals in (
        (CONTRIBUTIONS, report.contributions, False),
        (PAYMENTS, report.payments, False),
        (DONORS, report.donors, True),
    ):
        write_table(workbook, table, rows, notes=notes, totals=totals)
    write_schedule(workbook, report.schedule, report.months, notes)
    write_history(workbook, report.history, notes)
    write_notes(workbook, notes)
    workbook.save(target)
