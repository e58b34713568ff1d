"""Databases of their own on the tests' PostgreSQL server (see the ``pg_url`` fixture)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterable


async def execute(url: str, *statements: str) -> None:
    """Run each statement, in order, on a connection of its own to ``url`` (a plain
    ``postgresql://`` URL, e.g. an administrator's)."""
    import asyncpg

    connection = await asyncpg.connect(url)
    try:
        for statement in statements:
            await connection.execute(statement)
    finally:
        await connection.close()


class TemporaryDatabases:
    """``<prefix>_<name>`` for each name, created on entering and dropped (WITH FORCE) on
    leaving; services migrate them from empty. Synchronous: for fixtures, not inside a loop."""

    def __init__(self, pg_url: str, names: Iterable[str] = ("db",), tag: str = "t") -> None:
        self.admin = pg_url.replace("postgresql+asyncpg://", "postgresql://")
        self.base = pg_url.rsplit("/", 1)[0]
        self.prefix = f"duban_{tag}_{uuid.uuid4().hex[:8]}"
        self.names = list(names)

    def url(self, name: str | None = None) -> str:
        return f"{self.base}/{self.prefix}_{name or self.names[0]}"

    @property
    def template(self) -> str:
        """For DUBAN_DATABASE_URL, where ``{service}`` stands for each service's name."""
        return f"{self.base}/{self.prefix}_{{service}}"

    def _run(self, statements: list[str]) -> None:
        asyncio.run(execute(self.admin, *statements))

    def __enter__(self) -> "TemporaryDatabases":
        self._run([f'CREATE DATABASE "{self.prefix}_{n}"' for n in self.names])
        return self

    def __exit__(self, *_exc) -> None:
        self._run([f'DROP DATABASE IF EXISTS "{self.prefix}_{n}" WITH (FORCE)' for n in self.names])
