"""the deadline's rule as the documents word it (会后1个月, 交办后1周) and the instant its light
turns yellow, as the deadline service announces them, on the ledger and its tasks

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import duban_common.db

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table in ('ledger', 'task_states'):
        op.add_column(table, sa.Column('deadline_label', sa.String(length=60), nullable=True))
        op.add_column(table, sa.Column('yellow_from', duban_common.db.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    # ALTER TABLE DROP COLUMN (SQLite 3.35+): a batch copy of the ledger would drop its search triggers
    for table in ('ledger', 'task_states'):
        op.drop_column(table, 'yellow_from')
        op.drop_column(table, 'deadline_label')
