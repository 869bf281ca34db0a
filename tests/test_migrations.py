"""The schema comes from Alembic's migrations, and they must describe exactly the models."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from tracker.core import db
from tracker.core.models import Base


def test_migrations_match_the_models(database_url):
    engine = db.make_engine(database_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, Base.metadata) == []
    finally:
        engine.dispose()
