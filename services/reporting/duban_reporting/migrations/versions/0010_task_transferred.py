"""a task transferred to the discipline body: the ledger shows 已移交纪委监委

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 09:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from duban_common.db import UTCDateTime

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('task_states', sa.Column('transferred_at', UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('task_states') as batch:
        batch.drop_column('transferred_at')
