"""办理结果回传: the reply to the platform a closed matter came from, one per matter; the
sign-off tables (duban_common.signoff) for the units' completion reports and the replies to a
superior office

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

# The changes are declared in 0004_replies.toml.
upgrade, downgrade = migration_steps.declared(__file__)
