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

from duban_common import migration_steps
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
    migration_steps.SIGNOFF_TABLES.upgrade()


def downgrade() -> None:
    migration_steps.SIGNOFF_TABLES.downgrade()
    op.drop_index('ix_rhythm_drafts_tenant_state', table_name='rhythm_drafts')
    op.drop_table('rhythm_drafts')
    op.drop_index('ix_rhythm_cursors_due', table_name='rhythm_cursors')
    op.drop_table('rhythm_cursors')
