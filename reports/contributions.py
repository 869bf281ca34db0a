"""The contributions export: every contribution on one sheet, streamed, for large databases."""
from __future__ import annotations

from collections.abc import Iterable
from typing import IO

from reports.rows import ContributionRow, Notes
from reports.sheets import CONTRIBUTIONS
from reports.tables import write_table
from reports.workbook import new_workbook, write_notes


def write_contributions_workbook(target: str | IO[bytes], rows: Iterable[ContributionRow], notes: Notes) -> int:
    """Write ``rows`` as they are read; memory does not grow with their number. Returns how
    many were written."""
    workbook = new_workbook(notes)
    placed = write_table(workbook, CONTRIBUTIONS, rows, notes=notes)
    write_notes(workbook, notes)
    workbook.save(target)
    return placed.rows
