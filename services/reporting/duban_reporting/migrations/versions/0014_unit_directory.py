"""the units directory, kept from tasking's unit events (unit names in exports and the dashboard)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 12:00:00
"""

from __future__ import annotations

from duban_common import migration_steps

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

upgrade, downgrade = migration_steps.UNIT_DIRECTORY
