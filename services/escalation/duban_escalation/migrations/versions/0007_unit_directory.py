"""the units directory, kept from tasking's unit events (names, liaisons, copy recipients, the discipline body)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 12:00:00
"""

from __future__ import annotations

from duban_common import migration_steps

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

upgrade, downgrade = migration_steps.UNIT_DIRECTORY
