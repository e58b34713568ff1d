"""Async SQLAlchemy setup: SQLite by default, PostgreSQL by URL.

SQLite allows one writer at a time; instead of letting transactions fail with
"database is locked", writes in one process are serialized with a lock. PostgreSQL
needs no such lock.

On SQLite, transactions run their statements on the event loop's own thread
(:class:`InlineSQLiteConnection`), and reads (``Database.read``) through aiosqlite's worker
thread. aiosqlite hands every cursor call to its thread and back, which costs most of a
statement's time (bench/results/ has the measurements), for statements SQLite itself runs in
microseconds. Writers are serialized by the lock anyway, so running them inline costs no
concurrency; reads stay on the thread so that a slow report query never holds up the loop.
The price: while another process holds the database's write lock (a ``duban`` command
writing to a service's file), an inline statement waits for it (``busy_timeout``) with the
loop blocked.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from typing import Any

import aiosqlite
from sqlalchemy import MetaData, event, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from . import tenancy
from .sql import READ_PLANS, ObservedSession, UTCDateTime

# UTCDateTime stays importable from here: the Alembic revisions written before sql.py existed
# name the type duban_common.db.UTCDateTime, and revisions are never rewritten.
__all__ = ["Database", "UTCDateTime", "once_per_transaction", "plain"]


class Database:
    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        kwargs: dict = {"echo": echo}
        if not self.is_sqlite:
            kwargs.update(pool_pre_ping=True, pool_size=10, max_overflow=10)
        self.engine: AsyncEngine = create_async_engine(url, **kwargs)
        self._write_engine: AsyncEngine | None = None
        path = self.engine.url.database
        if self.is_sqlite and path and path != ":memory:" and not path.startswith("file:"):
            self._write_engine = create_async_engine(url, echo=echo, async_creator=lambda: InlineSQLiteConnection(path))
        for engine in filter(None, (self.engine, self._write_engine)) if self.is_sqlite else ():
            event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
            event.listen(engine.sync_engine, "connect", tenancy.install_sqlite_function)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False, sync_session_class=ObservedSession)
        self._writes = async_sessionmaker(
            self._write_engine or self.engine, expire_on_commit=False, sync_session_class=ObservedSession
        )
        self._write_lock: asyncio.Lock | None = asyncio.Lock() if self.is_sqlite else None

    async def create_all(self, metadata: MetaData) -> None:
        async with self.engine.begin() as conn:
            if not self.is_sqlite:
                # Replicas starting together would race on CREATE TABLE (duplicate pg_type rows):
                # one transaction-scoped advisory lock makes them take turns.
                await conn.execute(text("SELECT pg_advisory_xact_lock(7420155)"))
            await conn.run_sync(metadata.create_all)

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """One transaction, held to the current tenant scope (tenancy.py); committed when the
        block exits without an exception."""
        lock = self._write_lock or contextlib.nullcontext()
        async with lock:
            async with self._writes(info={tenancy.SESSION_KEY: tenancy.current()}) as session, session.begin():
                yield session

    @contextlib.asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        """A session for reading (a request's lists and reports). On PostgreSQL its statements are
        planned for their parameters each time (:data:`READ_PLANS`)."""
        async with self.sessions(info={tenancy.SESSION_KEY: tenancy.current(), READ_PLANS: True}) as session:
            yield session

    async def analyzes_itself(self) -> bool:
        """Whether the database keeps its planner's statistics without us: PostgreSQL with
        autovacuum on (its default). SQLite never does; nor does a PostgreSQL server run with
        autovacuum off, where nothing is ever analyzed and prepared statements keep the generic
        plans made while the tables were empty: sequential scans even for a primary-key lookup
        (bench/deadline_timers.py measures it)."""
        if self.is_sqlite:
            return False
        async with self.engine.connect() as conn:
            return (await conn.exec_driver_sql("SHOW autovacuum")).scalar_one() == "on"

    async def refresh_statistics(self) -> None:
        """Give the query planner statistics to choose indexes with, where nothing else does
        (:meth:`analyzes_itself`). SQLite keeps none until ANALYZE runs; with analysis_limit it
        samples each index and takes milliseconds at a million rows. On PostgreSQL, ANALYZE of the
        database's tables also makes sessions plan their prepared statements again."""
        if not self.is_sqlite:
            async with self.engine.connect() as conn:
                await conn.exec_driver_sql("ANALYZE")
                await conn.commit()
            return
        assert self._write_lock is not None  # SQLite has one
        async with self._write_lock, self.engine.connect() as conn:
            await conn.exec_driver_sql("PRAGMA analysis_limit=1000")
            await conn.exec_driver_sql("ANALYZE")
            await conn.commit()

    async def ping(self) -> None:
        async with self.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    async def dispose(self) -> None:
        if self._write_engine is not None:
            await self._write_engine.dispose()
        await self.engine.dispose()


async def once_per_transaction(session: AsyncSession, key: tuple, load: Callable[[], Awaitable[Any]]) -> Any:
    """``await load()`` the first time ``key`` is asked for in this session's transaction, the
    same answer after that. For reference data a consumer's handlers read and never change
    (a group commit runs dozens of deliveries of one tenant in one transaction); data the
    transaction itself changes must be read each time."""
    memo = session.info.setdefault("once_per_transaction", {})
    if key not in memo:
        memo[key] = await load()
    return memo[key]


def plain(row: Mapping[str, Any]) -> dict[str, Any]:
    """A result row as a dict with plain ``str`` keys, for an HTTP response.

    SQLAlchemy names a table's columns with ``quoted_name``, a ``str`` subclass with a Python
    ``__getattr__``, and a row's keys are those names. pydantic serializes a dict keyed by them
    far slower, since it asks each key object for its serializer."""
    return {str(k): v for k, v in row.items()}


class _RunNow:
    """aiosqlite's request queue, except that each request runs at once, on the caller's thread."""

    def put_nowait(self, item) -> None:
        future, function = item
        try:
            result = function()
        except BaseException as error:  # handed to the awaiting caller, as aiosqlite's thread does
            if future is not None and not future.done():
                future.set_exception(error)
        else:
            if future is not None and not future.done():
                future.set_result(result)


class InlineSQLiteConnection(aiosqlite.Connection):
    """An aiosqlite connection (what SQLAlchemy's aiosqlite dialect drives) whose calls run
    on the event loop's thread instead of a worker thread: no thread hop per cursor call."""

    def __init__(self, path: str) -> None:
        super().__init__(lambda: sqlite3.connect(path, check_same_thread=False), 64)
        self._tx = _RunNow()  # type: ignore[assignment]

    async def _execute(self, function, *args, **kwargs):
        if not self._running or not self._connection:
            raise ValueError("Connection closed")
        return function(*args, **kwargs)

    def __await__(self):
        return self._connect().__await__()  # no worker thread to start


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    # WAL: readers never block the writer; NORMAL sync is safe against process crashes
    # (a power loss may drop the last transactions; production runs PostgreSQL).
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()
