"""Spreadsheet imports: uploads awaiting confirmation, remembered column mappings, and the
keys of imported rows that stop a re-import from adding contributions twice.

Revision ID: 0003_imports
Revises: 0002_schedules
"""
import sqlalchemy as sa
from alembic import op

revision = "0003_imports"
down_revision = "0002_schedules"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "import_upload",
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("result", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("token", name=op.f("pk_import_upload")),
    )
    with op.batch_alter_table("import_upload", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_import_upload_expires_at"), ["expires_at"], unique=False)
    op.create_table(
        "import_mapping",
        sa.Column("header_key", sa.String(length=64), nullable=False),
        sa.Column("columns", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("header_key", name=op.f("pk_import_mapping")),
    )
    op.create_table(
        "imported_row",
        sa.Column("row_key", sa.String(length=64), nullable=False),
        sa.Column("contribution_id", sa.Integer(), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["contribution_id"], ["contribution.id"],
                                name=op.f("fk_imported_row_contribution_id_contribution")),
        sa.PrimaryKeyConstraint("row_key", name=op.f("pk_imported_row")),
    )
    with op.batch_alter_table("imported_row", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_imported_row_contribution_id"), ["contribution_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("imported_row", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_imported_row_contribution_id"))
    op.drop_table("imported_row")
    op.drop_table("import_mapping")
    with op.batch_alter_table("import_upload", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_import_upload_expires_at"))
    op.drop_table("import_upload")
