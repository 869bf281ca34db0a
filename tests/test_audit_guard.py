"""The audit trail cannot be rewritten by the application: every way around its triggers is tried
with the app's own connection (on PostgreSQL the least-privileged app role, which every test of
the app connects as), and each is refused with the entry left as it was."""
from __future__ import annotations

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from tests import factories
from tracker.core import db
from tracker.core.models import AuditEntry

COLUMNS = "id, at, user_id, actor, address, action, record_type, record_id, before, after, reason"
#: The entries written again with another actor: the inserts below try to land them over the originals.
FORGED = f"SELECT {COLUMNS.replace('actor', repr('forger'))} FROM audit_entry"

REWRITE = "UPDATE audit_entry SET actor = 'forger'"
#: Each bypass: the statements tried in one transaction, which is then committed. Those that
#: would only open the way (a trigger off, the table taken) are followed by the rewrite itself.
SQLITE_BYPASSES = {
    "update": [REWRITE],
    "delete": ["DELETE FROM audit_entry"],
    "insert or replace": [f"INSERT OR REPLACE INTO audit_entry ({COLUMNS}) {FORGED}"],
    "replace into": [f"REPLACE INTO audit_entry ({COLUMNS}) {FORGED}"],
    "upsert": [f"INSERT INTO audit_entry ({COLUMNS}) {FORGED} WHERE true "  # SQLite's parser needs the WHERE
               "ON CONFLICT (id) DO UPDATE SET actor = 'forger'"],
    "drop the trigger": ["DROP TRIGGER audit_entry_no_update", REWRITE],
    "drop the table": ["DROP TABLE audit_entry"],
    "rename the table": ["ALTER TABLE audit_entry RENAME TO old_trail", "DROP TABLE old_trail"],
    "a trigger that hides updates": ["CREATE TEMP TRIGGER hide BEFORE UPDATE ON main.audit_entry "
                                     "BEGIN SELECT RAISE(IGNORE); END", REWRITE],
    "writable schema": ["PRAGMA writable_schema = ON", "DELETE FROM sqlite_master WHERE type = 'trigger'", REWRITE],
    "recursive triggers off": ["PRAGMA recursive_triggers = OFF",
                               f"INSERT OR REPLACE INTO audit_entry ({COLUMNS}) {FORGED}"],
    "through another name": ["ATTACH DATABASE (SELECT file FROM pragma_database_list WHERE name = 'main') AS again",
                             "DROP TRIGGER again.audit_entry_no_update", REWRITE],
}
POSTGRESQL_BYPASSES = {
    "update": [REWRITE],
    "delete": ["DELETE FROM audit_entry"],
    "upsert": [f"INSERT INTO audit_entry ({COLUMNS}) {FORGED} ON CONFLICT (id) DO UPDATE SET actor = 'forger'"],
    "truncate": ["TRUNCATE audit_entry"],
    "disable the trigger": ["ALTER TABLE audit_entry DISABLE TRIGGER audit_entry_append_only", REWRITE],
    "disable every trigger": ["ALTER TABLE audit_entry DISABLE TRIGGER ALL", REWRITE],
    "drop the trigger": ["DROP TRIGGER audit_entry_append_only ON audit_entry", REWRITE],
    "replace the function": ["CREATE OR REPLACE FUNCTION audit_entry_append_only() RETURNS trigger "
                             "LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$", REWRITE],
    "replication role": ["SET session_replication_role = replica", REWRITE],
    "take the table": ["ALTER TABLE audit_entry OWNER TO CURRENT_USER", REWRITE],
    "grant itself": ["GRANT UPDATE, DELETE, TRUNCATE ON audit_entry TO CURRENT_USER", REWRITE],
}


def the_trail(session) -> list[tuple]:
    """Every entry as stored, read in a transaction of its own (ended, so it holds no lock)."""
    session.rollback()
    found = [tuple(row) for row in session.execute(select(AuditEntry.__table__).order_by(AuditEntry.id))]
    session.rollback()
    return found


@pytest.fixture
def recorded(session) -> list[tuple]:
    """A trail of a few entries, committed, as the app wrote it."""
    gap = factories.add_gap(session, "KHM-SME")
    factories.add_contribution(session, gap, "100.00", donor="Sweden")
    session.commit()
    return the_trail(session)


#: Each database's bypasses, as (database, bypass) parameters of the tests below.
BYPASSES = {"sqlite": SQLITE_BYPASSES, "postgresql": POSTGRESQL_BYPASSES}
ON_SQLITE = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
ON_POSTGRESQL = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)


@pytest.mark.parametrize("database_url, bypass", [(name, bypass) for name, tried in BYPASSES.items()
                                                  for bypass in tried], indirect=["database_url"])
def test_the_apps_own_connection_cannot_rewrite_the_trail(session, recorded, bypass):
    statements = BYPASSES[session.get_bind().dialect.name][bypass]
    with pytest.raises(DBAPIError, match="append-only|permission denied|must be owner|not authorized"):
        for step in statements:
            session.execute(text(step))
        session.commit()
    assert the_trail(session) == recorded


@ON_SQLITE
def test_sqlite_connections_fire_delete_triggers_on_replace(session):
    assert session.scalar(text("PRAGMA recursive_triggers")) == 1


def test_the_app_still_adds_entries(session, recorded):
    factories.add_gap(session, "KHM-AGRI")
    session.commit()
    assert len(the_trail(session)) == len(recorded) + 1


@ON_POSTGRESQL
@pytest.mark.parametrize("statement", ["UPDATE audit_entry SET actor = 'forger'", "DELETE FROM audit_entry",
                                       "TRUNCATE audit_entry"])
def test_the_owner_too_is_refused_by_the_triggers(request, session, recorded, statement):
    """Even the role that owns the tables meets the triggers: it would have to disable them
    first, by a statement of its own that no app connection can make."""
    owner = db.make_engine(request.getfixturevalue("postgresql_migrated").owner_url)
    try:
        with owner.connect() as connection, pytest.raises(DBAPIError, match="append-only"):
            connection.execute(text(statement))
    finally:
        owner.dispose()
    assert the_trail(session) == recorded


PRIVILEGES = ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER")


@ON_POSTGRESQL
def test_the_app_role_owns_nothing_and_deletes_only_where_the_app_does(request, session):
    app_role = request.getfixturevalue("postgresql_migrated").app
    held = {
        (table, privilege)
        for table in session.scalars(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'"))
        for privilege in PRIVILEGES
        if session.scalar(text("SELECT has_table_privilege(:role, :table, :privilege)"),
                          {"role": app_role, "table": table, "privilege": privilege})
    }
    assert {p for t, p in held if t == "audit_entry"} == {"SELECT", "INSERT"}
    assert {t for t, p in held if p == "DELETE"} == {"instalment", "import_upload", "user_programme"}
    assert not {p for _t, p in held} & {"TRUNCATE", "REFERENCES", "TRIGGER"}
    owned = session.scalar(text("SELECT count(*) FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner "
                                "WHERE r.rolname = :role"), {"role": app_role})
    assert owned == 0
