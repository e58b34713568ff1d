"""the tenant's issuing body and the office's contact, printed on its documents

Every official document (交办单, 催办单, 督查通报, 移送函 …) carries the tenant's full issuing
body in its 发文机关标志 and 落款 (「余庆县人民政府办公室」), and the office's contact person
and telephone in its 附注. Nullable: tenants onboarded before keep the fallback (the
supervision office of the units directory) until an operator sets them.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-07 09:00:00
"""

from __future__ import annotations

from duban_common import migration_steps

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

# The changes are declared in 0002_tenant_issuing.toml.
upgrade, downgrade = migration_steps.declared(__file__)
