"""The publicly named donors' funding of each published gap, written by the recompute job so
that the public pages never sum contributions.

Revision ID: 0019_public_donors
Revises: 0017_fts_flows
"""
import sqlalchemy as sa
from alembic import op

revision = '0019_public_donors'
down_revision = '0017_fts_flows'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'public_donor_funding',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('gap_id', sa.Integer(), nullable=False),
        sa.Column('donor_id', sa.Integer(), nullable=False),
        sa.Column('funding_cents', sa.BigInteger(), nullable=False),
        sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['donor_id'], ['donor.id'], name=op.f('fk_public_donor_funding_donor_id_donor')),
        sa.ForeignKeyConstraint(['gap_id'], ['gap.id'], name=op.f('fk_public_donor_funding_gap_id_gap')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_public_donor_funding')),
    )
    with op.batch_alter_table('public_donor_funding', schema=None) as batch_op:
        batch_op.create_index('ix_public_donor_funding_gap_id_donor_id', ['gap_id', 'donor_id'], unique=True)


def downgrade() -> None:
    with op.batch_alter_table('public_donor_funding', schema=None) as batch_op:
        batch_op.drop_index('ix_public_donor_funding_gap_id_donor_id')
    op.drop_table('public_donor_funding')
