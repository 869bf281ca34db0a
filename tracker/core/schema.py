"""Creating and upgrading the schema: always through Alembic's migrations, never create_all."""
from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy import Engine

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


def alembic_config(engine: Engine) -> AlembicConfig:
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database to ``revision`` (the newest by default) in one transaction."""
    config = alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


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
