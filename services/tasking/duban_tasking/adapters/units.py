"""Tasking's units directory table, read and written for the service layer (service_layer/units.py)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from .orm import units

ENTRY = ("code", "name", "type", "head", "contact", "phone", "active", "version")


async def entries(session: AsyncSession, tenant: str, code: str | None = None) -> dict[str, dict]:
    """code → the unit's entry and version, of the tenant's units (or of ``code`` only), locked for the change."""
    query = select(*(units.c[name] for name in ENTRY)).where(units.c.tenant == tenant)
    if code is not None:
        query = query.where(units.c.code == code)
    rows = (await session.execute(query.with_for_update())).mappings()
    return {row["code"]: dict(row) for row in rows}


async def unpublished(session: AsyncSession) -> list[dict]:
    """Every tenant's units that no event has carried yet (version 0), locked for their first publication."""
    query = select(units.c.tenant, *(units.c[name] for name in ENTRY)).where(units.c.version == 0)
    return [
        dict(row)
        for row in (await session.execute(query.order_by(units.c.tenant, units.c.code).with_for_update())).mappings()
    ]


async def insert(session: AsyncSession, tenant: str, values: dict) -> None:
    await session.execute(units.insert(), {"tenant": tenant, **values})


async def update(session: AsyncSession, tenant: str, code: str, values: dict) -> None:
    await session.execute(units.update().where(units.c.tenant == tenant, units.c.code == code), values)
