"""A list route's rows: a query narrowed by the filters the caller gave, counted, and one page of it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, cast

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from .db import plain


def narrowed(query: Select, equal: Iterable[tuple[Any, Any]]) -> Select:
    """``query`` narrowed to the rows whose column equals its value, for each (column, value) with a
    value (None or empty: that filter is not set)."""
    for column, value in equal:
        if value:
            query = query.where(column == value)
    return query


async def counted_page(
    session: AsyncSession, query: Select, order: Sequence[Any], limit: int, offset: int
) -> tuple[int, list[dict[str, Any]]]:
    """(how many rows ``query`` has, one page of them in ``order``)."""
    total = (await session.execute(select(func.count()).select_from(query.subquery()))).scalar_one()
    rows = (await session.execute(query.order_by(*order).limit(limit).offset(offset))).mappings().all()
    return total, [plain(cast("Mapping[str, Any]", row)) for row in rows]  # a row's keys: its columns' names
