"""The read routes' service functions (statistics, dashboard, reports) in one read session each."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from duban_common.db import Database


async def in_read_session(db: Database, function: Callable[..., Awaitable[Any]], *args, **kwargs) -> Any:
    """``function(session, *args, **kwargs)`` in a read session of its own."""
    async with db.read() as session:
        return await function(session, *args, **kwargs)
