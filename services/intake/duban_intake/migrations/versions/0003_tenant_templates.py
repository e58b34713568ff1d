"""a tenant's own DOCX template per document type

An office that keeps its own Word layout uploads it with placeholders ({{标题}}, {{正文}} …);
documents of that type are filled into it instead of the built-in GB/T 9704 layout (the DOCX
only: the PDF keeps the built-in layout).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-07 09:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import duban_common.db

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('tenant_templates',
                    sa.Column('slug', sa.String(length=40), nullable=False),
                    sa.Column('kind', sa.String(length=40), nullable=False),
                    sa.Column('content', sa.LargeBinary(), nullable=False),
                    sa.Column('sha256', sa.String(length=64), nullable=False),
                    sa.Column('uploaded_at', duban_common.db.UTCDateTime(timezone=True), nullable=False),
                    sa.PrimaryKeyConstraint('slug', 'kind'))


def downgrade() -> None:
    op.drop_table('tenant_templates')
