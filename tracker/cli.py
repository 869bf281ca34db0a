"""What every command of ``flask --app tracker …`` shares: the actor the audit trail names for
its changes, its sessions, and the one-line reasons it exits with.

A leaf: it imports no command module. Each domain keeps its commands in its own
``commands.py``, and the app factory registers them. Bad arguments exit non-zero with a
one-line reason; nothing is written then.
"""
from __future__ import annotations

import getpass
from collections.abc import Iterator
from contextlib import contextmanager

import click
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from tracker.core import db, money
from tracker.core.audit import Actor
from tracker.core.errors import InvalidInput


def cli_actor() -> Actor:
    """The audit trail names command-line changes after the operating-system account."""
    return Actor(f"cli:{getpass.getuser()}")


def new_session(*, write: bool = False) -> Session:
    """A session whose changes the audit trail names after the command's user."""
    return db.new_session(write=write, actor=cli_actor())


@contextmanager
def writing(engine: Engine | None = None) -> Iterator[Session]:
    """One write transaction (on ``engine``, default the app's), committed when the block ends;
    a broken rule exits with its reason and nothing written."""
    try:
        with db.writing(cli_actor(), engine) as session:
            yield session
    except InvalidInput as error:
        raise click.ClickException(error.message) from None


def parsed(parse, value: str, what: str):
    """``parse(value)``; a malformed amount, rate or currency exits naming the argument ``what``."""
    try:
        return parse(value)
    except money.MoneyError as error:
        raise click.BadParameter(str(error), param_hint=what) from None


def table(rows: list[list[str]]) -> str:
    """Rows as aligned text: the first column to the left, the others (figures) to the right."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(w) if i == 0 else cell.rjust(w) for i, (cell, w) in enumerate(zip(row, widths)))
             for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
