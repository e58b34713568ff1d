"""Reads and writes of the sign-off tables (one place for their SQL)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from .model import Chain, Taken, default_chain
from .tables import SignoffTables


async def chain_of(session: AsyncSession, tables: SignoffTables, tenant: str, doc_type: str) -> tuple[Chain, bool]:
    """The tenant's chain for ``doc_type`` and whether it is the tenant's own (else the default)."""
    chains = tables.signoff_chains.c
    row = (
        await session.execute(select(chains.definition).where(chains.tenant == tenant, chains.doc_type == doc_type))
    ).first()
    return (Chain.model_validate(row[0]), True) if row else (default_chain(doc_type), False)


async def save_chain(
    session: AsyncSession, tables: SignoffTables, tenant: str, doc_type: str, chain: Chain, by: str, now: datetime
) -> None:
    chains = tables.signoff_chains.c
    await session.execute(tables.signoff_chains.delete().where(chains.tenant == tenant, chains.doc_type == doc_type))
    await session.execute(
        tables.signoff_chains.insert(),
        dict(tenant=tenant, doc_type=doc_type, definition=chain.model_dump(), updated_at=now, updated_by=by),
    )


async def draft(
    session: AsyncSession, tables: SignoffTables, tenant: str, draft_id: str, *, lock: bool = False
) -> dict | None:
    query = select(tables.drafts).where(tables.drafts.c.tenant == tenant, tables.drafts.c.id == draft_id)
    row = (await session.execute(query.with_for_update() if lock else query)).mappings().first()
    return dict(row) if row else None


async def draft_by_key(session: AsyncSession, tables: SignoffTables, tenant: str, key: str) -> dict | None:
    query = select(tables.drafts).where(tables.drafts.c.tenant == tenant, tables.drafts.c.key == key)
    row = (await session.execute(query)).mappings().first()
    return dict(row) if row else None


async def steps(session: AsyncSession, tables: SignoffTables, draft_id: str) -> list[dict]:
    query = (
        select(tables.draft_steps).where(tables.draft_steps.c.draft_id == draft_id).order_by(tables.draft_steps.c.step)
    )
    return [dict(r) for r in (await session.execute(query)).mappings()]


def taken(rows: list[dict]) -> list[Taken]:
    return [Taken(r["step"], r["person"], r["decision"], r["action"]) for r in rows]


async def insert_draft(session: AsyncSession, tables: SignoffTables, row: dict[str, Any]) -> None:
    await session.execute(tables.drafts.insert(), row)


async def insert_step(session: AsyncSession, tables: SignoffTables, row: dict[str, Any]) -> None:
    await session.execute(tables.draft_steps.insert(), row)


async def update_draft(session: AsyncSession, tables: SignoffTables, draft_id: str, **values: Any) -> None:
    await session.execute(tables.drafts.update().where(tables.drafts.c.id == draft_id).values(**values))


async def waiting(
    session: AsyncSession,
    tables: SignoffTables,
    tenant: str,
    roles: frozenset[str],
    unit: str | None,
    doc_types: frozenset[str],
    limit: int = 200,
) -> list[dict]:
    """Pending drafts whose next step is one of ``roles``' (a unit-bound role: its unit's only)."""
    columns = tables.drafts.c
    held = [
        columns.waiting_role == role
        if role not in ("unit", "unit_head")
        else and_(columns.waiting_role == role, columns.unit == unit)
        for role in roles
    ]
    if not held:
        return []
    query = (
        select(tables.drafts)
        .where(columns.tenant == tenant, columns.status == "pending", columns.doc_type.in_(doc_types), or_(*held))
        .order_by(columns.waiting_since, columns.id)
        .limit(limit)
    )
    return [dict(r) for r in (await session.execute(query)).mappings()]


async def pending(session: AsyncSession, tables: SignoffTables, doc_types: frozenset[str]) -> list[dict]:
    """Pending drafts of every tenant (the reminder loop's scan; their number stays small)."""
    columns = tables.drafts.c
    query = (
        select(tables.drafts)
        .where(columns.status == "pending", columns.doc_type.in_(doc_types))
        .order_by(columns.waiting_since, columns.id)
    )
    return [dict(r) for r in (await session.execute(query)).mappings()]
