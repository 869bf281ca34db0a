"""``flask import-fts``: an OCHA FTS flow export into the ledger, keyed by flow id."""
from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from tracker import cli
from tracker.core.errors import InvalidInput
from tracker.fts import recording
from tracker.fts.flows import missing_columns, read_flows
from tracker.fts.plans import PlanChoice, parsed_plan
from tracker.fts.report import line, said, totals_lines, write_csv
from tracker.imports.files import UnreadableFile, read_upload


def _plans(options: tuple[str, ...], gap: str | None) -> PlanChoice:
    gaps = {}
    for option in options:
        try:
            plan, named = parsed_plan(option)
        except ValueError as error:
            raise click.BadParameter(str(error), param_hint="--plan") from None
        gaps[plan] = named
    return PlanChoice(gaps, gap.strip().upper() if gap else None)


@click.command("import-fts")
@with_appcontext
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--plan", "plan_options", multiple=True, metavar="PLAN[=GAP]",
              help="Import the flows of PLAN (FTS's destPlanCode) onto the funding gap GAP (remembered for the "
                   "next export of the plan); PLAN alone takes --gap or the gap remembered. Without --plan, "
                   "every plan of the file with a remembered gap.")
@click.option("--gap", help="The funding gap of every flow of the file (or of each --plan given alone).")
@click.option("--dry-run", is_flag=True, help="Report what each flow would do, but write nothing.")
@click.option("--report", "report_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Write every flow's outcome to this CSV file.")
def import_fts(file: Path, plan_options, gap, dry_run, report_path):
    """Import the flows of an OCHA FTS flow export FILE (.csv or .xlsx), keyed by FTS's flow id.

    New flows are added, changed ones updated through the ledger's edit rules, flows no longer
    listed reported (never deleted). Every flow's outcome is listed.
    """
    choice = _plans(plan_options, gap)
    try:
        table = read_upload(file.name, file.read_bytes(), current_app.config, cap_rows=False)
    except UnreadableFile as error:
        raise click.ClickException(str(error)) from None
    missing = missing_columns(table.headers)
    if missing:
        raise click.ClickException(f"This is not an FTS flow export: it has no column {', '.join(missing)}.")
    flows = read_flows(table)
    try:
        result = (recording.check(flows, choice) if dry_run
                  else recording.record(flows, choice, cli.cli_actor(), file.name))
    except InvalidInput as error:
        raise click.ClickException(error.message) from None
    for outcome in result.outcomes:
        click.echo(line(outcome))
    for total in totals_lines(result):
        click.echo(total)
    if report_path is not None:
        with report_path.open("wb") as handle:
            write_csv(handle, result)
        click.echo(f"Every flow's outcome: {report_path}")
    click.echo(said(result, dry_run))
