"""the deadline's rule as the documents word it (会后1个月, 交办后1周) on the ledger and its tasks

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table in ('ledger', 'task_states'):
        op.add_column(table, sa.Column('deadline_label', sa.String(length=60), nullable=True))


def downgrade() -> None:
    for table in ('ledger', 'task_states'):
        with op.batch_alter_table(table) as batch:
            batch.drop_column('deadline_label')
