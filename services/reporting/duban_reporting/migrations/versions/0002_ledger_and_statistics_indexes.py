"""ledger and statistics indexes for a million matters

Measured with bench/ledger.py at 1,000,000 matters: the lights, the unit filter, the due period,
sorting by title or urges and the statistics' aggregates scanned the tenant's rows. These
indexes let them range-scan, or count from the index alone.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 23:40:00
"""

from __future__ import annotations

from duban_common import migration_steps

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

# The changes are declared in 0002_ledger_and_statistics_indexes.toml.
upgrade, downgrade = migration_steps.declared(__file__)
