"""ledger text search on SQLite: new matters' search rows written by a catch-up, not a trigger

The insert trigger wrote each new matter's FTS5 row inside the trigger's statement, and FTS5
writes its pending rows out as a segment at every savepoint: a segment and its merging per new
matter, 7-16 ms each at 140,000 matters and growing, most of the reporting service's time under
load (bench/results/2026-12-04.md). The trigger now writes the matter's search key only; the
writers of new ledger rows run ``ledger_search.catch_up`` before they commit, one top-level
statement for all the keys the search has not seen. Any key without its search row yet (none
on a database that 0007's trigger kept) is caught up here.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04 17:00:00
"""

from __future__ import annotations

from alembic import op

from duban_reporting.adapters import ledger_search

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != 'sqlite':
        return
    for statement in ledger_search.SQLITE_KEYS_ONLY_TRIGGER:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name != 'sqlite':
        return
    op.execute(ledger_search.CATCH_UP)  # what 0007's trigger would have written by now
    for statement in ledger_search.SQLITE_SEARCH_ROW_TRIGGER:
        op.execute(statement)
