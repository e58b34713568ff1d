"""ledger text search on SQLite: search rows written by a catch-up, not by triggers

The insert trigger wrote each new matter's FTS5 row inside the trigger's statement, and FTS5
writes its pending rows out as a segment at every savepoint: a segment and its merging per new
matter, 7-16 ms each at 140,000 matters and growing, most of the reporting service's time under
load (bench/results/2026-12-04.md); the update trigger did the same when a matter's notice
number was set. The insert trigger now writes the matter's search key only, and the update
trigger marks the search row stale (``ledger_search_stale``); the writers run
``ledger_search.catch_up`` before they commit: top-level statements for all the keys the search
has not seen and all the stale rows. Anything not caught up yet (nothing, on a database that
0007's triggers kept) is caught up here.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04 17:00:00
"""

from __future__ import annotations

from duban_common import migration_steps
from duban_reporting.adapters import ledger_search

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

# Down: first what 0007's triggers would have written.
upgrade, downgrade = migration_steps.on_sqlite(ledger_search.SQLITE_CATCH_UP_TRIGGERS, ledger_search.SQLITE_SEARCH_ROW_TRIGGERS)
