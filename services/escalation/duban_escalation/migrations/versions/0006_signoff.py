"""sign-off: drafts of notices, bulletins and transfers, their steps, the tenants' chains, and the
office's assessment of a unit's written explanation before a transfer

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import duban_common.db
from duban_common import migration_steps

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

At = duban_common.db.UTCDateTime


def upgrade() -> None:
    migration_steps.SIGNOFF_TABLES.upgrade()
    op.create_table('explanation_assessments',
    sa.Column('task_id', sa.String(length=36), nullable=False),
    sa.Column('tenant', sa.String(length=40), nullable=False),
    sa.Column('step', sa.Integer(), nullable=False),
    sa.Column('required_at', At(timezone=True), nullable=False),
    sa.Column('adequate', sa.Boolean(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('assessed_by', sa.String(length=200), nullable=True),
    sa.Column('assessed_at', At(timezone=True), nullable=True),
    sa.Column('draft_id', sa.String(length=36), nullable=True),
    sa.PrimaryKeyConstraint('task_id')
    )
    op.create_index(op.f('ix_explanation_assessments_tenant'), 'explanation_assessments', ['tenant'], unique=False)
    with op.batch_alter_table('urges') as batch:
        batch.alter_column('notice_no', existing_type=sa.String(length=40), nullable=True)


def downgrade() -> None:
    with op.batch_alter_table('urges') as batch:
        batch.alter_column('notice_no', existing_type=sa.String(length=40), nullable=False)
    op.drop_index(op.f('ix_explanation_assessments_tenant'), table_name='explanation_assessments')
    op.drop_table('explanation_assessments')
    migration_steps.SIGNOFF_TABLES.downgrade()
