"""Outbox and inbox (DESIGN.md §3, STYLE.md 6: no dual writes).

A handler's changes, its inbox record and its outgoing events commit in one
transaction (:class:`UnitOfWork`). The :class:`OutboxRelay` publishes committed rows
with ``Nats-Msg-Id`` = event id and marks them only after JetStream's PubAck. They go out in
structured mode with each attribute also in a ``ce-`` header (bindings.outbound_headers).

The relay *claims unpublished rows* (``published_at IS NULL``) instead of reading
"ids greater than the last seen": a transaction that commits late with a lower id is
never skipped. On PostgreSQL, replicas claim with ``FOR UPDATE SKIP LOCKED``; on
SQLite there is one relay per database file.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel
from sqlalchemy import BigInteger, Column, Integer, LargeBinary, MetaData, String, Table, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from . import subjects
from .audit import AuditRecorder, define_tables
from .bindings import outbound_headers
from .columns import instant
from .contracts.events import subject_of
from .envelope import Envelope, new_event
from .logging import get_logger
from .metrics import OUTBOX_PENDING, OUTBOX_PUBLISHED
from .sql import UTCDateTime

if TYPE_CHECKING:
    from nats.js import JetStreamContext
    from sqlalchemy.ext.asyncio import AsyncSession

    from .clock import Clock
    from .db import Database

log = get_logger(__name__)


class InfraTables:
    """The outbox, inbox and audit tables, added to a service's own metadata."""

    def __init__(self, metadata: MetaData) -> None:
        self.audit_log, self.audit_head = define_tables(metadata)
        self.outbox = Table(
            "outbox",
            metadata,
            Column("seq", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
            Column("event_id", String(200), nullable=False, unique=True),
            Column("subject", String(300), nullable=False),
            Column("payload", LargeBinary, nullable=False),
            instant("created_at"),
            Column("published_at", UTCDateTime, nullable=True, index=True),
        )
        self.inbox = Table(
            "inbox",
            metadata,
            Column("consumer", String(100), primary_key=True),
            Column("event_key", String(800), primary_key=True),
            Column("event_type", String(200), nullable=False),
            instant("processed_at"),
        )
        # Built once: building a statement costs more than running it (on SQLite), and these run
        # for every delivery and every event.
        self.outbox_insert = self.outbox.insert()
        self._inbox_inserts = {
            dialect: insert(self.inbox).on_conflict_do_nothing().returning(self.inbox.c.event_key)
            for dialect, insert in (("postgresql", pg_insert), ("sqlite", sqlite_insert))
        }

    def inbox_insert(self, dialect: str):
        """INSERT of inbox rows that skips the keys already there and returns the new ones. Run
        with a list of rows: SQLAlchemy sends them as multi-row VALUES (its "insertmanyvalues")
        with one compiled, cached statement. A multi-row ``.values([...])`` is compiled again at
        every execution."""
        return self._inbox_inserts[dialect]


class UnitOfWork:
    """What a handler gets: the session of its transaction and a way to emit events."""

    def __init__(self, session: "AsyncSession", tables: InfraTables, clock: "Clock", source: str) -> None:
        self.session = session
        self._tables = tables
        self.clock = clock
        self.source = source
        self.emitted: list[Envelope] = []
        # Audit entries for what this transaction changes are written when it commits (audit.py).
        self.auditor = AuditRecorder(session, source.rstrip("/").rsplit("/", 1)[-1], clock, self.emitted)

    def now(self) -> datetime:
        return self.clock.now()

    async def emit(self, tenant: str, type: str, data: BaseModel | dict[str, Any]) -> Envelope:
        """Record an event in the outbox. Domain events go to ``duban.ev.<tenant>...``, the
        outbound types to ``duban.out.<tenant>...`` (``contracts.events.subject_of``)."""
        env, row = self._outbox_row(tenant, type, data)
        await self.session.execute(self._tables.outbox_insert, row)
        return env

    def _outbox_row(self, tenant: str, type: str, data: BaseModel | dict[str, Any]) -> tuple[Envelope, dict]:
        """The event, counted as emitted, and its outbox row."""
        env = new_event(tenant=tenant, type=type, source=self.source, data=data, time=self.now())
        self.emitted.append(env)
        return env, dict(
            event_id=env.id,
            subject=subject_of(tenant, type, env.data),
            payload=env.to_bytes(),
            created_at=datetime.now(timezone.utc),
        )

    async def record_inbox(self, consumer: str, env: Envelope) -> bool:
        """Insert the inbox row; False when this consumer already processed the event."""
        fresh = bool(await self.record_inbox_group(consumer, [env]))
        if fresh:
            self.auditor.caused_by(env, consumer)
        return fresh

    async def record_inbox_group(self, consumer: str, envs: list[Envelope]) -> set[str]:
        """The inbox rows of a group of deliveries in one statement: the keys of the events this
        consumer had not processed yet. The caller marks each one's audit cause
        (``auditor.caused_by``) when it applies that delivery, as :meth:`record_inbox` does."""
        now = datetime.now(timezone.utc)
        rows = list(
            {
                e.key: dict(consumer=consumer, event_key=e.key, event_type=e.type, processed_at=now) for e in envs
            }.values()
        )
        stmt = self._tables.inbox_insert(self.session.get_bind().dialect.name)
        return set((await self.session.execute(stmt, rows)).scalars())

    def audit(self, tenant: str, action: str, **refs: Any) -> None:
        """Record an explicit audit entry (a command that changes state without an event, or
        a better name for one than the route); events are recorded without asking."""
        self.auditor.add(tenant, action, refs)


class BatchedUnitOfWork(UnitOfWork):
    """A unit of work whose ``emit`` buffers the outbox rows and writes them in one statement
    at :meth:`flush`: for loops that emit hundreds of events per transaction (the deadline
    firing loop, a consumer's group commit), where one INSERT round trip per event was most
    of the cost. Same rows, same transaction, same order (one multi-row INSERT keeps the
    outbox sequence in emit order). Call :meth:`flush` before the transaction commits."""

    def __init__(self, session: "AsyncSession", tables: InfraTables, clock: "Clock", source: str) -> None:
        super().__init__(session, tables, clock, source)
        self._rows: list[dict] = []

    async def emit(self, tenant: str, type: str, data: BaseModel | dict[str, Any]) -> Envelope:
        env, row = self._outbox_row(tenant, type, data)
        self._rows.append(row)
        return env

    async def flush(self) -> None:
        if self._rows:
            await self.session.execute(self._tables.outbox_insert, self._rows)
            self._rows = []


class OutboxRelay:
    def __init__(
        self,
        db: "Database",
        tables: InfraTables,
        js: "JetStreamContext",
        *,
        service: str,
        poll_s: float = 0.5,
        batch: int = 200,
        publish_timeout_s: float = 5.0,
    ) -> None:
        self._db = db
        self._outbox = tables.outbox
        self._js = js
        self._service = service
        self._poll_s = poll_s
        self._batch = batch
        self._timeout = publish_timeout_s
        self._wakeup = asyncio.Event()
        self._task: asyncio.Task | None = None
        self.healthy = True

    def wake(self) -> None:
        self._wakeup.set()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=f"outbox-relay-{self._service}")

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass

    async def _run(self) -> None:
        while True:
            try:
                published = await self.relay_once()
                self.healthy = True
            except asyncio.CancelledError:
                raise
            except Exception:
                # NATS or the database is away: keep the rows, retry after a pause.
                self.healthy = False
                log.exception("outbox relay failed; will retry")
                published = 0
                await asyncio.sleep(self._poll_s)
            if published < self._batch:
                try:
                    await asyncio.wait_for(self._wakeup.wait(), timeout=self._poll_s)
                except TimeoutError:
                    pass
                self._wakeup.clear()

    async def relay_once(self) -> int:
        """Publish one batch of unpublished rows; returns how many were published."""
        outbox = self._outbox
        query = (
            select(outbox.c.seq, outbox.c.event_id, outbox.c.subject, outbox.c.payload)
            .where(outbox.c.published_at.is_(None))
            .order_by(outbox.c.seq)
            .limit(self._batch)
        )
        if self._db.is_sqlite:
            async with self._db.read() as session:
                rows = (await session.execute(query)).all()
            if not rows:
                OUTBOX_PENDING.labels(self._service).set(0)
                return 0
            done, error = await self._publish(rows)
            async with self._db.transaction() as session:
                await self._mark(session, done)
        else:
            async with self._db.transaction() as session:
                rows = (await session.execute(query.with_for_update(skip_locked=True))).all()
                if not rows:
                    OUTBOX_PENDING.labels(self._service).set(0)
                    return 0
                done, error = await self._publish(rows)
                await self._mark(session, done)
        if error is not None:
            raise error
        return len(done)

    async def _publish(self, rows) -> tuple[list[int], Exception | None]:
        """Publish in order, stopping at the first failure; rows already acknowledged
        are marked, the rest are retried (JetStream drops a re-publish by Nats-Msg-Id)."""
        done: list[int] = []
        error: Exception | None = None
        for seq, event_id, subject, payload in rows:
            try:
                await self._js.publish(
                    subject, payload, timeout=self._timeout, headers=outbound_headers(event_id, payload)
                )
            except Exception as exception:  # re-raised by relay_once after marking what went out
                error = exception
                break
            OUTBOX_PUBLISHED.labels(self._service, subjects.template(subject)).inc()
            done.append(seq)
        OUTBOX_PENDING.labels(self._service).set(len(rows) - len(done))
        return done, error

    async def _mark(self, session: "AsyncSession", seqs: list[int]) -> None:
        if seqs:
            await session.execute(
                update(self._outbox).where(self._outbox.c.seq.in_(seqs)).values(published_at=datetime.now(timezone.utc))
            )

    async def pending(self) -> int:
        async with self._db.read() as session:
            return (
                await session.execute(
                    select(func.count()).select_from(self._outbox).where(self._outbox.c.published_at.is_(None))
                )
            ).scalar_one()
