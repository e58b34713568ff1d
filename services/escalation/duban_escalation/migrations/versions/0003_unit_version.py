"""the task version that named the watched task's unit

task.* events of one task can be processed out of order: a task.assigned that failed once
waits for its redelivery while the task.reassigned after it goes through. The version that
named the unit keeps an older event from bringing the earlier unit back.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-05 22:45:00
"""

from __future__ import annotations

from duban_common import migration_steps

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

# The changes are declared in 0003_unit_version.toml.
upgrade, downgrade = migration_steps.declared(__file__)
