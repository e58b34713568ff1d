"""the audit tables join the history, as the outbox and the inbox did

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07 12:00:00
"""

from __future__ import annotations

from alembic import op

from duban_common import audit

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    audit.create_missing_tables(op.get_bind())  # those made at start by the releases before are kept


def downgrade() -> None:
    pass  # the audit log outlives a downgrade
