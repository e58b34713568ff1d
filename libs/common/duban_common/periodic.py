"""The background loops of the services (timers, deliveries, reminders): one step, repeated."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from .logging import get_logger

log = get_logger(__name__)


async def repeat(step: Callable[[], Awaitable[object]], interval_s: float, failure: str) -> None:
    """Run ``step`` every ``interval_s`` seconds, for ever. A failed step (the database away) is
    logged with ``failure`` and tried again at the next turn: the rows it works on stay due."""
    while True:
        try:
            await step()
        except Exception:
            log.exception(failure)
        await asyncio.sleep(interval_s)
