"""``flask --app tracker add-rate``: record an exchange rate that the forms prefill."""
from __future__ import annotations

import click
from flask.cli import with_appcontext

from tracker import cli
from tracker.contributions import rates
from tracker.core import money


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
        rates.add_rate(session, code, day.date(), rate, source.strip())
    click.echo(f"{code} {day.date().isoformat()}: {rate} per US$.")
