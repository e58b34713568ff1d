"""ledger index: a status within a registration period

"Completed, registered in March" (the ledger's default date is the registration) read every
matter of the month from the table to check its status; with a unit as well it took 330 ms on
PostgreSQL at a million matters (bench/ledger.py). From this index alone: 26-155 ms.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24 04:45:00
"""

from __future__ import annotations

from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_ledger_tenant_status_registered', 'ledger', ['tenant', 'status', 'registered_at', 'matter_id'])


def downgrade() -> None:
    op.drop_index('ix_ledger_tenant_status_registered', table_name='ledger')
