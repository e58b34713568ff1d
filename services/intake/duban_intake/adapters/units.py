"""The tenant's units directory as intake keeps it, from tasking's unit events (its ``units``
consumer): a name or code in a registration or a work report import is checked here, in intake's
own transaction, and never asked of tasking, which is downstream."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncSession

from duban_common.unit_directory import UnitDirectory

from .orm import units

DIRECTORY = UnitDirectory(units)

UnitLookup = Callable[[AsyncSession, str], Awaitable[dict[str, str]]]  # (session, tenant) → code or exact name → code


async def unit_lookup(session: AsyncSession, tenant: str) -> dict[str, str]:
    """Code or exact name → code, for active units."""
    return await DIRECTORY.lookup(session, tenant)
