"""Corrections: payments that can be edited and voided, donors that can be edited and merged,
and the one-time keys of form posts that created something.

Revision ID: 0007_corrections
Revises: 0006_covering_indexes
"""
import sqlalchemy as sa
from alembic import op

revision = '0007_corrections'
down_revision = '0006_covering_indexes'
branch_labels = None
depends_on = None


def _versioned(batch_op) -> None:
    """A version (1 for the rows already there) and an updated_at (their creation time)."""
    batch_op.add_column(sa.Column('version', sa.Integer(), nullable=False, server_default='1'))
    batch_op.add_column(sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True))


def _versioned_done(table: str) -> None:
    op.execute(f"UPDATE {table} SET updated_at = created_at")
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.alter_column('version', server_default=None)
        batch_op.alter_column('updated_at', existing_type=sa.DateTime(timezone=True), nullable=False)


def upgrade() -> None:
    op.create_table('form_submission',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('record_type', sa.String(length=40), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_form_submission'))
    )
    with op.batch_alter_table('donor', schema=None) as batch_op:
        batch_op.add_column(sa.Column('merged_into_id', sa.Integer(), nullable=True))
        _versioned(batch_op)
        batch_op.create_index(batch_op.f('ix_donor_merged_into_id'), ['merged_into_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_donor_merged_into_id_donor'), 'donor', ['merged_into_id'], ['id'])
        batch_op.create_check_constraint('not_merged_into_itself', 'merged_into_id IS NULL OR merged_into_id <> id')
    _versioned_done('donor')

    with op.batch_alter_table('payment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('voided_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('void_reason', sa.Text(), nullable=True))
        _versioned(batch_op)
        batch_op.create_check_constraint('void_has_reason', '(voided_at IS NULL) = (void_reason IS NULL)')
        batch_op.drop_index(batch_op.f('ix_payment_contribution_id_usd_cents'))
        batch_op.create_index(batch_op.f('ix_payment_contribution_id_voided_at_usd_cents_amount_minor'),
                              ['contribution_id', 'voided_at', 'usd_cents', 'amount_minor'], unique=False)
    _versioned_done('payment')

    # The figures now read each contribution's amount too (is it fully paid?): keep them covered.
    with op.batch_alter_table('contribution', schema=None) as batch_op:
        for column in ('gap_id', 'donor_id'):
            batch_op.drop_index(f'ix_contribution_{column}_status_usd_cents')
            batch_op.create_index(f'ix_contribution_{column}_status_usd_cents_amount_minor',
                                  [column, 'status', 'usd_cents', 'amount_minor'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('contribution', schema=None) as batch_op:
        for column in ('gap_id', 'donor_id'):
            batch_op.drop_index(f'ix_contribution_{column}_status_usd_cents_amount_minor')
            batch_op.create_index(f'ix_contribution_{column}_status_usd_cents', [column, 'status', 'usd_cents'],
                                  unique=False)

    with op.batch_alter_table('payment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payment_contribution_id_voided_at_usd_cents_amount_minor'))
        batch_op.create_index(batch_op.f('ix_payment_contribution_id_usd_cents'), ['contribution_id', 'usd_cents'], unique=False)
        batch_op.drop_constraint(batch_op.f('ck_payment_void_has_reason'), type_='check')
        batch_op.drop_column('updated_at')
        batch_op.drop_column('version')
        batch_op.drop_column('void_reason')
        batch_op.drop_column('voided_at')

    with op.batch_alter_table('donor', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_donor_not_merged_into_itself'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_donor_merged_into_id_donor'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_donor_merged_into_id'))
        batch_op.drop_column('updated_at')
        batch_op.drop_column('version')
        batch_op.drop_column('merged_into_id')

    op.drop_table('form_submission')
