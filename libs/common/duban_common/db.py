"""Async SQLAlchemy setup: SQLite by default, PostgreSQL by URL.

SQLite allows one writer at a time; instead of letting transactions fail with
"database is locked", writes in one process are serialized with a lock. PostgreSQL
needs no such lock.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from datetime import timezone

from sqlalchemy import DateTime, MetaData, TypeDecorator, event, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import Session

from . import tenancy


class Database:
    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        kwargs: dict = {"echo": echo}
        if not self.is_sqlite:
            kwargs.update(pool_pre_ping=True, pool_size=10, max_overflow=10)
        self.engine: AsyncEngine = create_async_engine(url, **kwargs)
        if self.is_sqlite:
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
            event.listen(self.engine.sync_engine, "connect", tenancy.install_sqlite_function)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False, sync_session_class=ObservedSession)
        self._write_lock: asyncio.Lock | None = asyncio.Lock() if self.is_sqlite else None

    async def create_all(self, metadata: MetaData) -> None:
        async with self.engine.begin() as conn:
            if not self.is_sqlite:
                # Replicas starting together would race on CREATE TABLE (duplicate pg_type rows):
                # one transaction-scoped advisory lock makes them take turns.
                await conn.execute(text("SELECT pg_advisory_xact_lock(7420155)"))
            await conn.run_sync(metadata.create_all)
            from .audit import create_tables  # every unit of work writes the audit log (audit.py imports this module)

            await conn.run_sync(create_tables)

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """One transaction, held to the current tenant scope (tenancy.py); committed when the
        block exits without an exception."""
        lock = self._write_lock or contextlib.nullcontext()
        async with lock:
            async with self.sessions(info={tenancy.SESSION_KEY: tenancy.current()}) as session, session.begin():
                yield session

    @contextlib.asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        async with self.sessions(info={tenancy.SESSION_KEY: tenancy.current()}) as session:
            yield session

    async def refresh_statistics(self) -> None:
        """Give SQLite's query planner statistics (sqlite_stat1) to choose indexes with. SQLite keeps
        none until ANALYZE runs; with analysis_limit it samples each index and takes milliseconds
        at a million rows. PostgreSQL's autovacuum analyzes by itself."""
        if not self.is_sqlite:
            return
        async with self._write_lock, self.engine.connect() as conn:
            await conn.exec_driver_sql("PRAGMA analysis_limit=1000")
            await conn.exec_driver_sql("ANALYZE")
            await conn.commit()

    async def ping(self) -> None:
        async with self.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    async def dispose(self) -> None:
        await self.engine.dispose()


class ObservedSession(Session):
    """A session that lets one observer (``info["observer"]``: the unit of work's audit
    recorder) see its statements and act just before it commits. Listeners on this class,
    registered once: listeners per session instance cost about 0.3 ms each."""


@event.listens_for(ObservedSession, "do_orm_execute")
def _observe_execute(state) -> None:
    if state.is_insert:
        tenancy.check_insert(state)
    observer = state.session.info.get("observer")
    if observer is not None:
        observer.on_execute(state)


@event.listens_for(ObservedSession, "after_begin")
def _scope_transaction(session: Session, _transaction, connection) -> None:
    tenancy.on_begin(session, connection)


@event.listens_for(ObservedSession, "before_commit")
def _observe_before_commit(session: Session) -> None:
    observer = session.info.get("observer")
    if observer is not None:
        observer.before_commit(session)


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    # WAL: readers never block the writer; NORMAL sync is safe against process crashes
    # (a power loss may drop the last transactions; production runs PostgreSQL).
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


class UTCDateTime(TypeDecorator):
    """An instant: stored in UTC, always returned timezone-aware (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: instants must carry a timezone")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)
