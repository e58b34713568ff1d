"""ledger text search on SQLite: the search keys carry the matter's tenant

Counting a search's matches went through the ledger's text key and wide rows: 213 ms for
41,000 matches of a million matters. With the tenant on the keys they are counted from the
search rows and the keys alone, in 32 ms (duban_reporting.adapters.ledger_search.count).
12.6 s at a million matters (bench/ledger.py, migrating its kept database); nothing is
indexed again.

Revision 0006 runs the adapter's statements as they are now, which already make the keys
with the tenant: on a database migrated from scratch there is nothing to do here.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-24 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from duban_common import migration_steps
from duban_reporting.adapters import ledger_search

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == 'sqlite' and 'tenant' not in {c['name'] for c in sa.inspect(bind).get_columns('ledger_search_keys')}:
        migration_steps.execute_on('sqlite', ledger_search.SQLITE_KEYS_TENANT)


def downgrade() -> None:
    migration_steps.execute_on('sqlite', (
        'DROP TRIGGER ledger_search_tenant',
        'DROP TRIGGER ledger_search_insert',
        """CREATE TRIGGER ledger_search_insert AFTER INSERT ON ledger BEGIN
        INSERT INTO ledger_search_keys (matter_id) VALUES (new.matter_id);
        INSERT INTO ledger_search (rowid, title, notice_no, external_id) VALUES (last_insert_rowid(),
            coalesce(new.title, '') || char(1), coalesce(new.notice_no, '') || char(1), coalesce(new.external_id, '') || char(1));
    END""",
        'ALTER TABLE ledger_search_keys DROP COLUMN tenant',
    ))
