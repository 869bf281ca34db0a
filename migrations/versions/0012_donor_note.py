"""A note to the donor on each contribution, shown to the donor (its pages, its statement);
the existing note stays internal to staff.

Revision ID: 0012_donor_note
Revises: 0010_signin
"""
import sqlalchemy as sa
from alembic import op

revision = '0012_donor_note'
down_revision = '0010_signin'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('contribution', schema=None) as batch_op:
        batch_op.add_column(sa.Column('donor_note', sa.Text(), nullable=False, server_default=''))


def downgrade() -> None:
    with op.batch_alter_table('contribution', schema=None) as batch_op:
        batch_op.drop_column('donor_note')
