"""`flask --app tracker backup PATH` and `restore PATH`: a consistent copy of the database.

SQLite uses its online backup API, which copies a consistent snapshot including what is
still in the write-ahead log, while the app keeps running. PostgreSQL uses ``pg_dump``
(custom format) and ``pg_restore``. A restore goes only into an empty database, so it can
never overwrite records; a restored copy gives the same figures.

A backup file is created 0600 before anything is written to it. A restore creates the tables,
so it runs as the schema's owner (TRACKER_MIGRATE_DATABASE_URL); privileges are neither
dumped nor restored, because roles belong to a server, not to a backup: after a restore on
PostgreSQL, ``init-db --app-role NAME`` gives the app's role its privileges again.
"""
from __future__ import annotations

import shutil
import sqlite3
import subprocess
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import Engine, inspect, text

from tracker.core import files
from tracker.maintenance.commands import owner_engine


def _engine() -> Engine:
    return current_app.extensions["tracker.engine"]


def _libpq_url(engine: Engine) -> str:
    """The URL without SQLAlchemy's driver suffix, as pg_dump and pg_restore expect it."""
    return engine.url.set(drivername="postgresql").render_as_string(hide_password=False)


def _pg_tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise click.ClickException(f"{name} is not installed; install the PostgreSQL client tools.")
    return found


def _run(command: list[str]) -> None:
    finished = subprocess.run(command, capture_output=True, text=True)
    if finished.returncode != 0:
        last = (finished.stderr.strip().splitlines() or ["failed"])[-1]
        raise click.ClickException(f"{Path(command[0]).name}: {last}")


def _holds_records(engine: Engine) -> bool:
    tables = set(inspect(engine).get_table_names())
    if "gap" not in tables:
        return False
    with engine.connect() as connection:
        return any(connection.execute(text(f"SELECT 1 FROM {table} LIMIT 1")).first()
                   for table in ("gap", "donor", "contribution", "app_user") if table in tables)


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, writable=True, path_type=Path))
@with_appcontext
def backup(path: Path):
    """Write a consistent copy of the database to PATH."""
    try:
        files.create_private(path)
    except FileExistsError:
        raise click.ClickException(f"{path} exists; choose a new file name so no backup is overwritten.") from None
    try:
        _write_backup(_engine(), path)
    except BaseException:
        path.unlink(missing_ok=True)  # no empty or half-written file left to be taken for a backup
        raise
    click.echo(f"Backup written to {path}.")


def _write_backup(engine: Engine, path: Path) -> None:
    if engine.dialect.name == "sqlite":
        source = engine.raw_connection()
        try:
            with sqlite3.connect(path) as target:
                source.driver_connection.backup(target)
        finally:
            source.close()
    else:
        _run([_pg_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", f"--file={path}",
              _libpq_url(engine)])


@click.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def restore(path: Path):
    """Load the backup at PATH into this (empty) database, as the schema's owner."""
    engine = owner_engine()
    try:
        if _holds_records(engine):
            raise click.ClickException("This database already holds records; restore into an empty database.")
        if engine.dialect.name == "sqlite":
            _restore_sqlite(engine, path)
        else:
            _run([_pg_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--no-privileges",
                  "--single-transaction", f"--dbname={_libpq_url(engine)}", str(path)])
    finally:
        engine.dispose()
    _engine().dispose()  # the app's connections saw the empty database
    click.echo(f"Restored {path}.")


def _restore_sqlite(engine: Engine, path: Path) -> None:
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as source:
            source.execute("PRAGMA schema_version").fetchone()  # refuses a file that is not SQLite
            target = engine.raw_connection()
            try:
                source.backup(target.driver_connection)
            finally:
                target.close()
    except sqlite3.DatabaseError as error:
        raise click.ClickException(f"{path} is not a SQLite backup: {error}") from None
