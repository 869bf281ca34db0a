"""The ledger: funding gaps, donors, contributions, payments, exchange rates, seed runs.

Revision ID: 0001
Revises: 
Create Date: 2026-11-25 00:28:31.229522
"""
import sqlalchemy as sa
from alembic import op

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('donor',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('name_key', sa.String(length=200), nullable=False),
    sa.Column('type', sa.String(length=20), nullable=False),
    sa.Column('country', sa.String(length=2), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("type IN ('government', 'multilateral', 'foundation', 'private sector', 'other')", name=op.f('ck_donor_type_allowed')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_donor')),
    sa.UniqueConstraint('name_key', name=op.f('uq_donor_name_key'))
    )
    op.create_table('exchange_rate',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('date', sa.Date(), nullable=False),
    sa.Column('units_per_usd', sa.BigInteger(), nullable=False),
    sa.Column('source', sa.String(length=200), nullable=False),
    sa.CheckConstraint('units_per_usd > 0', name=op.f('ck_exchange_rate_units_per_usd_positive')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exchange_rate')),
    sa.UniqueConstraint('currency', 'date', name=op.f('uq_exchange_rate_currency_date'))
    )
    op.create_table('gap',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('country', sa.String(length=2), nullable=False),
    sa.Column('programme', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('original_requirement_cents', sa.BigInteger(), nullable=False),
    sa.Column('revised_requirement_cents', sa.BigInteger(), nullable=True),
    sa.Column('impact_count', sa.BigInteger(), nullable=True),
    sa.Column('impact_unit', sa.String(length=60), nullable=False),
    sa.Column('impact_indicator', sa.Text(), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=True),
    sa.Column('period_end', sa.Date(), nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('open', 'closed')", name=op.f('ck_gap_status_allowed')),
    sa.CheckConstraint('original_requirement_cents >= 0', name=op.f('ck_gap_original_requirement_not_negative')),
    sa.CheckConstraint('revised_requirement_cents >= 0', name=op.f('ck_gap_revised_requirement_not_negative')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_gap')),
    sa.UniqueConstraint('code', name=op.f('uq_gap_code'))
    )
    op.create_table('seed_run',
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('applied_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_seed_run'))
    )
    op.create_table('contribution',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('gap_id', sa.Integer(), nullable=False),
    sa.Column('donor_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('amount_minor', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('rate', sa.BigInteger(), nullable=False),
    sa.Column('rate_date', sa.Date(), nullable=False),
    sa.Column('usd_cents', sa.BigInteger(), nullable=False),
    sa.Column('decision_date', sa.Date(), nullable=True),
    sa.Column('reference', sa.String(length=100), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('cancel_reason', sa.Text(), nullable=True),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('pledged', 'committed', 'paid', 'cancelled')", name=op.f('ck_contribution_status_allowed')),
    sa.CheckConstraint('amount_minor > 0', name=op.f('ck_contribution_amount_positive')),
    sa.CheckConstraint('rate > 0', name=op.f('ck_contribution_rate_positive')),
    sa.CheckConstraint('usd_cents >= 0', name=op.f('ck_contribution_usd_not_negative')),
    sa.ForeignKeyConstraint(['donor_id'], ['donor.id'], name=op.f('fk_contribution_donor_id_donor')),
    sa.ForeignKeyConstraint(['gap_id'], ['gap.id'], name=op.f('fk_contribution_gap_id_gap')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contribution'))
    )
    with op.batch_alter_table('contribution', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contribution_donor_id'), ['donor_id'], unique=False)
        batch_op.create_index('ix_contribution_gap_id_status', ['gap_id', 'status'], unique=False)

    op.create_table('payment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contribution_id', sa.Integer(), nullable=False),
    sa.Column('date_received', sa.Date(), nullable=False),
    sa.Column('amount_minor', sa.BigInteger(), nullable=False),
    sa.Column('rate', sa.BigInteger(), nullable=False),
    sa.Column('usd_cents', sa.BigInteger(), nullable=False),
    sa.Column('reference', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('amount_minor > 0', name=op.f('ck_payment_amount_positive')),
    sa.CheckConstraint('rate > 0', name=op.f('ck_payment_rate_positive')),
    sa.CheckConstraint('usd_cents >= 0', name=op.f('ck_payment_usd_not_negative')),
    sa.ForeignKeyConstraint(['contribution_id'], ['contribution.id'], name=op.f('fk_payment_contribution_id_contribution')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payment'))
    )
    with op.batch_alter_table('payment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payment_contribution_id'), ['contribution_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('payment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payment_contribution_id'))

    op.drop_table('payment')
    with op.batch_alter_table('contribution', schema=None) as batch_op:
        batch_op.drop_index('ix_contribution_gap_id_status')
        batch_op.drop_index(batch_op.f('ix_contribution_donor_id'))

    op.drop_table('contribution')
    op.drop_table('seed_run')
    op.drop_table('gap')
    op.drop_table('exchange_rate')
    op.drop_table('donor')
