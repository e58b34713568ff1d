"""Rebuilding the read models from scratch by replaying the EV stream (``duban rebuild reporting``).

1. Replay ``DUBAN_EV`` from its first message into a fresh SQLite database, with the same
   handlers and the same inbox the live consumer uses (several events per transaction; a batch
   with a failing event is replayed one by one and the failing event skipped, as the live
   consumer dead-letters it). Nothing a handler emits is kept: a replay publishes nothing.
2. Swap: in ONE transaction of the live database, replace the read-model tables and the
   projections consumer's inbox rows with the rebuilt ones. Readers see the old ledger or the
   new one, never half of either. A table whose columns changed is recreated.
3. Catch up: the live service may have applied events while we replayed; the swap replaced
   them, so every event after the replayed range is applied again to the live database. The
   shared inbox makes each land exactly once, whichever of us gets there first.

``check`` builds the fresh copy and compares it with the live one instead of swapping.
"""

from __future__ import annotations

import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import nats
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from nats.js.errors import NotFoundError

from duban_common import migrations, subjects, tenancy
from duban_common.clock import SystemClock
from duban_common.consumer import apply
from duban_common.db import Database
from duban_common.envelope import Envelope
from duban_common.logging import get_logger
from duban_common.outbox import UnitOfWork

from ..adapters import orm, tables
from .projections import PROJECTIONS

log = get_logger(__name__)
STREAM = "DUBAN_EV"


class RebuildError(RuntimeError):
    pass


@dataclass
class Replayed:
    applied: int = 0
    ignored: int = 0  # no handler (acked and ignored live too) or not a valid event of its subject's tenant
    failed: list[str] = field(default_factory=list)  # "seq: reason", skipped as the live consumer dead-letters them
    last_seq: int = 0


def _parse(msg) -> Envelope | None:
    try:
        env = Envelope.from_bytes(msg.data)
    except ValueError:
        return None
    return env if subjects.tenant_of(msg.subject) == env.tenant else None


async def _apply(db: Database, batch: list, report: Replayed) -> None:
    """Apply a batch in one transaction; if any event fails, apply them one at a time."""
    handlers = PROJECTIONS
    clock = SystemClock()

    async def run(items) -> int:
        applied = 0
        async with db.transaction() as session:
            uow = UnitOfWork(session, orm.infra, clock, "/duban/reporting")
            for msg, env in items:
                await tenancy.enter(session, env.tenant)  # each event in its tenant's scope, as the live consumer
                if not await uow.record_inbox(orm.PROJECTIONS_CONSUMER, env):
                    continue
                await apply(handlers[env.type], env, msg.subject, uow)  # typed, as the live consumer
                applied += 1
        return applied

    todo = [(m, e) for m, e in ((m, _parse(m)) for m in batch) if e is not None and e.type in handlers]
    report.ignored += len(batch) - len(todo)
    try:
        report.applied += await run(todo)
        return
    except Exception:  # noqa: BLE001 - the batch rolled back; each event is tried alone below
        log.warning(
            "a replayed batch failed; applying its events one at a time", first_seq=batch[0].metadata.sequence.stream
        )
    for item in todo:
        try:
            report.applied += await run([item])
        except Exception as error:
            seq = item[0].metadata.sequence.stream
            report.failed.append(f"{seq}: {type(error).__name__}: {error}")
            log.error(
                "replayed event failed; skipped as the live consumer dead-letters it", seq=seq, event_type=item[1].type
            )


async def replay(js, db: Database, *, first_seq: int, last_seq: int, batch: int) -> Replayed:
    """Apply messages ``first_seq``..``last_seq`` of the EV stream to ``db``."""
    report = Replayed(last_seq=max(last_seq, first_seq - 1))
    if last_seq < first_seq:
        return report
    name = f"reporting-rebuild-{uuid.uuid4().hex[:12]}"  # ephemeral: removed below, or by the server when idle
    await js.add_consumer(
        STREAM,
        ConsumerConfig(
            name=name,
            filter_subject="duban.ev.>",
            deliver_policy=DeliverPolicy.BY_START_SEQUENCE,
            opt_start_seq=first_seq,
            ack_policy=AckPolicy.NONE,
            inactive_threshold=60.0,
            mem_storage=True,
        ),
    )
    sub = await js.pull_subscribe_bind(durable=None, stream=STREAM, name=name)
    try:
        seq = first_seq - 1
        while seq < last_seq:
            try:
                msgs = await sub.fetch(batch=batch, timeout=10)
            except TimeoutError:  # nats-py's fetch raises nats.errors.TimeoutError or, at its deadline, the builtin
                raise RebuildError(
                    f"{STREAM} delivered nothing after sequence {seq} (expected up to {last_seq})"
                ) from None
            if not msgs:
                continue
            seq = msgs[-1].metadata.sequence.stream
            msgs = [m for m in msgs if m.metadata.sequence.stream <= last_seq]
            if msgs:
                await _apply(db, msgs, report)
    finally:
        await sub.unsubscribe()
        try:
            await js.delete_consumer(STREAM, name)
        except NotFoundError:
            pass
    return report


@dataclass
class Outcome:
    replayed: Replayed
    caught_up: Replayed | None = None
    differences: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)


async def rebuild(settings, *, check: bool = False) -> Outcome:
    """The operator's rebuild of the whole read model: every tenant's (each replayed event is
    applied in its own tenant's scope)."""
    with tenancy.scoped(tenancy.ALL):
        return await _rebuild(settings, check)


async def _rebuild(settings, check: bool) -> Outcome:
    nc = await nats.connect(settings.nats_url, connect_timeout=5, max_reconnect_attempts=1, error_cb=_refused)
    live = Database(settings.db_url())
    try:
        js = nc.jetstream()
        state = (await js.stream_info(STREAM)).state
        if state.messages and state.first_seq > 1:
            raise RebuildError(
                f"{STREAM} starts at sequence {state.first_seq}: the events before it are gone, a rebuild would lose them"
            )
        with tempfile.TemporaryDirectory(prefix="duban-rebuild-") as tmp:
            fresh = Database(f"sqlite+aiosqlite:///{Path(tmp) / 'reporting-rebuild.db'}")
            try:
                await fresh.create_all(orm.metadata)
                replayed = await replay(js, fresh, first_seq=1, last_seq=state.last_seq, batch=settings.rebuild_batch)
                await migrations.upgrade(live, "reporting", orm.metadata)  # the live schema is the migrated one
                if check:
                    return Outcome(
                        replayed, differences=await tables.compare(fresh, live), counts=await tables.counts(fresh)
                    )
                await tables.swap(fresh, live)
                counts = await tables.counts(fresh)
            finally:
                await fresh.dispose()
        now_last = (await js.stream_info(STREAM)).state.last_seq
        caught_up = await replay(
            js, live, first_seq=state.last_seq + 1, last_seq=now_last, batch=settings.rebuild_batch
        )
        return Outcome(replayed, caught_up, counts=counts)
    finally:
        await live.dispose()
        await nc.close()


async def _refused(_error: Exception) -> None:
    """The connection's failure is raised to the caller; nats-py would log each attempt with its traceback too."""
