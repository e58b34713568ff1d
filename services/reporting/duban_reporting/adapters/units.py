"""Unit names for what people read (exports, the dashboard), from reporting's copy of the units
directory (kept from tasking's unit events, like the other read models). A code the copy does
not know is shown as it is."""

from __future__ import annotations

from duban_common.db import Database
from duban_common.unit_directory import UnitDirectory

from .orm import units

DIRECTORY = UnitDirectory(units)


class UnitNames:
    def __init__(self, db: Database | None) -> None:
        self._db = db  # None: no names, codes are shown (a test or a benchmark without the directory)

    async def of(self, tenant: str) -> dict[str, str]:
        """code → name."""
        if self._db is None:
            return {}
        async with self._db.read() as session:
            return await DIRECTORY.names(session, tenant)


def named(codes, names: dict[str, str]) -> str:
    return "、".join(names.get(c, c) for c in codes or [] if c)
