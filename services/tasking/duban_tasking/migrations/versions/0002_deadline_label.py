"""the task's deadline rule as the documents word it (会后1个月, 交办后1周), learned from deadline.set

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-07 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('tasks', sa.Column('deadline_label', sa.String(length=60), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('tasks') as batch:
        batch.drop_column('deadline_label')
