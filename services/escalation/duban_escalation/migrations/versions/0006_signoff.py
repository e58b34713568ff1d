"""sign-off: drafts of notices, bulletins and transfers, their steps, the tenants' chains, and the
office's assessment of a unit's written explanation before a transfer

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07 12:00:00
"""

from __future__ import annotations

from duban_common import migration_steps

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

# The changes are declared in 0006_signoff.toml.
upgrade, downgrade = migration_steps.declared(__file__)
