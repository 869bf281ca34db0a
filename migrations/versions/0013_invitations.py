"""Users managed in the browser: single-use sign-in links (invitations, password resets), the
first admin's forced password change, and a version on users for administrators' edits.

Revision ID: 0013_invitations
Revises: 0012_donor_note
"""
import sqlalchemy as sa
from alembic import op

revision = '0013_invitations'
down_revision = '0012_donor_note'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('sign_in_link',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('purpose', sa.String(length=10), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("purpose IN ('invitation', 'reset')", name=op.f('ck_sign_in_link_purpose_allowed')),
    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], name=op.f('fk_sign_in_link_user_id_app_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sign_in_link')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_sign_in_link_token_hash'))
    )
    with op.batch_alter_table('sign_in_link', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sign_in_link_user_id'), ['user_id'], unique=False)
    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('must_change_password', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.add_column(sa.Column('version', sa.Integer(), nullable=False, server_default='1'))


def downgrade() -> None:
    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.drop_column('version')
        batch_op.drop_column('must_change_password')
    with op.batch_alter_table('sign_in_link', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sign_in_link_user_id'))
    op.drop_table('sign_in_link')
