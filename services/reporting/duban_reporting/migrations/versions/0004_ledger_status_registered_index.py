"""ledger index: a status within a registration period

"Completed, registered in March" (the ledger's default date is the registration) read every
matter of the month from the table to check its status; with a unit as well it took 330 ms on
PostgreSQL at a million matters (bench/ledger.py). From this index alone: 26-155 ms.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24 04:45:00
"""

from __future__ import annotations

from duban_common import migration_steps

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

# The changes are declared in 0004_ledger_status_registered_index.toml.
upgrade, downgrade = migration_steps.declared(__file__)
