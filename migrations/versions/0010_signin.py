"""Sign-in throttling counted in one locked row per scope (an account from an address, an
account, an address) instead of a row per attempt counted afterwards, which let concurrent
guesses through. The old attempts are not carried over: at worst a throttle starts afresh.

Revision ID: 0010_signin
Revises: 0009_import_jobs
"""
import sqlalchemy as sa
from alembic import op

revision = '0010_signin'
down_revision = '0009_import_jobs'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('sign_in_counter',
    sa.Column('scope', sa.String(length=7), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('address', sa.String(length=64), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('window_started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('checking', sa.Integer(), nullable=False),
    sa.Column('admitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("scope IN ('pair', 'account', 'address')", name=op.f('ck_sign_in_counter_scope_allowed')),
    sa.PrimaryKeyConstraint('scope', 'email', 'address', name=op.f('pk_sign_in_counter'))
    )
    with op.batch_alter_table('sign_in_attempt', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sign_in_attempt_email_at'))
        batch_op.drop_index(batch_op.f('ix_sign_in_attempt_address_at'))
    op.drop_table('sign_in_attempt')


def downgrade() -> None:
    op.create_table('sign_in_attempt',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('address', sa.String(length=64), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('succeeded', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sign_in_attempt'))
    )
    with op.batch_alter_table('sign_in_attempt', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sign_in_attempt_address_at'), ['address', 'at'], unique=False)
        batch_op.create_index(batch_op.f('ix_sign_in_attempt_email_at'), ['email', 'at'], unique=False)
    op.drop_table('sign_in_counter')
