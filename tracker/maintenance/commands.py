"""``flask --app tracker init-db`` and ``demo-data``: create or upgrade the database, and fill it
with clearly labelled example data."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from tracker import cli
from tracker.core import schema
from tracker.gaps import seed
from tracker.users import rules as users


@click.command("init-db")
@with_appcontext
def init_db():
    """Create or upgrade the database schema, load the configured seed once, and on a database
    without users create the first admin, whose random password is printed once."""
    schema.upgrade(current_app.extensions["tracker.engine"])
    name = current_app.config["TRACKER_SEED"]
    if name:
        with cli.writing() as session:
            added = seed.load_seed(session, name)
        click.echo(f"Seed {name}: {added} gap(s) added." if added else f"Seed {name}: already loaded.")
    email = current_app.config["ADMIN_EMAIL"]
    with cli.writing() as session:
        password = users.create_first_admin(session, email)
    if password:
        click.echo(f"Admin created: {email} with password {password}\n"
                   "  (shown only this once: sign in and change it at /account/password)")
    click.echo("Database ready.")


@click.command("demo-data")
@with_appcontext
@click.option("--gaps", "gap_count", type=click.IntRange(0, 100_000), default=0, show_default=True,
              help="Example gaps to add (DEMO-00001 …).")
@click.option("--contributions", type=click.IntRange(0, 10_000_000), default=12, show_default=True,
              help="Example contributions to add.")
@click.option("--seed", "rng_seed", type=int, default=1, show_default=True, help="Random seed, for repeatable data.")
def demo_data(gap_count: int, contributions: int, rng_seed: int):
    """Load clearly labelled example data (donors 'Example Donor NNN', references DEMO-…)."""
    from tracker.maintenance.demo import load_demo

    with cli.writing() as session:
        load_demo(session, gap_count, contributions, rng_seed)
    click.echo(f"Added {gap_count} example gap(s) and {contributions} example contribution(s).")
