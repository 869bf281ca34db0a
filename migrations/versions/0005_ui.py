"""UI: indexes for the contribution tables' default (decision date) and US$ orders

Revision ID: 0005_ui
Revises: 0004_access
"""
import importlib

import sqlalchemy as sa
from alembic import op

# For its compile hook: SQLite's CREATE INDEX is written without NULLS LAST (see tracker.core.models).
importlib.import_module("tracker.core.models")

revision = '0005_ui'
down_revision = '0004_access'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_contribution_decision_date_id', 'contribution',
                    [sa.text('decision_date DESC NULLS LAST'), sa.text('id DESC')], unique=False)
    op.create_index('ix_contribution_usd_cents_id', 'contribution', ['usd_cents', 'id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_contribution_usd_cents_id', table_name='contribution')
    op.drop_index('ix_contribution_decision_date_id', table_name='contribution')
