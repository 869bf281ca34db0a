"""``flask --app tracker init-db`` and ``demo-data``: create or upgrade the database, and fill it
with clearly labelled example data."""
from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError

from tracker import cli
from tracker.core import db, roles, schema
from tracker.gaps import seed
from tracker.users import rules as users


def _role_name(_context, _parameter, value: str | None) -> str | None:
    try:
        return None if value is None else roles.check_name(value)
    except roles.RoleError as error:
        raise click.BadParameter(str(error)) from None


@click.command("init-db")
@click.option("--owner-role", metavar="NAME", callback=_role_name,
              help="PostgreSQL: the role that owns the schema; migrations run as it (SET ROLE). Created if "
                   "missing, with $TRACKER_OWNER_ROLE_PASSWORD or a random password printed once. "
                   "Default: the role of TRACKER_MIGRATE_DATABASE_URL.")
@click.option("--app-role", metavar="NAME", callback=_role_name,
              help="PostgreSQL: the role the app connects as (DATABASE_URL). Created if missing, with "
                   "$TRACKER_APP_ROLE_PASSWORD or a random password printed once; then given exactly what the app "
                   "needs: it owns nothing and may only read and add to the audit trail.")
@with_appcontext
def init_db(owner_role: str | None, app_role: str | None):
    """Create or upgrade the database schema, load the configured seed once, and on a database
    without users create the first admin, whose random password is printed once.

    Everything runs as the schema's owner: TRACKER_MIGRATE_DATABASE_URL when it is set, else
    DATABASE_URL."""
    engine = owner_engine()
    try:
        with _refusals():
            if owner_role or app_role:
                _create_roles(engine, owner_role, app_role)
            schema.upgrade(engine)
        _first_run(engine)
        if app_role:
            with _refusals(), engine.begin() as connection:
                roles.grant_app_role(connection, app_role)
            click.echo(f"Role {app_role}: may read and add to the audit trail, never change it.")
    finally:
        engine.dispose()
    click.echo("Database ready.")


def owner_engine() -> Engine:
    """A new engine on the database as the schema's owner (TRACKER_MIGRATE_DATABASE_URL, else
    DATABASE_URL), for the commands that create tables: init-db and restore."""
    config = current_app.config
    return db.make_engine(config["MIGRATE_DATABASE_URL"] or config["DATABASE_URL"],
                          sqlite_busy_timeout_ms=config["SQLITE_BUSY_TIMEOUT_MS"])


@contextmanager
def _refusals() -> Iterator[None]:
    """A role that cannot be set up, or a statement the server refuses, exits with its reason."""
    try:
        yield
    except roles.RoleError as error:
        raise click.ClickException(str(error)) from None
    except DBAPIError as error:
        raise click.ClickException(str(error.orig).strip().splitlines()[0]) from None


#: Where each role's password may come from, and where the operator puts it afterwards.
PASSWORDS = {"owner": ("TRACKER_OWNER_ROLE_PASSWORD", "TRACKER_MIGRATE_DATABASE_URL"),
             "app": ("TRACKER_APP_ROLE_PASSWORD", "DATABASE_URL")}


def _create_roles(engine: Engine, owner_role: str | None, app_role: str | None) -> None:
    """Create the roles asked for that do not exist yet (as the connecting administrator), and
    from then on act as the owner on every connection of ``engine``."""
    if engine.dialect.name != "postgresql":
        raise click.ClickException("--owner-role and --app-role are for PostgreSQL; SQLite has no roles.")
    with engine.begin() as connection:
        for kind, name in (("owner", owner_role), ("app", app_role)):
            if name:
                _create_role(connection, kind, name)
        if owner_role:
            roles.prepare_owner(connection, owner_role)
    if owner_role:
        engine.dispose()
        roles.act_as(engine, owner_role)
    if app_role:
        with engine.connect() as connection:
            roles.check_app_role(connection, app_role)  # before anything is written


def _create_role(connection, kind: str, name: str) -> None:
    variable, used_in = PASSWORDS[kind]
    given = os.environ.get(variable)
    password = roles.create_role(connection, name, given)
    if password is None:
        click.echo(f"Role {name} exists: its password is unchanged.")
    elif given:
        click.echo(f"Role {name} created with the password in ${variable}.")
    else:
        click.echo(f"Role {name} created with password {password}\n"
                   f"  (shown only this once: put it in {used_in})")


def _first_run(engine: Engine) -> None:
    """The seed, once, and the first admin of a database without users."""
    name = current_app.config["TRACKER_SEED"]
    if name:
        with cli.writing(engine) as session:
            added = seed.load_seed(session, name)
        click.echo(f"Seed {name}: {added} gap(s) added." if added else f"Seed {name}: already loaded.")
    email = current_app.config["ADMIN_EMAIL"]
    with cli.writing(engine) as session:
        password = users.create_first_admin(session, email)
    if password:
        click.echo(f"Admin created: {email} with password {password}\n"
                   "  (shown only this once: the first sign-in asks for a new password)")


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
