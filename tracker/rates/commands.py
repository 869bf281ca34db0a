"""``flask add-rate`` (one typed rate) and ``flask rates import FILE --source …`` (a published table)."""
from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from tracker import cli
from tracker.core import money
from tracker.imports.files import UnreadableFile
from tracker.rates import files, rules


@click.command("add-rate")
@with_appcontext
@click.argument("currency")
@click.argument("day", type=click.DateTime(formats=["%Y-%m-%d"]))
@click.argument("units_per_usd")
@click.option("--source", default="", help="Where the rate comes from, e.g. 'UN operational rate'.")
def add_rate(currency: str, day, units_per_usd: str, source: str):
    """Record an exchange rate (units of CURRENCY per US$ on DAY) used to prefill forms."""
    code = cli.parsed(money.currency, currency, "CURRENCY").code
    rate = cli.parsed(money.parse_rate, units_per_usd, "UNITS_PER_USD")
    with cli.writing() as session:
        rules.replace_typed_rate(session, code, day.date(), rate, source.strip())
    click.echo(f"{code} {day.date().isoformat()}: {rate} per US$.")


@click.group("rates")
def rates_group():
    """The exchange-rate tables."""


@rates_group.command("import")
@with_appcontext
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--source", required=True, type=click.Choice(sorted(files.SOURCES)),
              help="The table's layout: the UN operational rates or the ECB reference rates.")
def import_rates(file: Path, source: str):
    """Import a published rate table (.csv or .xlsx): all its rates or, when a row has a problem, none."""
    try:
        table = files.read_file(file.name, file.read_bytes(), source, current_app.config, cap_rows=False)
    except UnreadableFile as error:
        raise click.ClickException(str(error)) from None
    except files.BadRateFile as error:
        for problem in error.problems:
            click.echo(str(problem), err=True)
        raise click.ClickException(f"{file.name} has {len(error.problems)} problem(s) listed above; "
                                   "nothing was imported.") from None
    with cli.writing() as session:
        outcome = rules.import_table(session, table, source, file.name)
    click.echo(f"{file.name}: {outcome.summary}")
