"""the units directory, kept from tasking's unit events (names, liaisons, copy recipients, the discipline body)

Revision ID: 0007
Revises: 0005
Create Date: 2026-12-07 12:00:00
"""

from __future__ import annotations

from alembic import op

from duban_common import unit_directory

revision = '0007'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    unit_directory.create_in_migration(op)


def downgrade() -> None:
    unit_directory.drop_in_migration(op)
