"""Running a message handler with exactly-once effect on at-least-once delivery.

For every delivery: parse the envelope, check the subject's tenant against the
envelope's, then in ONE transaction record the inbox row and run the handler (which
writes its changes and its outgoing events to the outbox). Ack only after commit. A group
writes its inbox rows in one statement before its first handler runs.

Group commit (decision 0014): :meth:`ConsumerRunner.start` pulls from the durable consumer
itself (decision 0017) and hands each pull's deliveries to :meth:`ConsumerRunner.handle_batch`,
which runs them in one transaction, one after the other, in delivery order, and acks each
after that commit. A transaction per batch instead of per message is what lets a consumer
keep up with a busy stream (bench/throughput.py). When any handler of the batch fails, the
whole transaction rolls back and the batch is run again one message per transaction, so
one bad message costs its neighbours a retry, never their effect. When the database itself
does not answer, the deliveries are held in progress and tried again until it does: an
outage never counts toward ``max_deliver`` and never dead-letters a good message.

Each handler gets the event typed: the runner validates ``data`` against the event type's
contract model (``contracts.events.EVENT_TYPES``) before the transaction, and a mismatch is
a :class:`Rejected` message with the fields that do not fit. Handlers are declared as plain
functions ``handler(event, delivery, uow, **collaborators)``; :func:`bind` gives each the
collaborators its keyword parameters name (cosmicpython's ``inject_dependencies``).

Failures are loud and bounded (STYLE.md 7): a :class:`Rejected` message (bad input)
goes to the dead-letter subject at once; any other exception is logged and the
message redelivered with backoff, and dead-lettered with the reason once it has
been delivered ``max_deliver`` times. Either way the consumer keeps going.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import time
import traceback
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ValidationError

from . import bindings, subjects, tenancy
from .contracts.dead_letters import letter_for
from .contracts.events import EVENT_TYPES
from .envelope import Envelope
from .logging import bind_correlation, clear_correlation, get_logger
from .metrics import HANDLER_SECONDS, MESSAGES
from .outbox import BatchedUnitOfWork, UnitOfWork

if TYPE_CHECKING:
    from nats.aio.msg import Msg
    from nats.js import JetStreamContext

    from .clock import Clock
    from .db import Database
    from .outbox import InfraTables, OutboxRelay
    from .provisioning import ConsumerSpec
    from .settings import ServiceSettings

log = get_logger(__name__)


class Rejected(Exception):
    """The message can never be processed (invalid, unknown tenant, ...): dead-letter it now."""


@dataclass(frozen=True)
class Delivery:
    envelope: Envelope
    subject: str
    num_delivered: int


# handler(event, delivery, uow): the event is the type's contract model, validated by the runner
Handler = Callable[[Any, Delivery, UnitOfWork], Awaitable[None]]
Handlers = dict[str, dict[str, Handler]]  # purpose → event type (or "*") → handler


def describe_validation_error(error: ValidationError) -> str:
    return "; ".join(f"{'.'.join(str(p) for p in err['loc']) or '(root)'}: {err['msg']}" for err in error.errors())


def event_of(envelope: Envelope) -> BaseModel | dict:
    """The envelope's data as its type's contract model. A type outside the contract (what a
    ``"*"`` handler takes: inbound submissions, checked by their handler) keeps its data as is.
    Data that does not fit its model can never be processed: :class:`Rejected` with the reason."""
    model = EVENT_TYPES.get(envelope.type)
    if model is None:
        return envelope.data
    try:
        return model.model_validate(envelope.data)
    except ValidationError as error:
        raise Rejected(f"{envelope.type} does not match its contract: {describe_validation_error(error)}") from None


async def apply(handler: Handler, envelope: Envelope, subject: str, uow: UnitOfWork, num_delivered: int = 1) -> None:
    """Run ``handler`` on ``envelope`` as the runner does, the event typed (a replay, a test)."""
    await handler(event_of(envelope), Delivery(envelope, subject, num_delivered), uow)


def bind(handlers: Handlers, collaborators: dict[str, Any]) -> Handlers:
    """Each handler with the collaborators its keyword-only parameters name (a clock, the
    settings, the units directory, ...), so that HANDLERS can be plain module-level functions
    and bootstrap, or a test, decides what they get. A parameter nobody provides is an error
    at start-up, not at the first delivery."""
    return {
        purpose: {event_type: _bound(handler, collaborators) for event_type, handler in table.items()}
        for purpose, table in handlers.items()
    }


def _bound(handler: Handler, collaborators: dict[str, Any]) -> Handler:
    wanted = [
        name
        for name, parameter in inspect.signature(handler).parameters.items()
        if parameter.kind is inspect.Parameter.KEYWORD_ONLY and parameter.default is inspect.Parameter.empty
    ]
    missing = [name for name in wanted if name not in collaborators]
    if missing:
        raise TypeError(f"{handler.__qualname__} needs {', '.join(missing)}, which bootstrap does not provide")
    return functools.partial(handler, **{name: collaborators[name] for name in wanted}) if wanted else handler


class _DatabaseDown(Exception):
    """The database did not answer: the delivery is not at fault."""


@dataclass
class _Waiting:
    """A parsed delivery in a group commit, and how it ended: ``outcome`` ("processed",
    "duplicate") once committed, or ``error`` when its own transaction failed."""

    msg: "Msg"
    env: Envelope
    event: Any  # the data as its contract model
    handler: Handler
    delivered: int
    outcome: str | None = None
    error: BaseException | None = None

    def done(self) -> bool:
        return self.outcome is not None or self.error is not None


@dataclass
class ConsumerRunner:
    spec: "ConsumerSpec"
    handlers: dict[str, Handler]
    db: "Database"
    tables: "InfraTables"
    js: "JetStreamContext"
    clock: "Clock"
    settings: "ServiceSettings"
    relay: "OutboxRelay"
    source: str = field(default="")
    max_group: int = 256  # deliveries committed together at most

    def __post_init__(self) -> None:
        self.source = self.source or f"/duban/{self.spec.service}"
        self._stopping = False
        self._busy = False
        self.task: asyncio.Task | None = None  # the pulling, from start() on

    async def start(self) -> None:
        """Bind to the durable consumer that provisioning declared (never create or change it) and
        pull from it in a task of its own (:attr:`task`) until :meth:`stop`."""
        self._sub = await self.js.pull_subscribe_bind(durable=self.spec.durable, stream=self.spec.stream)
        self.task = asyncio.create_task(self._run(), name=f"consumer-{self.spec.durable}")

    async def _run(self) -> None:
        """Each pull's deliveries are handled as one batch. A pull returns as soon as deliveries are
        there, with at most ``fetch_batch`` of them, or after ``fetch_wait_s`` with none. While NATS
        is away (a restart, a reconnect) the pull fails and is tried again; nothing is lost
        meanwhile, since nothing unacked is ever forgotten by the server."""
        pause = 0.5
        while not self._stopping:
            try:
                msgs = await self._sub.fetch(self.settings.fetch_batch, timeout=self.settings.fetch_wait_s)
            except TimeoutError:  # nats-py raises its own subclass or the builtin one: nothing arrived
                continue
            except Exception as error:  # connection closed or reconnecting, JetStream not answering
                if self._stopping:
                    return
                log.warning(
                    "pull failed; trying again", consumer=self.spec.durable, error=repr(error), retry_in_s=pause
                )
                await asyncio.sleep(pause)
                pause = min(pause * 2, 5.0)
                continue
            pause = 0.5
            self._busy = True
            try:
                await self.handle_batch(msgs)
            finally:
                self._busy = False

    async def stop(self, grace_s: float) -> None:
        """End the pulling: an idle pull is cancelled at once; a batch being handled gets
        ``grace_s`` to commit and ack, so a stop redelivers as little as it can. Then the pull's
        inbox is unsubscribed: what reached it unhandled is not acked, and the server delivers it
        again after ``ack_wait`` (a connection's drain would otherwise wait for it)."""
        self._stopping = True
        if self.task is None:  # never started
            return
        if self._busy:
            await asyncio.wait([self.task], timeout=grace_s)
        self.task.cancel()
        await asyncio.gather(self.task, return_exceptions=True)
        try:
            await self._sub.unsubscribe()
        except Exception as error:  # the connection is already closed: nothing left to drain
            log.debug("unsubscribing the pull failed", consumer=self.spec.durable, error=repr(error))

    async def handle_batch(self, msgs: list["Msg"]) -> None:
        """One pull's deliveries: parsed, committed in groups of at most ``max_group``, then each
        acked, retried or dead-lettered on its own."""
        started = time.perf_counter()
        waiting: list[_Waiting] = []
        for msg in msgs:
            clear_correlation()  # nothing of the previous delivery (its event_id) on this one's log lines
            bind_correlation(service=self.spec.service)
            delivered = msg.metadata.num_delivered if msg.metadata else 1
            try:
                env, handler = self._parse(msg)
                event = event_of(env) if handler is not None else None
            except Exception as error:  # Rejected: dead-lettered at once; anything else: retried
                await self._settle(msg, delivered, error, started)
                continue
            if handler is None:
                await self._settle(msg, delivered, "ignored", started)
            else:
                waiting.append(_Waiting(msg, env, event, handler, delivered))
        for start in range(0, len(waiting), self.max_group):
            try:
                await self._commit_until_database_answers(waiting[start : start + self.max_group])
            except BaseException:  # cancelled (shutdown): nothing of these is acked; the server redelivers
                clear_correlation()
                raise
        for pending in waiting:
            bind_correlation(
                event_id=pending.env.id, event_type=pending.env.type, tenant=pending.env.tenant
            )  # its own, not the last applied
            result = pending.error if pending.error is not None else pending.outcome
            assert result is not None  # each delivery of the group either committed or failed
            await self._settle(pending.msg, pending.delivered, result, started)

    async def _settle(self, msg: "Msg", delivered: int, result: "str | BaseException", started: float) -> None:
        """Ack what was applied (or ignored, or a duplicate); dead-letter a refusal at once;
        redeliver a failure with backoff until ``max_deliver``, then dead-letter it."""
        subject_label = subjects.template(msg.subject)
        outcome = result if isinstance(result, str) else "retried"
        try:
            if isinstance(result, str):
                await msg.ack()
            elif isinstance(result, Rejected):
                outcome = "dead_lettered"
                await self._dead_letter(msg, str(result), delivered)
            elif delivered >= self.settings.max_deliver:
                outcome = "dead_lettered"
                log.error(
                    "handler failed for the last time; dead-lettering",
                    subject=msg.subject,
                    deliveries=delivered,
                    exc_info=result,
                )
                trace = "".join(traceback.format_exception(result, limit=5))
                await self._dead_letter(
                    msg, f"{type(result).__name__}: {result} (after {delivered} deliveries)\n{trace}", delivered
                )
            else:
                backoff = self.settings.retry_backoff_s
                delay = backoff[min(delivered - 1, len(backoff) - 1)]
                log.error(
                    "handler failed; will redeliver",
                    subject=msg.subject,
                    deliveries=delivered,
                    retry_in_s=delay,
                    exc_info=result,
                )
                await msg.nak(delay=delay)
        except Exception as error:  # NATS away: unacked, so the server delivers it again after ack_wait
            log.warning(
                "settling a delivery failed; the server will redeliver it",
                subject=msg.subject,
                outcome=outcome,
                error=repr(error),
            )
        finally:
            MESSAGES.labels(self.spec.service, self.spec.durable, subject_label, outcome).inc()
            HANDLER_SECONDS.labels(self.spec.service, self.spec.durable).observe(time.perf_counter() - started)
            clear_correlation()
            bind_correlation(service=self.spec.service)

    def _parse(self, msg: "Msg") -> tuple[Envelope, Handler | None]:
        if self.spec.refuse:
            raise Rejected(self.spec.refuse.format(subject=msg.subject))
        if len(msg.data) > self.settings.max_message_bytes:
            raise Rejected(
                f"message of {len(msg.data)} bytes exceeds the limit of {self.settings.max_message_bytes} bytes"
            )
        try:
            env = bindings.envelope_of(msg.headers, msg.data)  # structured or binary mode
        except ValidationError as error:
            raise Rejected(f"invalid envelope: {describe_validation_error(error)}") from None
        except bindings.BindingError as error:
            raise Rejected(error.reason) from None
        bind_correlation(event_id=env.id, event_type=env.type, tenant=env.tenant)
        if subjects.tenant_of(msg.subject) != env.tenant:
            raise Rejected(
                f"subject tenant {subjects.tenant_of(msg.subject)!r} does not match envelope tenant {env.tenant!r}"
            )
        return env, self.handlers.get(env.type) or self.handlers.get("*")  # "*": the consumer takes every type

    async def _commit_until_database_answers(self, group: list[_Waiting]) -> None:
        """While the database is away, a delivery is not the problem: keep the group in
        progress (no redelivery counted, nothing dead-lettered) and try again until it answers."""
        pause = 0.5
        while group:
            try:
                await self._commit_group(group)
                return
            except _DatabaseDown:
                group = [w for w in group if not w.done()]
                log.warning(
                    "database unavailable; holding deliveries until it answers",
                    consumer=self.spec.durable,
                    deliveries=len(group),
                    retry_in_s=pause,
                )
                for pending in group:
                    await pending.msg.in_progress()  # restarts the ack wait: the server does not redeliver meanwhile
                await asyncio.sleep(pause)
                pause = min(pause * 2, self.settings.ack_wait_s / 3)

    async def _database_down(self) -> bool:
        try:
            await self.db.ping()
            return False
        except Exception:
            return True

    async def _commit_group(self, group: list[_Waiting]) -> None:
        """Run the group in one transaction; if any handler fails, run each in its own."""
        if len(group) > 1:
            outcomes: list[str] = []
            try:
                async with self.db.transaction() as session:
                    batched = BatchedUnitOfWork(session, self.tables, self.clock, self.source)
                    fresh = await batched.record_inbox_group(self.spec.durable, [w.env for w in group])
                    for pending in group:
                        outcomes.append(await self._apply(batched, pending, fresh))
                    await batched.flush()
            except Exception:
                log.info("group commit failed; running its deliveries one by one", size=len(group))
            else:
                self._settled(group, outcomes, batched)
                return
        for pending in group:
            try:
                async with self.db.transaction() as session:
                    uow = UnitOfWork(session, self.tables, self.clock, self.source)
                    outcome = await self._apply(
                        uow, pending, await uow.record_inbox_group(self.spec.durable, [pending.env])
                    )
            except Exception as error:
                if await self._database_down():
                    raise _DatabaseDown() from error
                pending.error = error
            else:
                self._settled([pending], [outcome], uow)

    async def _apply(self, uow: UnitOfWork, pending: _Waiting, fresh: set[str]) -> str:
        """Apply one delivery inside the transaction of ``uow``. ``fresh``: the inbox rows are
        already written, and these keys were new (each is taken by its first delivery)."""
        bind_correlation(event_id=pending.env.id, event_type=pending.env.type, tenant=pending.env.tenant)
        with tenancy.scoped(pending.env.tenant):  # the delivery's tenant, and no other (tenancy.py)
            await tenancy.enter(uow.session, pending.env.tenant)
            if pending.env.key not in fresh:
                return "duplicate"
            fresh.discard(pending.env.key)
            uow.auditor.caused_by(pending.env, self.spec.durable)
            await pending.handler(pending.event, Delivery(pending.env, pending.msg.subject, pending.delivered), uow)
            return "processed"

    def _settled(self, group: list[_Waiting], outcomes: list[str], uow: UnitOfWork) -> None:
        if uow.emitted:
            self.relay.wake()
        log.debug("handled", consumer=self.spec.durable, deliveries=len(group), emitted=len(uow.emitted))
        for pending, outcome in zip(group, outcomes):
            pending.outcome = outcome

    async def _dead_letter(self, msg: "Msg", reason: str, delivered: int) -> None:
        tenant = subjects.tenant_of(msg.subject)
        if tenant is None or not subjects.TENANT_RE.fullmatch(tenant):
            tenant = subjects.UNKNOWN_TENANT
        seq = msg.metadata.sequence.stream if msg.metadata else 0
        letter = letter_for(
            msg.data,
            dict(msg.headers or {}),
            stream=self.spec.stream,
            stream_seq=seq,
            reason=reason,
            service=self.spec.service,
            consumer=self.spec.durable,
            subject=msg.subject,
            deliveries=delivered,
            failed_at=datetime.now(timezone.utc),
        )
        log.warning("dead-lettered", subject=msg.subject, reason=letter.headers()["Duban-Dlq-Reason"])
        # Publish (and wait for the PubAck) before terminating the original: if this
        # fails, the exception propagates, nothing is acked, and the message comes back.
        await self.js.publish(
            subjects.dead_letter(tenant, self.spec.service), letter.to_bytes(), headers=letter.headers()
        )
        await msg.term()
