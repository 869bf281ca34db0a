"""Import jobs: imports too large for a web request, queued for the scheduler process; and an
index for the likely-duplicate lookups, which an import makes by the thousand.

Revision ID: 0009_import_jobs
Revises: 0008_audit_guard
"""
import sqlalchemy as sa
from alembic import op

revision = '0009_import_jobs'
down_revision = '0008_audit_guard'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('import_job',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('upload_token', sa.String(length=64), nullable=False),
    sa.Column('choices', sa.Text(), nullable=False),
    sa.Column('actor', sa.String(length=254), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('address', sa.String(length=64), nullable=False),
    sa.Column('state', sa.String(length=12), nullable=False),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('claimed_by', sa.String(length=200), nullable=True),
    sa.Column('message', sa.Text(), nullable=True),
    sa.Column('outcome', sa.Text(), nullable=True),
    sa.CheckConstraint("state IN ('queued', 'running', 'done', 'refused', 'failed')", name=op.f('ck_import_job_state_allowed')),
    sa.ForeignKeyConstraint(['upload_token'], ['import_upload.token'], name=op.f('fk_import_job_upload_token_import_upload'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_import_job'))
    )
    with op.batch_alter_table('import_job', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_import_job_state'), ['state'], unique=False)
        batch_op.create_index(batch_op.f('ix_import_job_upload_token'), ['upload_token'], unique=False)
    with op.batch_alter_table('contribution', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contribution_donor_id_gap_id_amount_minor'),
                              ['donor_id', 'gap_id', 'amount_minor'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('contribution', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contribution_donor_id_gap_id_amount_minor'))
    with op.batch_alter_table('import_job', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_import_job_upload_token'))
        batch_op.drop_index(batch_op.f('ix_import_job_state'))

    op.drop_table('import_job')
