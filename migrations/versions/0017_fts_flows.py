"""OCHA FTS flows imported (by flow id) and the plan-to-gap mapping an FTS import remembers.

Revision ID: 0017_fts_flows
Revises: 0016_programmes
"""
import sqlalchemy as sa
from alembic import op

revision = '0017_fts_flows'
down_revision = '0016_programmes'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'fts_plan',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('plan_code', sa.String(length=40), nullable=False),
        sa.Column('gap_id', sa.Integer(), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['gap_id'], ['gap.id'], name=op.f('fk_fts_plan_gap_id_gap')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_fts_plan')),
        sa.UniqueConstraint('plan_code', name=op.f('uq_fts_plan_plan_code')),
    )
    with op.batch_alter_table('fts_plan', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fts_plan_gap_id'), ['gap_id'], unique=False)
    op.create_table(
        'fts_flow',
        sa.Column('flow_id', sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column('contribution_id', sa.Integer(), nullable=False),
        sa.Column('plan_code', sa.String(length=40), nullable=False),
        sa.Column('imported_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['contribution_id'], ['contribution.id'],
                                name=op.f('fk_fts_flow_contribution_id_contribution')),
        sa.PrimaryKeyConstraint('flow_id', name=op.f('pk_fts_flow')),
        sa.UniqueConstraint('contribution_id', name=op.f('uq_fts_flow_contribution_id')),
    )


def downgrade() -> None:
    op.drop_table('fts_flow')
    with op.batch_alter_table('fts_plan', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_fts_plan_gap_id'))
    op.drop_table('fts_plan')
