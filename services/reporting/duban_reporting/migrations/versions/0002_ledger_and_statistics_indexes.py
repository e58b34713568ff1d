"""ledger and statistics indexes for a million matters

Measured with bench/ledger.py at 1,000,000 matters: the lights, the unit filter, the due period,
sorting by title or urges and the statistics' aggregates scanned the tenant's rows. These
indexes let them range-scan, or count from the index alone.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 23:40:00
"""

from __future__ import annotations

from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

CREATED = (
    ('ledger', 'ix_ledger_tenant_status_due', ['tenant', 'status', 'due_at', 'due_on']),
    ('ledger', 'ix_ledger_tenant_kind_leader', ['tenant', 'kind', 'leader_name', 'led_by_leader']),
    ('ledger', 'ix_ledger_tenant_title', ['tenant', 'title']),
    ('ledger', 'ix_ledger_tenant_urges', ['tenant', 'urges']),
    ('ledger_units', 'ix_ledger_units_tenant_unit_matter', ['tenant', 'unit', 'matter_id']),
    ('task_states', 'ix_task_states_assigned', ['tenant', 'assigned_at', 'lead_unit', 'kind']),
    ('task_states', 'ix_task_states_completed', ['tenant', 'completed_at', 'status', 'due_at', 'handling_workdays', 'lead_unit', 'kind']),
    ('task_facts', 'ix_task_facts_tenant_at', ['tenant', 'at', 'fact', 'task_id', 'unit', 'points']),
)
# each replaced by a wider one above with the same leading columns
DROPPED = (
    ('ledger', 'ix_ledger_tenant_status', ['tenant', 'status']),
    ('ledger_units', 'ix_ledger_units_tenant_unit', ['tenant', 'unit']),
    ('task_states', 'ix_task_states_tenant_assigned', ['tenant', 'assigned_at']),
    ('task_states', 'ix_task_states_tenant_completed', ['tenant', 'completed_at']),
)


def upgrade() -> None:
    for table, name, columns in CREATED:
        op.create_index(name, table, columns)
    for table, name, _columns in DROPPED:
        op.drop_index(name, table_name=table)


def downgrade() -> None:
    for table, name, columns in DROPPED:
        op.create_index(name, table, columns)
    for table, name, _columns in CREATED:
        op.drop_index(name, table_name=table)
