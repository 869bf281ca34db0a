"""`flask --app tracker users …`: create, invite, list, disable users and change their roles,
through the same rules as the administrators' pages.

There is no default password anywhere: a password is typed at a prompt (twice), read from
standard input with ``--password-stdin`` for scripts, or chosen by the user through the
single-use link ``users invite`` prints.
"""
from __future__ import annotations

import sys

import click
from flask import current_app, url_for
from flask.cli import with_appcontext
from sqlalchemy import select

from tracker import cli
from tracker.core.errors import InvalidInput
from tracker.core.models import Role, User
from tracker.users import rules

ROLES = click.Choice([r.value for r in Role])


@click.group("users")
def users_group():
    """Manage the people who sign in."""


def _apply(change) -> None:
    """Run ``change(session)`` in one transaction; a broken rule exits with its message."""
    with cli.writing() as session:
        change(session)


def _user(session, email: str) -> User:
    found = rules.find_user(session, email)
    if found is None:
        raise InvalidInput("email", f"No user has the email {email}.")
    return found


@users_group.command("create")
@click.option("--email", required=True)
@click.option("--role", type=ROLES, required=True)
@click.option("--donor", "donor_id", type=click.IntRange(min=1), help="The donor a donor user is linked to.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input instead of a prompt.")
@with_appcontext
def create(email: str, role: str, donor_id: int | None, password_stdin: bool):
    """Create a user."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    _apply(lambda session: rules.create_user(session, email, role, password, donor_id))
    click.echo(f"User {rules.email_key(email)} created ({role}).")


@users_group.command("invite")
@click.option("--email", required=True)
@click.option("--role", type=ROLES, required=True)
@click.option("--donor", "donor_name", default="", help="The name of the donor a donor user is linked to.")
@with_appcontext
def invite(email: str, role: str, donor_name: str):
    """Invite a user: print the single-use link that lets them choose a password.

    The link's address is built from SERVER_NAME (and PREFERRED_URL_SCHEME) when set."""
    hours = current_app.config["TRACKER_INVITE_HOURS"]
    with cli.writing() as session:
        donor_id = rules.donor_named(session, donor_name, role)
        _user_made, token = rules.invite_user(session, email, role, donor_id, hours)
    with current_app.test_request_context():
        link = url_for("auth.link", token=token, _external=True)
    click.echo(f"User {rules.email_key(email)} invited ({role}). Send them this link (it works once, "
               f"within {hours} hours):\n{link}")


@users_group.command("list")
@with_appcontext
def list_users():
    """List every user with role and state."""
    with cli.new_session() as session:
        for user in session.scalars(select(User).order_by(User.email)):
            donor = f" donor={user.donor_id}" if user.donor_id else ""
            state = "active" if user.active else "disabled"
            click.echo(f"{user.email}\t{user.role}{donor}\t{state}")


@users_group.command("disable")
@click.argument("email")
@with_appcontext
def disable(email: str):
    """Disable a user; their sessions end at once."""
    _apply(lambda session: rules.disable(session, _user(session, email)))
    click.echo(f"User {rules.email_key(email)} disabled.")


@users_group.command("enable")
@click.argument("email")
@with_appcontext
def enable(email: str):
    """Enable a disabled user again."""
    _apply(lambda session: rules.enable(session, _user(session, email)))
    click.echo(f"User {rules.email_key(email)} enabled.")


@users_group.command("scope")
@click.argument("email")
@click.option("--programme", "codes", multiple=True, help="A programme's code; repeat it for several.")
@click.option("--all", "every", is_flag=True, help="Every programme (the default of a new user).")
@with_appcontext
def scope(email: str, codes: tuple[str, ...], every: bool):
    """Limit an editor or viewer to some programmes, or give them every programme again; their
    sessions end so that it applies at once."""
    if every == bool(codes):
        raise click.UsageError("Give --all or one --programme CODE or more.")
    _apply(lambda session: rules.set_scope(session, _user(session, email),
                                           rules.programmes_coded(session, None if every else codes)))
    click.echo(f"User {rules.email_key(email)} now sees {'every programme' if every else ', '.join(codes)}.")


@users_group.command("set-role")
@click.argument("email")
@click.argument("role", type=ROLES)
@click.option("--donor", "donor_id", type=click.IntRange(min=1))
@with_appcontext
def set_role(email: str, role: str, donor_id: int | None):
    """Change a user's role; their sessions end so the new rights apply at once."""
    _apply(lambda session: rules.set_role(session, _user(session, email), role, donor_id))
    click.echo(f"User {rules.email_key(email)} is now {role}.")
