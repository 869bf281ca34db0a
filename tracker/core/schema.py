"""Creating and upgrading the schema: always through Alembic's migrations, never create_all."""
from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy import Connection, Engine

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


def alembic_config(engine: Engine) -> AlembicConfig:
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database to ``revision`` (the newest by default) in one transaction."""
    config = alembic_config(engine)
    with engine.connect() as connection, _references_checked_at_the_end(connection), connection.begin():
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
        _check_references(connection)


@contextmanager
def _references_checked_at_the_end(connection: Connection):
    """On SQLite, foreign keys off while migrating, as SQLite's own procedure for changing a table
    asks: a table is changed by copying it, dropping it and renaming the copy, and the drop would
    break every reference to it (even deferred: the rename does not repair them). The pragma
    only takes effect outside a transaction, so it is set on the driver's connection before the
    migration's transaction begins; ``_check_references`` checks every reference before commit."""
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        connection.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")
    try:
        yield
    finally:
        if sqlite:
            connection.connection.driver_connection.execute("PRAGMA foreign_keys=ON")


def _check_references(connection: Connection) -> None:
    if connection.dialect.name == "sqlite":
        broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
        if broken:
            raise RuntimeError(f"the migration left references that point nowhere: {broken[:5]}")


def upgrade_database(url: str, revision: str = "head") -> None:
    """Migrate the database at ``url`` on an engine of its own, as ``init-db`` does as the schema's
    owner: the app's own engine may not create or drop the audit trail's triggers (on SQLite an
    authorizer refuses it, on PostgreSQL the app's role owns nothing)."""
    from tracker.core import db

    engine = db.make_engine(url)
    try:
        upgrade(engine, revision)
    finally:
        engine.dispose()
