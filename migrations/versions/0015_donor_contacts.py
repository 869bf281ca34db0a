"""Donor contacts (staff only), the per-donor switch that sends reminders to the focal point,
and each reminder's recipient and delivery failures.

Revision ID: 0015_donor_contacts
Revises: 0014_rate_tables
"""
import sqlalchemy as sa
from alembic import op

revision = '0015_donor_contacts'
down_revision = '0014_rate_tables'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'donor_contact',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('donor_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('email', sa.String(length=254), nullable=False),
        sa.Column('role', sa.String(length=20), nullable=False),
        sa.Column('language', sa.String(length=10), nullable=False),
        sa.Column('retired_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("role IN ('focal point', 'finance', 'programme', 'other')",
                           name=op.f('ck_donor_contact_role_allowed')),
        sa.ForeignKeyConstraint(['donor_id'], ['donor.id'], name=op.f('fk_donor_contact_donor_id_donor')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_donor_contact')),
    )
    with op.batch_alter_table('donor_contact', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_donor_contact_donor_id'), ['donor_id'], unique=False)
    with op.batch_alter_table('donor', schema=None) as batch_op:
        batch_op.add_column(sa.Column('remind_focal_point', sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table('reminder', schema=None) as batch_op:
        batch_op.add_column(sa.Column('recipient_name', sa.String(length=200), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('recipient_email', sa.String(length=254), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('attempts', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('failure', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('failed_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('reminder', schema=None) as batch_op:
        for column in ('failed_at', 'failure', 'attempts', 'recipient_email', 'recipient_name'):
            batch_op.drop_column(column)
    with op.batch_alter_table('donor', schema=None) as batch_op:
        batch_op.drop_column('remind_focal_point')
    with op.batch_alter_table('donor_contact', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_donor_contact_donor_id'))
    op.drop_table('donor_contact')
