"""the task version that named the watched task's unit

task.* events of one task can be processed out of order: a task.assigned that failed once
waits for its redelivery while the task.reassigned after it goes through. The version that
named the unit keeps an older event from bringing the earlier unit back.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-05 22:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('watched_tasks', sa.Column('unit_version', sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('watched_tasks') as batch:
        batch.drop_column('unit_version')
