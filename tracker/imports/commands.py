"""``flask import-contributions``: the web import's checks and report, for bulk loads.

It records as the pages do (``tracker.imports.recording``): the file is checked in a read
transaction and recorded in one short write, so a bulk load never holds SQLite's write lock
for longer than its inserts take, and the office goes on saving meanwhile.
"""
from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from tracker import cli
from tracker.core import money
from tracker.imports import mapping, recording
from tracker.imports.files import UnreadableFile, read_upload
from tracker.imports.report import duplicate_lines, problem_lines, summary, write_skipped_report
from tracker.imports.rows import STATUS_WORDS
from tracker.imports.run import Choices, ImportConflict


def _columns(pairs: tuple[str, ...]) -> dict[str, str]:
    columns = {}
    for pair in pairs:
        target, _, header = pair.partition("=")
        if target not in mapping.TARGET_NAMES or not header:
            raise click.BadParameter(f"{pair!r}: use TARGET=HEADER with TARGET one of "
                                     f"{', '.join(mapping.TARGET_NAMES)}.", param_hint="--column")
        columns[target] = header
    return columns


def _status(value: str | None) -> str | None:
    if value is None:
        return None
    found = STATUS_WORDS.get(" ".join(value.casefold().split()))
    if found is None:
        raise click.BadParameter("use pledged, committed or paid.", param_hint="--status")
    return found.value


@click.command("import-contributions")
@with_appcontext
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--gap", help="Funding gap code for rows that carry none.")
@click.option("--currency", help="ISO 4217 currency for rows that carry none.")
@click.option("--status", help="Status (pledged, committed, paid) for rows that carry none.")
@click.option("--column", "column_pairs", multiple=True, metavar="TARGET=HEADER",
              help=f"Which column holds what; TARGET is one of {', '.join(mapping.TARGET_NAMES)}. "
                   "Columns not given are guessed from the headers (or taken from the last import of a "
                   "file with the same headers).")
@click.option("--skip-invalid", is_flag=True, help="Import the valid rows and skip the others (listed).")
@click.option("--allow-duplicates", is_flag=True,
              help="Import the possible duplicates too: rows the same as another row of the file or as a "
                   "contribution already recorded (listed, and skipped without this option).")
@click.option("--dry-run", is_flag=True, help="Check every row and report, but write nothing.")
@click.option("--report", "report_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the skipped rows with their reasons to this .xlsx file.")
def import_contributions(file: Path, gap, currency, status, column_pairs, skip_invalid, allow_duplicates, dry_run,
                         report_path):
    """Import contributions from FILE (.xlsx or .csv), all or nothing unless --skip-invalid.

    Possible duplicates (of another row, or of a contribution already recorded) are listed and
    skipped unless --allow-duplicates.

    Exits non-zero when nothing was imported (or, with --dry-run, when nothing would be).
    """
    if currency is not None:
        currency = cli.parsed(money.currency, currency, "--currency").code
    try:
        table = read_upload(file.name, file.read_bytes(), current_app.config, cap_rows=False)
    except UnreadableFile as error:
        raise click.ClickException(str(error)) from None
    with cli.new_session() as session:
        remembered = mapping.remembered(session, table.headers)
    chosen = mapping.Mapping({**remembered, **_columns(column_pairs)}, gap=gap.upper() if gap else None,
                             currency=currency, status=_status(status))
    refused = chosen.problems(table.headers)
    if refused:
        reasons = " ".join(p.message for p in refused)
        raise click.ClickException(f"{reasons} (see --column, --gap, --currency, --status)")
    click.echo("Columns: " + ", ".join(f"{t}={h}" for t, h in chosen.columns.items()))
    choices = Choices(skip_invalid=skip_invalid, allow_duplicates=allow_duplicates)
    try:
        result = _checked_or_recorded(table, chosen, choices, dry_run)
    except ImportConflict as conflict:
        raise click.ClickException(str(conflict)) from None
    for line in [*problem_lines(result.problems), *duplicate_lines(result)]:
        click.echo(line, err=True)
    outcome = summary(result)
    if report_path is not None and outcome["skipped"]:
        with report_path.open("wb") as handle:
            write_skipped_report(handle, table, outcome, file.name)
        click.echo(f"Skipped rows and reasons: {report_path}")
    click.echo(_said(result, outcome, dry_run))
    if outcome["imported"] == 0:
        raise SystemExit(1)


def _checked_or_recorded(table, chosen: mapping.Mapping, choices: Choices, dry_run: bool):
    """A dry run only checks; otherwise the file is recorded and its columns remembered."""
    if dry_run:
        return recording.check(table, chosen, choices).result

    def remember(session, _result) -> None:
        mapping.remember(session, table.headers, chosen.columns)
    return recording.record_import(table, chosen, choices, cli.cli_actor(), also=remember)


def _said(result, outcome: dict, dry_run: bool) -> str:
    """The last line of the report: what happened, or with --dry-run what would."""
    if not result.complete:
        return (f"Nothing {'would be' if dry_run else 'was'} imported: {len(result.skipped)} row(s) have "
                "problems (listed above). Fix them, or use --skip-invalid to import the valid rows only.")
    said = (f"{outcome['imported']} contribution(s) {'would be ' if dry_run else ''}imported; "
            f"{outcome['already_imported']} row(s) already imported; {len(outcome['skipped'])} row(s) skipped"
            + (f", {outcome['duplicates']} of them as possible duplicates." if outcome["duplicates"] else "."))
    return said + (" Dry run: nothing was written." if dry_run else "")
