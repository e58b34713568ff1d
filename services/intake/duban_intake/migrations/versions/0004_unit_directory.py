"""the units directory, kept from tasking's unit events (a name or code in a registration or an import)

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07 12:00:00
"""

from __future__ import annotations

from duban_common import migration_steps

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

upgrade, downgrade = migration_steps.UNIT_DIRECTORY
