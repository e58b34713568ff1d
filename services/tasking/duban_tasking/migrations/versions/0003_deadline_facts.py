"""what tasking learns from deadline.set: the rule as the documents word it (会后1个月, 交办后1周)
and the sign-for and decline limits the deadline service owns; a tenant's minimum spot-check rate

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-07 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import duban_common.db

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('tasks', sa.Column('deadline_label', sa.String(length=60), nullable=True))
    op.add_column('tasks', sa.Column('acknowledge_by', duban_common.db.UTCDateTime(timezone=True), nullable=True))
    op.add_column('tasks', sa.Column('decline_until', duban_common.db.UTCDateTime(timezone=True), nullable=True))
    op.create_table('spot_check_settings',
                    sa.Column('tenant', sa.String(length=40), nullable=False),
                    sa.Column('min_rate', sa.Float(), nullable=False),
                    sa.Column('updated_at', duban_common.db.UTCDateTime(timezone=True), nullable=False),
                    sa.PrimaryKeyConstraint('tenant'))


def downgrade() -> None:
    op.drop_table('spot_check_settings')
    with op.batch_alter_table('tasks') as batch:
        for column in ('decline_until', 'acknowledge_by', 'deadline_label'):
            batch.drop_column(column)
