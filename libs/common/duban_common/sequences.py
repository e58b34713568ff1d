"""Official document numbers (督办〔2026〕17号): one gapless sequence per tenant, year and
notice type, shared by every service that issues numbered notices.

The number is taken *inside* the caller's transaction with ``UPDATE … RETURNING`` (or an
upsert for a year's first number): the row lock queues concurrent issuers and a rollback
gives the number back, so numbers never repeat and never skip.
"""

from __future__ import annotations

import functools

from sqlalchemy import Column, Integer, MetaData, String, Table, bindparam
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from .tenancy import tenant_column


def sequence_table(metadata: MetaData) -> Table:
    return Table(
        "notice_sequences",
        metadata,
        tenant_column(primary_key=True),
        Column("year", Integer, primary_key=True),
        Column("notice_type", String(30), primary_key=True),
        Column("last_value", Integer, nullable=False),
    )


@functools.cache
def _bump(table: Table):
    """The UPDATE that takes the next number, built once per table (building costs more than running)."""
    key = (
        (table.c.tenant == bindparam("b_tenant"))
        & (table.c.year == bindparam("b_year"))
        & (table.c.notice_type == bindparam("b_type"))
    )
    return table.update().where(key).values(last_value=table.c.last_value + 1).returning(table.c.last_value)


async def next_value(session: AsyncSession, table: Table, tenant: str, year: int, notice_type: str) -> int:
    bumped = await session.execute(_bump(table), {"b_tenant": tenant, "b_year": year, "b_type": notice_type})
    value = bumped.scalar()
    if value is not None:
        return value
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    ins = insert(table).values(tenant=tenant, year=year, notice_type=notice_type, last_value=1)
    ins = ins.on_conflict_do_update(
        index_elements=["tenant", "year", "notice_type"], set_={"last_value": table.c.last_value + 1}
    )
    return (await session.execute(ins.returning(table.c.last_value))).scalar_one()


def format_number(word: str, year: int, value: int) -> str:
    """督办〔2026〕17号"""
    return f"{word}〔{year}〕{value}号"
