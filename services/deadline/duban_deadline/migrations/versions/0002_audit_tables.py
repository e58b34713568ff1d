"""the audit tables join the history, as the outbox and the inbox did

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-07 12:00:00
"""

from __future__ import annotations

from duban_common import migration_steps

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

# Those made at start by the releases before are kept; the audit log outlives a downgrade.
upgrade, downgrade = migration_steps.AUDIT_TABLES
