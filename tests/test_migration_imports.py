"""The imports migration stands alone on the ledger's: it upgrades and downgrades cleanly."""
from alembic import command
from sqlalchemy import inspect

from tracker.core import db, schema
from tracker.core.schema import alembic_config


def test_the_imports_migration_goes_down_and_up_again(tmp_path):
    engine = db.make_engine(f"sqlite:///{tmp_path / 'm.sqlite3'}")
    try:
        schema.upgrade(engine)
        config = alembic_config(engine)
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, "0001")
        assert "imported_row" not in inspect(engine).get_table_names()
        schema.upgrade(engine)
        assert {"import_upload", "import_mapping", "imported_row"} <= set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
