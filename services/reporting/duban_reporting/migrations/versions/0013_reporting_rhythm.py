"""The reporting rhythm and the sign-off of reporting's drafts

Monthly supervision summary, quarterly bulletin and annual assessment are drafted at each
period's end (one per tenant, kind and period: the primary key) and wait for their sign-off:
the tables of duban_common.signoff (drafts, draft_steps, signoff_chains).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from duban_common.db import UTCDateTime

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'rhythm_cursors',
        sa.Column('tenant', sa.String(40), primary_key=True),
        sa.Column('kind', sa.String(30), primary_key=True),
        sa.Column('next_start', sa.Date(), nullable=False),
        sa.Column('due_at', UTCDateTime(timezone=True), nullable=False),
        sa.Column('updated_at', UTCDateTime(timezone=True), nullable=False),
    )
    op.create_index('ix_rhythm_cursors_due', 'rhythm_cursors', ['due_at'])
    op.create_table(
        'rhythm_drafts',
        sa.Column('draft_id', sa.String(36), nullable=False),
        sa.Column('tenant', sa.String(40), primary_key=True),
        sa.Column('kind', sa.String(30), primary_key=True),
        sa.Column('period_start', sa.Date(), primary_key=True),
        sa.Column('period_end', sa.Date(), primary_key=True),
        sa.Column('label', sa.String(60), nullable=False),
        sa.Column('title', sa.String(500), nullable=False),
        sa.Column('state', sa.String(12), nullable=False),
        sa.Column('summary', sa.JSON(), nullable=False),
        sa.Column('drafted_at', UTCDateTime(timezone=True), nullable=False),
        sa.Column('decided_at', UTCDateTime(timezone=True)),
        sa.Column('decided_by', sa.String(200)),
        sa.Column('note', sa.String(2000)),
        sa.Column('report_id', sa.String(36)),
        sa.UniqueConstraint('draft_id', name='uq_rhythm_drafts_draft_id'),
    )
    op.create_index('ix_rhythm_drafts_tenant_state', 'rhythm_drafts', ['tenant', 'state', 'drafted_at'])
    _signoff_tables()


def _signoff_tables() -> None:
    op.create_table(
        'drafts',
        sa.Column('id', sa.String(36), primary_key=True),
        sa.Column('tenant', sa.String(40), nullable=False),
        sa.Column('doc_type', sa.String(40), nullable=False),
        sa.Column('key', sa.String(300), nullable=False),
        sa.Column('title', sa.String(300), nullable=False),
        sa.Column('task_id', sa.String(64)),
        sa.Column('period', sa.String(20)),
        sa.Column('unit', sa.String(64)),
        sa.Column('payload', sa.JSON(), nullable=False),
        sa.Column('chain', sa.JSON(), nullable=False),
        sa.Column('status', sa.String(12), nullable=False),
        sa.Column('next_step', sa.Integer(), nullable=False),
        sa.Column('waiting_role', sa.String(30)),
        sa.Column('waiting_since', UTCDateTime(timezone=True)),
        sa.Column('reminded_at', UTCDateTime(timezone=True)),
        sa.Column('number', sa.String(60)),
        sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
        sa.Column('created_by', sa.String(200), nullable=False),
        sa.Column('issued_at', UTCDateTime(timezone=True)),
        sa.Column('refused_at', UTCDateTime(timezone=True)),
        sa.UniqueConstraint('tenant', 'key', name='uq_drafts_tenant_key'),
    )
    op.create_index('ix_drafts_waiting', 'drafts', ['tenant', 'status', 'waiting_role'])
    op.create_index('ix_drafts_task', 'drafts', ['tenant', 'task_id'])
    op.create_table(
        'draft_steps',
        sa.Column('draft_id', sa.String(36), primary_key=True),
        sa.Column('step', sa.Integer(), primary_key=True),
        sa.Column('tenant', sa.String(40), nullable=False),
        sa.Column('action', sa.String(10), nullable=False),
        sa.Column('role', sa.String(30), nullable=False),
        sa.Column('person', sa.String(200), nullable=False),
        sa.Column('person_name', sa.String(200), nullable=False),
        sa.Column('decision', sa.String(10), nullable=False),
        sa.Column('reason', sa.Text()),
        sa.Column('at', UTCDateTime(timezone=True), nullable=False),
    )
    op.create_table(
        'signoff_chains',
        sa.Column('tenant', sa.String(40), primary_key=True),
        sa.Column('doc_type', sa.String(40), primary_key=True),
        sa.Column('definition', sa.JSON(), nullable=False),
        sa.Column('updated_at', UTCDateTime(timezone=True), nullable=False),
        sa.Column('updated_by', sa.String(200), nullable=False),
    )


def downgrade() -> None:
    op.drop_table('signoff_chains')
    op.drop_table('draft_steps')
    op.drop_index('ix_drafts_task', table_name='drafts')
    op.drop_index('ix_drafts_waiting', table_name='drafts')
    op.drop_table('drafts')
    op.drop_index('ix_rhythm_drafts_tenant_state', table_name='rhythm_drafts')
    op.drop_table('rhythm_drafts')
    op.drop_index('ix_rhythm_cursors_due', table_name='rhythm_cursors')
    op.drop_table('rhythm_cursors')
