"""attachments of written explanations

The files themselves are in the NATS Object Store (duban_common.attachments); this table
keeps which task each belongs to, its original name, size, type and digest.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07 09:00:00
"""

from __future__ import annotations

from duban_common import migration_steps

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

upgrade, downgrade = migration_steps.ATTACHMENTS
