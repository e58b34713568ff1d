"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-23 13:07:55.711562
"""

from __future__ import annotations

from duban_common import migration_steps

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None

# The tables are declared in 0001_initial_schema.toml, as Alembic's autogenerate first wrote them.
upgrade, downgrade = migration_steps.declared(__file__)
