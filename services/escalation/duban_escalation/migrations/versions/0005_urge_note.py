"""a manual urge keeps the office's own words and who urged

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07 09:30:00
"""

from __future__ import annotations

from duban_common import migration_steps

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

# The changes are declared in 0005_urge_note.toml.
upgrade, downgrade = migration_steps.declared(__file__)
