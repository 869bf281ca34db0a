"""What an import did, kept with its upload, and the skipped-rows workbook built from it."""
from __future__ import annotations

from datetime import UTC, datetime
from typing import IO

from reports.imports import write_import_template, write_skipped_rows
from reports.rows import Notes, SkippedRow, TemplateColumn
from tracker.contributions.rules import OPEN_STATUSES
from tracker.imports.files import Table
from tracker.imports.mapping import TARGETS
from tracker.imports.rows import Problem
from tracker.imports.run import ALREADY_IMPORTED, DUPLICATE, ImportResult, RowOutcome


def reasons(problems) -> str:
    return " ".join(f"{p.column}: {p.message}" for p in problems)


def duplicate_reason(outcome: RowOutcome) -> str:
    return f"Possible duplicate: same as {outcome.duplicate.words}."


def summary(result: ImportResult) -> dict:
    """The result in plain JSON-able terms: counts, and each skipped row with its reasons (the
    possible duplicates held back among them, by row)."""
    skipped = [*((o.row, reasons(o.problems)) for o in result.skipped),
               *((o.row, duplicate_reason(o)) for o in result.outcomes if o.outcome == DUPLICATE)]
    return {
        "imported": result.imported,
        "already_imported": result.count(ALREADY_IMPORTED),
        "duplicates": result.count(DUPLICATE),
        "skipped": [{"row": row, "reasons": why} for row, why in sorted(skipped)],
    }


def problem_lines(problems: list[Problem]) -> list[str]:
    """Problems as lines for a terminal: 'row 5, Funding: The amount must be more than zero.'"""
    return [f"row {p.row}, {p.column}: {p.message}" for p in problems]


def duplicate_lines(result: ImportResult) -> list[str]:
    """The rows marked as possible duplicates, as lines for a terminal, saying what became of each."""
    def fate(outcome: RowOutcome) -> str:
        if outcome.outcome == DUPLICATE:
            return "skipped (--allow-duplicates imports it)"
        return "imported" if outcome.tick else "imported, the first of these rows"
    return [f"row {o.row}: possible duplicate, same as {o.duplicate.words}; {fate(o)}." for o in result.flagged]


def write_skipped_report(target: IO[bytes], table: Table, outcome: dict, filename: str) -> None:
    """The skipped rows of ``outcome`` (see :func:`summary`) as they are in ``table``."""
    rows = [SkippedRow(s["row"], table.row(s["row"]) or (), s["reasons"]) for s in outcome["skipped"]]
    notes = Notes(f"Rows skipped when importing {filename}", datetime.now(UTC), (), (), filename)
    write_skipped_rows(target, table.headers, rows, notes)


def write_template(target: IO[bytes]) -> None:
    columns = [TemplateColumn(t.label, "Yes" if t.required else ("Yes, or chosen when importing"
                              if t.name in ("gap", "currency", "status") else "No"), t.meaning, t.example)
               for t in TARGETS]
    write_import_template(target, columns, [s.value for s in OPEN_STATUSES])
