"""Exchange rates belong to a table (UN operational, ECB reference, typed) and carry a version,
so that one currency and day may have a rate in each table and a correction cannot silently
overwrite another person's; the rate files the `rates` job has loaded, once each.

Revision ID: 0014_rate_tables
Revises: 0013_invitations
"""
import sqlalchemy as sa
from alembic import op

revision = '0014_rate_tables'
down_revision = '0013_invitations'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('rate_file_load',
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('loaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('outcome', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('sha256', name=op.f('pk_rate_file_load'))
    )
    with op.batch_alter_table('exchange_rate', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=20), nullable=False, server_default='typed'))
        batch_op.add_column(sa.Column('version', sa.Integer(), nullable=False, server_default='1'))
        batch_op.drop_constraint('uq_exchange_rate_currency_date', type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_exchange_rate_currency_kind_date'),
                                          ['currency', 'kind', 'date'])
    with op.batch_alter_table('exchange_rate', schema=None) as batch_op:
        batch_op.alter_column('version', server_default=None)


def downgrade() -> None:
    with op.batch_alter_table('exchange_rate', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_exchange_rate_currency_kind_date'), type_='unique')
        batch_op.create_unique_constraint('uq_exchange_rate_currency_date', ['currency', 'date'])
        batch_op.drop_column('version')
        batch_op.drop_column('kind')
    op.drop_table('rate_file_load')
