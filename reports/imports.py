"""Workbooks around importing: the template that shows the expected columns, and the report
of the rows an import skipped, with their cells as read and the reasons."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import IO

from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from reports.rows import Notes, SkippedRow, TemplateColumn
from reports.tables import Column, Kind, Table, write_table
from reports.workbook import new_workbook

TEMPLATE_ROWS = 5_000
HOW_TO_FILL = Table("How to fill", (
    Column("Column", "header", width=30), Column("Required", "required", width=22),
    Column("What to enter", "meaning", width=70, wrap=True), Column("Example", "example", width=22),
))


def write_import_template(target: str | IO[bytes], columns: Sequence[TemplateColumn], statuses: Sequence[str]) -> None:
    """A "Contributions" sheet with the headers (and a status list to pick from), and a sheet
    explaining each column."""
    notes = Notes("Contribution import template", datetime.now(UTC), (), (), "")
    workbook = new_workbook(notes)
    sheet = write_table(workbook, Table("Contributions", tuple(Column(c.header, "header") for c in columns)), [],
                        notes=notes).sheet
    status = get_column_letter(1 + [c.header for c in columns].index("Status"))
    pick = DataValidation(type="list", formula1=f'"{",".join(statuses)}"', allow_blank=True,
                          error=f"Use {', '.join(statuses)}.", errorTitle="Status")
    pick.add(f"{status}2:{status}{TEMPLATE_ROWS}")
    sheet.data_validations.append(pick)
    write_table(workbook, HOW_TO_FILL, list(columns), notes=notes)
    workbook.save(target)


def write_skipped_rows(target: str | IO[bytes], headers: Sequence[str], rows: Sequence[SkippedRow],
                       notes: Notes) -> None:
    """The skipped rows as they were in the file, each with its row number and reasons."""
    table = Table("Skipped rows", (
        Column("Row", "row_number", Kind.ID, width=7),
        *(Column(header, f"value_{i}", Kind.AS_READ) for i, header in enumerate(headers)),
        Column("Why it was skipped", "reasons", width=60),
    ), freeze="B2")
    flat = [SimpleNamespace(row_number=r.row_number, reasons=r.reasons,
                            **{f"value_{i}": r.values[i] if i < len(r.values) else None for i in range(len(headers))})
            for r in rows]
    workbook = new_workbook(notes)
    write_table(workbook, table, flat, notes=notes)
    workbook.save(target)
