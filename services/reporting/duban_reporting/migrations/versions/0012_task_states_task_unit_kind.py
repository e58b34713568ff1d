"""task_states index: a task's tenant, lead unit and kind by its id

The statistics count a period's facts per unit and kind (the dashboard's ranking, the statistics,
bulletins): each fact looks its task up in task_states for its lead unit and kind. By the
primary key that read the table row of each of 11,800 facts of a quarter (63 ms at 100,000
matters on a loaded machine); with these columns in an index the lookup reads the index alone
(22 ms).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 10:50:00
"""

from __future__ import annotations

from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_task_states_task_unit_kind', 'task_states', ['task_id', 'tenant', 'lead_unit', 'kind'])


def downgrade() -> None:
    op.drop_index('ix_task_states_task_unit_kind', table_name='task_states')
