"""ledger index: a matter's status by its id, for counting a unit's matters of a status

A unit's ledger filtered by status (a unit handler's open matters, the office's 台账 by unit and
status) was counted by walking every matter of the status and asking ledger_units whether the
unit handles it: all 65,000 completed matters of a tenant, whatever the unit. Counted from the
unit's rows in ledger_units instead, each matter's status (and its tenant, which every read is
held to) is read from this index alone: one probe per matter of the unit, no table row
(108 -> 7 ms for a unit's completed matters at 100,000 matters, loaded machine).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 10:40:00
"""

from __future__ import annotations

from duban_common import migration_steps

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

# The changes are declared in 0011_ledger_matter_status.toml.
upgrade, downgrade = migration_steps.declared(__file__)
