"""Command-line tools: `flask --app tracker COMMAND`. Bad arguments exit non-zero with a
one-line reason; nothing is written then."""
from __future__ import annotations

import getpass
import json

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from tracker import db, money, rates, schema, seed, users
from tracker.audit import Actor
from tracker.api import gap_json
from tracker.figures import Totals, gap_figures


def init_app(app: Flask) -> None:
    from tracker.backup import backup, restore
    from tracker.imports.command import import_contributions
    from tracker.user_commands import users_group

    for command in (init_db, gaps, demo_data, add_rate, users_group, backup, restore, scheduler, import_contributions):
        app.cli.add_command(command)


def cli_actor() -> Actor:
    """The audit trail names command-line changes after the operating-system account."""
    return Actor(f"cli:{getpass.getuser()}")


@click.command("init-db")
@with_appcontext
def init_db():
    """Create or upgrade the database schema, load the configured seed once, and on a database
    without users create the first admin, whose random password is printed once."""
    schema.upgrade(current_app.extensions["tracker.engine"])
    name = current_app.config["TRACKER_SEED"]
    if name:
        try:
            with db.writing(cli_actor()) as session:
                added = seed.load_seed(session, name)
        except ValueError as error:
            raise click.ClickException(str(error)) from None
        click.echo(f"Seed {name}: {added} gap(s) added." if added else f"Seed {name}: already loaded.")
    email = current_app.config["ADMIN_EMAIL"]
    with db.writing(cli_actor()) as session:
        password = users.create_first_admin(session, email)
    if password:
        click.echo(f"Admin created: {email} with password {password}\n"
                   "  (shown only this once: sign in and change it at /account/password)")
    click.echo("Database ready.")


def _table(rows: list[list[str]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(w) if i == 0 else cell.rjust(w) for i, (cell, w) in enumerate(zip(row, widths)))
             for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


@click.command("gaps")
@with_appcontext
@click.option("--json", "as_json", is_flag=True, help="Print the JSON of GET /api/v1/gaps.")
def gaps(as_json: bool):
    """Print every gap's remaining shortfall (US$)."""
    with db.new_session() as session:
        figures = gap_figures(session)
    if as_json:
        click.echo(json.dumps([gap_json(f) for f in figures], indent=2))
        return
    header = ["Code", "Requirement", "Funding", "Pledged", "Shortfall", "Coverage"]
    totals = Totals.of(figures)
    rows = [[f.code, *(money.format_amount(getattr(f, f"{n}_usd")) for n in
                       ("requirement", "funding", "pledged", "shortfall")),
             "n/a" if f.coverage_pct is None else f"{f.coverage_pct} %"] for f in [*figures, totals]]
    rows[-1][0] = "Total"
    click.echo(_table([header, *rows]))


@click.command("demo-data")
@with_appcontext
@click.option("--gaps", "gap_count", type=click.IntRange(0, 100_000), default=0, show_default=True,
              help="Example gaps to add (DEMO-00001 …).")
@click.option("--contributions", type=click.IntRange(0, 10_000_000), default=12, show_default=True,
              help="Example contributions to add.")
@click.option("--seed", "rng_seed", type=int, default=1, show_default=True, help="Random seed, for repeatable data.")
def demo_data(gap_count: int, contributions: int, rng_seed: int):
    """Load clearly labelled example data (donors 'Example Donor NNN', references DEMO-…)."""
    from tracker.demo import load_demo

    try:
        with db.writing(cli_actor()) as session:
            load_demo(session, gap_count, contributions, rng_seed)
    except ValueError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Added {gap_count} example gap(s) and {contributions} example contribution(s).")


def _parsed(parse, value, what: str):
    try:
        return parse(value)
    except money.MoneyError as error:
        raise click.BadParameter(str(error), param_hint=what) from None


@click.command("add-rate")
@with_appcontext
@click.argument("currency")
@click.argument("day", type=click.DateTime(formats=["%Y-%m-%d"]))
@click.argument("units_per_usd")
@click.option("--source", default="", help="Where the rate comes from, e.g. 'UN operational rate'.")
def add_rate(currency: str, day, units_per_usd: str, source: str):
    """Record an exchange rate (units of CURRENCY per US$ on DAY) used to prefill forms."""
    code = _parsed(money.currency, currency, "CURRENCY").code
    rate = _parsed(money.parse_rate, units_per_usd, "UNITS_PER_USD")
    with db.writing(cli_actor()) as session:
        rates.add_rate(session, code, day.date(), rate, source.strip())
    click.echo(f"{code} {day.date().isoformat()}: {rate} per US$.")


@click.command("scheduler")
@with_appcontext
def scheduler():
    """Run the scheduled jobs (recompute, overdue, reminders) until stopped with Ctrl-C or SIGTERM.

    Run one beside the web server; a second one by mistake is harmless (its runs are skipped).
    """
    # Imported here, not at the top: web workers load this module but must never load APScheduler.
    from tracker.scheduler import run_scheduler

    run_scheduler(current_app.config)
