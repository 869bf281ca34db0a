"""Audit guard: the ways around the audit trail's UPDATE and DELETE triggers are closed too.

SQLite: ``INSERT OR REPLACE`` (and ``REPLACE INTO``) over an existing id removed the old row
without firing the DELETE trigger; a trigger now refuses any insert over an existing entry,
whatever the connection's ``recursive_triggers`` pragma (the app turns it on as well, see
tracker.core.db). PostgreSQL: ``TRUNCATE`` fires no row trigger; a statement trigger refuses it.
What only a table's owner can do (DISABLE TRIGGER, ALTER) is kept from the app by its role
(tracker.core.roles).

Revision ID: 0008_audit_guard
Revises: 0007_corrections
"""
from alembic import op

revision = '0008_audit_guard'
down_revision = '0007_corrections'
branch_labels = None
depends_on = None

APPEND_ONLY = "audit_entry is append-only"


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        # The function of 0004 raises for any TG_OP, TRUNCATE included.
        op.execute("""
            CREATE TRIGGER audit_entry_no_truncate BEFORE TRUNCATE ON audit_entry
            FOR EACH STATEMENT EXECUTE FUNCTION audit_entry_append_only()""")
    else:
        op.execute(f"""
            CREATE TRIGGER audit_entry_no_overwrite BEFORE INSERT ON audit_entry
            WHEN EXISTS (SELECT 1 FROM audit_entry WHERE id = NEW.id)
            BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}: INSERT over an existing entry refused'); END""")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER audit_entry_no_truncate ON audit_entry")
    else:
        op.execute("DROP TRIGGER audit_entry_no_overwrite")
