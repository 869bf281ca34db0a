"""Alembic environment: migrations run on the connection the app hands over, or as the schema's
owner: TRACKER_MIGRATE_DATABASE_URL, else DATABASE_URL."""
import os

from alembic import context

from tracker.core.db import make_engine
from tracker.core.models import Base

config = context.config
target_metadata = Base.metadata


def run_on(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    run_on(connection)
else:
    url = (os.environ.get("TRACKER_MIGRATE_DATABASE_URL") or os.environ.get("DATABASE_URL")
           or config.get_main_option("sqlalchemy.url"))
    if not url:
        raise SystemExit("Set TRACKER_MIGRATE_DATABASE_URL (or DATABASE_URL) to the database to migrate.")
    with make_engine(url).connect() as conn:
        run_on(conn)
