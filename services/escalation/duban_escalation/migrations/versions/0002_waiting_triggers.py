"""triggers that came before the task's assignment

An overdue or a return that reaches escalation before its task.assigned (the streams are
consumed independently) is kept on the watched task and taken when the assignment arrives,
instead of being retried until its deliveries run out.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 03:00:00
"""

from __future__ import annotations

from duban_common import migration_steps

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

# The changes are declared in 0002_waiting_triggers.toml.
upgrade, downgrade = migration_steps.declared(__file__)
