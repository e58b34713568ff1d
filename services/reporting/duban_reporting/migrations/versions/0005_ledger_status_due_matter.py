"""ledger index on SQLite: the lights' index carries the matter id

The red light's page (open, past the deadline, by deadline or by urges) read the matter id of
each of its 60,000 matches from the table to sort them: 260 ms on SQLite at a million matters
(bench/ledger.py). With the matter id in the index, as in the other sort indexes (0003): 2 ms.
PostgreSQL keeps the narrower index: there the wider one made counting a status slower
(37 -> 90 ms) and its plans for the lights did not need it.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24 05:00:00
"""

from __future__ import annotations

from duban_common import migration_steps

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

# The changes are declared in 0005_ledger_status_due_matter.toml.
upgrade, downgrade = migration_steps.declared(__file__)
