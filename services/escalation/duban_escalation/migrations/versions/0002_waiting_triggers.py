"""triggers that came before the task's assignment

An overdue or a return that reaches escalation before its task.assigned (the streams are
consumed independently) is kept on the watched task and taken when the assignment arrives,
instead of being retried until its deliveries run out.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 03:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('watched_tasks', sa.Column('waiting', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('watched_tasks') as batch:
        batch.drop_column('waiting')
