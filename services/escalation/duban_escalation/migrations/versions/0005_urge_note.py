"""a manual urge keeps the office's own words and who urged

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07 09:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('urges', sa.Column('note', sa.Text(), nullable=True))
    op.add_column('urges', sa.Column('urged_by', sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('urges') as batch:
        batch.drop_column('urged_by')
        batch.drop_column('note')
