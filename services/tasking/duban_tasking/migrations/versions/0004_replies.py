"""办理结果回传: the reply to the platform a closed matter came from, one per matter; the
sign-off tables (duban_common.signoff) for the units' completion reports and the replies to a
superior office

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import duban_common.db

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('replies',
                    sa.Column('tenant', sa.String(length=40), nullable=False),
                    sa.Column('matter_id', sa.String(length=36), nullable=False),
                    sa.Column('id', sa.String(length=36), nullable=False),
                    sa.Column('status', sa.String(length=20), nullable=False),
                    sa.Column('text', sa.Text(), nullable=False),
                    sa.Column('attachment_refs', sa.JSON(), nullable=False),
                    sa.Column('closed_at', duban_common.db.UTCDateTime(timezone=True), nullable=False),
                    sa.Column('closed_by', sa.String(length=100), nullable=True),
                    sa.Column('draft_id', sa.String(length=36), nullable=True),
                    sa.Column('signed_by', sa.String(length=100), nullable=True),
                    sa.Column('published_at', duban_common.db.UTCDateTime(timezone=True), nullable=True),
                    sa.PrimaryKeyConstraint('tenant', 'matter_id'),
                    sa.UniqueConstraint('id'))


    _signoff_tables()


def _signoff_tables() -> None:
    when = duban_common.db.UTCDateTime(timezone=True)
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
                    sa.Column('waiting_since', when, nullable=True),
                    sa.Column('reminded_at', when, nullable=True),
                    sa.Column('number', sa.String(length=60), nullable=True),
                    sa.Column('created_at', when, nullable=False),
                    sa.Column('created_by', sa.String(length=200), nullable=False),
                    sa.Column('issued_at', when, nullable=True),
                    sa.Column('refused_at', when, nullable=True),
                    sa.PrimaryKeyConstraint('id'),
                    sa.UniqueConstraint('tenant', 'key', name='uq_drafts_tenant_key'))
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
                    sa.Column('at', when, nullable=False),
                    sa.PrimaryKeyConstraint('draft_id', 'step'))
    op.create_table('signoff_chains',
                    sa.Column('tenant', sa.String(length=40), nullable=False),
                    sa.Column('doc_type', sa.String(length=40), nullable=False),
                    sa.Column('definition', sa.JSON(), nullable=False),
                    sa.Column('updated_at', when, nullable=False),
                    sa.Column('updated_by', sa.String(length=200), nullable=False),
                    sa.PrimaryKeyConstraint('tenant', 'doc_type'))


def downgrade() -> None:
    for table in ('signoff_chains', 'draft_steps', 'drafts', 'replies'):
        op.drop_table(table)
