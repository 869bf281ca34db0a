"""Payment schedules and scheduled jobs: instalments, write-offs, the reminders outbox,
figure snapshots, job runs, job locks, "Run now" requests, and contribution.overdue_since.

Revision ID: 0002_schedules
Revises: 0001
Create Date: 2026-11-25 19:06:08.657186
"""
import sqlalchemy as sa
from alembic import op

revision = '0002_schedules'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('job_lock',
    sa.Column('job', sa.String(length=40), nullable=False),
    sa.Column('owner', sa.String(length=200), nullable=True),
    sa.Column('acquired_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('job', name=op.f('pk_job_lock'))
    )
    op.create_table('job_run',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('job', sa.String(length=40), nullable=False),
    sa.Column('scheduled_for', sa.DateTime(timezone=True), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('outcome', sa.String(length=8), nullable=True),
    sa.Column('rows_changed', sa.Integer(), nullable=True),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('process', sa.String(length=200), nullable=False),
    sa.CheckConstraint("outcome IS NULL OR outcome IN ('ok', 'skipped', 'failed')", name=op.f('ck_job_run_outcome_allowed')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_job_run'))
    )
    op.create_index('ix_job_run_job_scheduled_for', 'job_run', ['job', 'scheduled_for'], unique=False)
    op.create_index('ix_job_run_job_started_at', 'job_run', ['job', 'started_at'], unique=False)
    op.create_table('job_schedule',
    sa.Column('job', sa.String(length=40), nullable=False),
    sa.Column('interval_seconds', sa.Integer(), nullable=False),
    sa.Column('next_run_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('process', sa.String(length=200), nullable=False),
    sa.Column('seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('job', name=op.f('pk_job_schedule'))
    )
    op.create_table('gap_snapshot',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('gap_id', sa.Integer(), nullable=False),
    sa.Column('taken_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('requirement_cents', sa.BigInteger(), nullable=False),
    sa.Column('funding_cents', sa.BigInteger(), nullable=False),
    sa.Column('pledged_cents', sa.BigInteger(), nullable=False),
    sa.Column('received_cents', sa.BigInteger(), nullable=False),
    sa.Column('written_off_cents', sa.BigInteger(), nullable=False),
    sa.Column('contributions', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['gap_id'], ['gap.id'], name=op.f('fk_gap_snapshot_gap_id_gap')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_gap_snapshot'))
    )
    op.create_index('ix_gap_snapshot_gap_id_taken_at', 'gap_snapshot', ['gap_id', 'taken_at'], unique=True)
    op.create_table('job_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('job', sa.String(length=40), nullable=False),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('claimed_by', sa.String(length=200), nullable=True),
    sa.Column('run_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['run_id'], ['job_run.id'], name=op.f('fk_job_request_run_id_job_run')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_job_request'))
    )
    op.create_index(op.f('ix_job_request_claimed_at'), 'job_request', ['claimed_at'], unique=False)
    op.create_table('instalment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contribution_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=False),
    sa.Column('amount_minor', sa.BigInteger(), nullable=False),
    sa.Column('paid_minor', sa.BigInteger(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.CheckConstraint("status IN ('pending', 'partly paid', 'paid', 'overdue', 'cancelled', 'written off')", name=op.f('ck_instalment_status_allowed')),
    sa.CheckConstraint('amount_minor > 0', name=op.f('ck_instalment_amount_positive')),
    sa.CheckConstraint('number > 0', name=op.f('ck_instalment_number_positive')),
    sa.CheckConstraint('paid_minor >= 0 AND paid_minor <= amount_minor', name=op.f('ck_instalment_paid_within_amount')),
    sa.ForeignKeyConstraint(['contribution_id'], ['contribution.id'], name=op.f('fk_instalment_contribution_id_contribution')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_instalment')),
    sa.UniqueConstraint('contribution_id', 'number', name=op.f('uq_instalment_contribution_id_number'))
    )
    op.create_index('ix_instalment_status_due_date', 'instalment', ['status', 'due_date'], unique=False)
    op.create_table('payment_schedule',
    sa.Column('contribution_id', sa.Integer(), nullable=False),
    sa.Column('frequency', sa.String(length=12), nullable=False),
    sa.Column('instalment_count', sa.Integer(), nullable=False),
    sa.Column('first_due_date', sa.Date(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("frequency IN ('monthly', 'quarterly', 'yearly', 'one-off', 'by hand')", name=op.f('ck_payment_schedule_frequency_allowed')),
    sa.CheckConstraint('instalment_count > 0', name=op.f('ck_payment_schedule_instalment_count_positive')),
    sa.ForeignKeyConstraint(['contribution_id'], ['contribution.id'], name=op.f('fk_payment_schedule_contribution_id_contribution')),
    sa.PrimaryKeyConstraint('contribution_id', name=op.f('pk_payment_schedule'))
    )
    op.create_table('write_off',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contribution_id', sa.Integer(), nullable=False),
    sa.Column('amount_minor', sa.BigInteger(), nullable=False),
    sa.Column('usd_cents', sa.BigInteger(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('written_off_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('amount_minor > 0', name=op.f('ck_write_off_amount_positive')),
    sa.CheckConstraint('usd_cents >= 0', name=op.f('ck_write_off_usd_not_negative')),
    sa.ForeignKeyConstraint(['contribution_id'], ['contribution.id'], name=op.f('fk_write_off_contribution_id_contribution')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_write_off')),
    sa.UniqueConstraint('contribution_id', name=op.f('uq_write_off_contribution_id'))
    )
    op.create_table('reminder',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contribution_id', sa.Integer(), nullable=False),
    sa.Column('instalment_id', sa.Integer(), nullable=True),
    sa.Column('donor_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=False),
    sa.Column('amount_due_minor', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('sent_via', sa.String(length=12), nullable=True),
    sa.CheckConstraint("kind IN ('due soon', 'overdue')", name=op.f('ck_reminder_kind_allowed')),
    sa.CheckConstraint("sent_via IS NULL OR sent_via IN ('email', 'by hand')", name=op.f('ck_reminder_sent_via_allowed')),
    sa.CheckConstraint('amount_due_minor > 0', name=op.f('ck_reminder_amount_due_positive')),
    sa.ForeignKeyConstraint(['contribution_id'], ['contribution.id'], name=op.f('fk_reminder_contribution_id_contribution')),
    sa.ForeignKeyConstraint(['donor_id'], ['donor.id'], name=op.f('fk_reminder_donor_id_donor')),
    sa.ForeignKeyConstraint(['instalment_id'], ['instalment.id'], name=op.f('fk_reminder_instalment_id_instalment'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reminder'))
    )
    op.create_index(op.f('ix_reminder_contribution_id'), 'reminder', ['contribution_id'], unique=False)
    op.create_index(op.f('ix_reminder_instalment_id'), 'reminder', ['instalment_id'], unique=False)
    op.add_column('contribution', sa.Column('overdue_since', sa.Date(), nullable=True))


def downgrade() -> None:
    # Not batch mode: on SQLite, batch mode recreates the table, and dropping the old
    # contribution table fails its payments' foreign keys. SQLite drops a plain column itself.
    op.drop_column('contribution', 'overdue_since')
    op.drop_index(op.f('ix_reminder_instalment_id'), table_name='reminder')
    op.drop_index(op.f('ix_reminder_contribution_id'), table_name='reminder')
    op.drop_table('reminder')
    op.drop_table('write_off')
    op.drop_table('payment_schedule')
    op.drop_index('ix_instalment_status_due_date', table_name='instalment')
    op.drop_table('instalment')
    op.drop_index(op.f('ix_job_request_claimed_at'), table_name='job_request')
    op.drop_table('job_request')
    op.drop_index('ix_gap_snapshot_gap_id_taken_at', table_name='gap_snapshot')
    op.drop_table('gap_snapshot')
    op.drop_table('job_schedule')
    op.drop_index('ix_job_run_job_started_at', table_name='job_run')
    op.drop_index('ix_job_run_job_scheduled_for', table_name='job_run')
    op.drop_table('job_run')
    op.drop_table('job_lock')
