"""``flask iati export FILE [--programme CODE] [--gap CODE]``."""
from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from tracker import cli
from tracker.core.errors import InvalidInput
from tracker.iati import activities, publishing


@click.group("iati")
def iati_group():
    """IATI 2.03 activity files."""


@iati_group.command("export")
@with_appcontext
@click.argument("file", type=click.Path(dir_okay=False, writable=True, path_type=Path))
@click.option("--programme", default=None, help="Only this programme's gaps (its code).")
@click.option("--gap", default=None, help="Only this gap (its code).")
def export(file: Path, programme: str | None, gap: str | None):
    """Write the gaps as IATI 2.03 activities to FILE (created private, 0600)."""
    with cli.new_session() as session:
        try:
            content = publishing.export(session, current_app.config, programme=programme, gap=gap)
        except (InvalidInput, activities.NothingToExport) as refusal:
            raise click.ClickException(str(refusal)) from None
    file.unlink(missing_ok=True)
    with file.open("xb") as out:  # the umask of the app makes it 0600
        out.write(content)
    click.echo(f"{content.count(b'<iati-activity ')} activities written to {file}.")
