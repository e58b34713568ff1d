"""a tenant's own DOCX template per document type

An office that keeps its own Word layout uploads it with placeholders ({{标题}}, {{正文}} …);
documents of that type are filled into it instead of the built-in GB/T 9704 layout (the DOCX
only: the PDF keeps the built-in layout).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-07 09:30:00
"""

from __future__ import annotations

from duban_common import migration_steps

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

# The changes are declared in 0003_tenant_templates.toml.
upgrade, downgrade = migration_steps.declared(__file__)
