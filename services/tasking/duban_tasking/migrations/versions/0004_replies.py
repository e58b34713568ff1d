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
from duban_common import migration_steps

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


    migration_steps.SIGNOFF_TABLES.upgrade()


def downgrade() -> None:
    migration_steps.SIGNOFF_TABLES.downgrade()
    op.drop_table('replies')
