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

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

At = duban_common.db.UTCDateTime


def upgrade() -> None:
    op.create_table('drafts',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('tenant', sa.String(length=40), nullable=False),
    sa.Column('doc_type', sa.String(length=40), nullable=False),
    sa.Column('key', sa.String(length=300), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('task_id', sa.String(length=64), nullable=True),
    sa.Column('period', sa.String(length=20), nullable=True),
    sa.Column('unit', sa.String(length=64), nullable=True),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('chain', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('next_step', sa.Integer(), nullable=False),
    sa.Column('waiting_role', sa.String(length=30), nullable=True),
    sa.Column('waiting_since', At(timezone=True), nullable=True),
    sa.Column('reminded_at', At(timezone=True), nullable=True),
    sa.Column('number', sa.String(length=60), nullable=True),
    sa.Column('created_at', At(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=200), nullable=False),
    sa.Column('issued_at', At(timezone=True), nullable=True),
    sa.Column('refused_at', At(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('tenant', 'key', name='uq_drafts_tenant_key')
    )
    op.create_index('ix_drafts_waiting', 'drafts', ['tenant', 'status', 'waiting_role'], unique=False)
    op.create_index('ix_drafts_task', 'drafts', ['tenant', 'task_id'], unique=False)
    op.create_table('draft_steps',
    sa.Column('draft_id', sa.String(length=36), nullable=False),
    sa.Column('step', sa.Integer(), nullable=False),
    sa.Column('tenant', sa.String(length=40), nullable=False),
    sa.Column('action', sa.String(length=10), nullable=False),
    sa.Column('role', sa.String(length=30), nullable=False),
    sa.Column('person', sa.String(length=200), nullable=False),
    sa.Column('person_name', sa.String(length=200), nullable=False),
    sa.Column('decision', sa.String(length=10), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('at', At(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('draft_id', 'step')
    )
    op.create_table('signoff_chains',
    sa.Column('tenant', sa.String(length=40), nullable=False),
    sa.Column('doc_type', sa.String(length=40), nullable=False),
    sa.Column('definition', sa.JSON(), nullable=False),
    sa.Column('updated_at', At(timezone=True), nullable=False),
    sa.Column('updated_by', sa.String(length=200), nullable=False),
    sa.PrimaryKeyConstraint('tenant', 'doc_type')
    )
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
    op.drop_table('signoff_chains')
    op.drop_table('draft_steps')
    op.drop_index('ix_drafts_task', table_name='drafts')
    op.drop_index('ix_drafts_waiting', table_name='drafts')
    op.drop_table('drafts')
