"""what tasking learns from deadline.set: the rule as the documents word it (会后1个月, 交办后1周)
and the sign-for and decline limits the deadline service owns; a tenant's minimum spot-check rate

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-07 09:00:00
"""

from __future__ import annotations

from duban_common import migration_steps

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

# The changes are declared in 0003_deadline_facts.toml.
upgrade, downgrade = migration_steps.declared(__file__)
