"""ledger text search on SQLite: an FTS5 trigram table kept by triggers

``q`` scanned the ledger on SQLite: 4.5 s for a hotline number and 2.4 s for common words at a
million matters (bench/ledger.py). The statements, and why the search rows have keys of their
own, are in duban_reporting.adapters.ledger_search; this revision runs them on an existing
ledger and indexes its rows. PostgreSQL already answers ``q`` from trigram indexes (0003).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25 01:00:00
"""

from __future__ import annotations

from duban_common import migration_steps
from duban_reporting.adapters import ledger_search

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

upgrade, downgrade = migration_steps.on_sqlite(ledger_search.SQLITE_DDL, ledger_search.SQLITE_DROP)
