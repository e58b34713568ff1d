"""ledger indexes for text search, descending sorts and deep pages

Measured with bench/ledger.py on PostgreSQL at a million matters:

- ``q`` (LIKE '%…%' on the title, notice number and external number) scanned the tenant's
  rows: 194 ms for a hotline number. GIN trigram indexes (pg_trgm, a trusted extension the
  database's owner may create) answer it in 2 ms. PostgreSQL only; SQLite scans.
- A descending sort with NULLs last (newest first, latest deadline first) could not use an
  ascending index on PostgreSQL, which files NULLs last ascending: it has its own indexes
  there (a unit's ledger, newest first: 240 -> 11 ms).
- The sort indexes carry the matter id, the tie-break of every ledger order, so an index gives
  the whole order and a deep page is found from the index alone (offset 10,000 by urges:
  990 -> 2 ms).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 04:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.exc import DBAPIError

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

# (new, its columns, the narrower one it replaces, that one's columns)
WIDENED = (
    ('ix_ledger_tenant_registered_matter', ['tenant', 'registered_at', 'matter_id'], 'ix_ledger_tenant_registered', ['tenant', 'registered_at']),
    ('ix_ledger_tenant_due_matter', ['tenant', 'due_at', 'matter_id'], 'ix_ledger_tenant_due', ['tenant', 'due_at']),
    ('ix_ledger_tenant_urges_matter', ['tenant', 'urges', 'matter_id'], 'ix_ledger_tenant_urges', ['tenant', 'urges']),
)
DESCENDING = ('registered_at', 'due_at', 'title')  # PostgreSQL: (tenant, column DESC NULLS LAST, matter_id DESC)
TRIGRAM = ('title', 'notice_no', 'external_id')  # PostgreSQL: GIN (column gin_trgm_ops)


def _descending_name(column: str) -> str:
    return f"ix_ledger_tenant_{column.removesuffix('_at')}_desc"


def upgrade() -> None:
    for name, columns, old, _old_columns in WIDENED:
        op.create_index(name, 'ledger', columns)
        op.drop_index(old, table_name='ledger')
    if op.get_bind().dialect.name != 'postgresql':
        return
    for column in DESCENDING:
        op.create_index(_descending_name(column), 'ledger', [sa.text('tenant'), sa.text(f'{column} DESC NULLS LAST'), sa.text('matter_id DESC')])
    try:
        with op.get_bind().begin_nested():
            op.execute('CREATE EXTENSION IF NOT EXISTS pg_trgm')
    except DBAPIError as e:
        raise RuntimeError('the reporting database needs the pg_trgm extension and this role may not create it: '
                           'run CREATE EXTENSION pg_trgm in that database as its owner or a superuser, then migrate again'
                           f' ({e.orig})') from e
    for column in TRIGRAM:
        op.create_index(f'ix_ledger_{column}_trgm', 'ledger', [column], postgresql_using='gin', postgresql_ops={column: 'gin_trgm_ops'})


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        for column in TRIGRAM:
            op.drop_index(f'ix_ledger_{column}_trgm', table_name='ledger')
        for column in DESCENDING:
            op.drop_index(_descending_name(column), table_name='ledger')
    for name, _columns, old, old_columns in WIDENED:
        op.create_index(old, 'ledger', old_columns)
        op.drop_index(name, table_name='ledger')
