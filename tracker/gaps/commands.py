"""``flask --app tracker gaps``: every gap's remaining shortfall, as a table or as the API's JSON."""
from __future__ import annotations

import json

import click
from flask import current_app
from flask.cli import with_appcontext

from tracker import cli
from tracker.core import money
from tracker.core.figures import Totals, currency_exposure, gap_figures, gap_json
from tracker.core.models import utcnow


@click.command("gaps")
@with_appcontext
@click.option("--json", "as_json", is_flag=True, help="Print the JSON of GET /api/v1/gaps.")
def gaps(as_json: bool):
    """Print every gap's remaining shortfall (US$)."""
    with cli.new_session() as session:
        figures = gap_figures(session)
        exposure = currency_exposure(session, utcnow().date(), current_app.config["TRACKER_RATE_SOURCE"])
    if as_json:
        click.echo(json.dumps([gap_json(f, exposure.get(f.code)) for f in figures], indent=2))
        return
    header = ["Code", "Requirement", "Funding", "Pledged", "Shortfall", "Coverage"]
    totals = Totals.of(figures)
    rows = [[f.code, *(money.format_amount(getattr(f, f"{n}_usd")) for n in
                       ("requirement", "funding", "pledged", "shortfall")),
             "n/a" if f.coverage_pct is None else f"{f.coverage_pct} %"] for f in [*figures, totals]]
    rows[-1][0] = "Total"
    click.echo(cli.table([header, *rows]))
