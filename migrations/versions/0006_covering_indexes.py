"""Covering indexes for the figures: the all-gaps aggregate reads (gap or donor, status, US$)
and each contribution's payments from indexes alone, never the wide rows.

Revision ID: 0006_covering_indexes
Revises: 0005_ui
"""
from alembic import op

revision = '0006_covering_indexes'
down_revision = '0005_ui'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('contribution', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contribution_donor_id'))
        batch_op.drop_index(batch_op.f('ix_contribution_gap_id_status'))
        batch_op.create_index(batch_op.f('ix_contribution_donor_id_status_usd_cents'), ['donor_id', 'status', 'usd_cents'], unique=False)
        batch_op.create_index(batch_op.f('ix_contribution_gap_id_status_usd_cents'), ['gap_id', 'status', 'usd_cents'], unique=False)

    with op.batch_alter_table('payment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payment_contribution_id'))
        batch_op.create_index(batch_op.f('ix_payment_contribution_id_usd_cents'), ['contribution_id', 'usd_cents'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('payment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payment_contribution_id_usd_cents'))
        batch_op.create_index(batch_op.f('ix_payment_contribution_id'), ['contribution_id'], unique=False)

    with op.batch_alter_table('contribution', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contribution_gap_id_status_usd_cents'))
        batch_op.drop_index(batch_op.f('ix_contribution_donor_id_status_usd_cents'))
        batch_op.create_index(batch_op.f('ix_contribution_gap_id_status'), ['gap_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_contribution_donor_id'), ['donor_id'], unique=False)

