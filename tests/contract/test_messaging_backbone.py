"""libs/common's messaging on a real JetStream server: provisioning, outbox relay,
consumer runner (inbox, retries, dead letters)."""

from __future__ import annotations

import json

import nats
import pytest
from nats.js.api import DeliverPolicy
from sqlalchemy import Column, Integer, MetaData, String, Table, func, select

from duban_common import provisioning
from duban_common.clock import FixedClock
from duban_common.consumer import ConsumerRunner, Rejected
from duban_common.contracts import events as ev
from duban_common.db import Database
from duban_common.envelope import new_event
from duban_common.outbox import InfraTables, OutboxRelay
from duban_common.provisioning import ConfigDrift, ConsumerSpec
from duban_common.settings import ServiceSettings
from e2e_support import START


def _settings(**kw) -> ServiceSettings:
    return ServiceSettings(service="probe", **{"max_deliver": 3, "retry_backoff_s": [0.1], **kw})


async def _js(server):
    nc = await nats.connect(server.url)
    return nc, nc.jetstream()


async def test_provisioning_is_idempotent_and_fails_loudly_on_drift(fresh_nats):
    nc, js = await _js(fresh_nats)
    try:
        s = ServiceSettings(service="tasking")
        await provisioning.provision(js, "tasking", s)
        await provisioning.provision(js, "tasking", s)  # second start: nothing to do
        names = {st.config.name for st in await js.streams_info()}
        assert names == {"DUBAN_IN", "DUBAN_EV", "DUBAN_OUT", "DUBAN_DLQ", "DUBAN_AUDIT", "OBJ_DUBAN_ATTACHMENTS"}
        assert (await js.stream_info("OBJ_DUBAN_ATTACHMENTS")).config.num_replicas == s.stream_replicas
        stream_info = await js.stream_info("DUBAN_EV")
        assert stream_info.config.duplicate_window == pytest.approx(s.duplicate_window_s)
        info = await js.consumer_info("DUBAN_EV", "tasking-matters")
        assert info.config.ack_policy == "explicit"
        assert info.config.max_deliver == s.max_deliver + 2
        assert info.config.ack_wait == pytest.approx(s.ack_wait_s)

        changed = ServiceSettings(service="tasking", max_deliver=9)
        with pytest.raises(ConfigDrift, match="tasking-matters.*max_deliver"):
            await provisioning.provision(js, "tasking", changed)
        await provisioning.provision(
            js, "tasking", ServiceSettings(service="tasking", max_deliver=9, provision_update=True)
        )
        assert (await js.consumer_info("DUBAN_EV", "tasking-matters")).config.max_deliver == 11

        with pytest.raises(ConfigDrift, match="DUBAN_IN.*duplicate_window"):
            await provisioning.ensure_streams(js, ServiceSettings(duplicate_window_s=60))
        with pytest.raises(ConfigDrift, match="DUBAN_ATTACHMENTS.*num_replicas"):
            await provisioning.ensure_attachments_bucket(js, ServiceSettings(stream_replicas=3))
    finally:
        await nc.close()


def _probe_tables():
    md = MetaData()
    infra = InfraTables(md)
    applied = Table("applied", md, Column("id", Integer, primary_key=True), Column("key", String(100)))
    return md, infra, applied


async def test_outbox_relay_publishes_with_msg_id_and_marks_after_puback(fresh_nats, tmp_path):
    nc, js = await _js(fresh_nats)
    md, infra, _ = _probe_tables()
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'probe.db'}")
    await db.create_all(md)
    try:
        await provisioning.ensure_streams(js, _settings())
        from duban_common.outbox import UnitOfWork

        async with db.transaction() as session:
            uow = UnitOfWork(session, infra, FixedClock(START), "/duban/probe")
            envs = [await uow.emit("demo", "duban.probe.happened.v1", {"n": n}) for n in range(5)]
        relay = OutboxRelay(db, infra, js, service="probe")
        assert await relay.relay_once() == 5
        assert await relay.pending() == 0
        assert await relay.relay_once() == 0

        sub = await js.subscribe(
            "duban.ev.demo.probe.happened", ordered_consumer=True, deliver_policy=DeliverPolicy.ALL
        )
        got = [await sub.next_msg(timeout=5) for _ in range(5)]
        assert [m.headers["Nats-Msg-Id"] for m in got] == [e.id for e in envs]
        assert [json.loads(m.data)["data"]["n"] for m in got] == list(range(5))

        # a relay that crashed after publishing but before marking publishes again: JetStream drops it
        ack = await js.publish("duban.ev.demo.probe.happened", got[0].data, headers={"Nats-Msg-Id": envs[0].id})
        assert ack.duplicate is True
    finally:
        await nc.close()
        await db.dispose()


async def _run_consumer(
    server,
    tmp_path,
    handler,
    messages: list[bytes],
    *,
    wait_for_dlq: int,
    wait_for_applied: int,
    event_type: str = "duban.thing.happened.v1",
):
    nc, js = await _js(server)
    md, infra, applied = _probe_tables()
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'consumer.db'}")
    await db.create_all(md)
    settings = _settings()
    spec = ConsumerSpec("probe", "things", "DUBAN_EV", "duban.ev.*.thing.>")
    await provisioning.ensure_streams(js, settings)
    await provisioning.ensure_consumer(js, spec, settings)
    relay = OutboxRelay(db, infra, js, service="probe")
    runner = ConsumerRunner(
        spec,
        {event_type: lambda event, d, uow: handler(event, d, uow, applied)},
        db,
        infra,
        js,
        FixedClock(START),
        settings,
        relay,
    )
    dlq = await js.subscribe("duban.dlq.*.probe", ordered_consumer=True, deliver_policy=DeliverPolicy.ALL)
    for raw in messages:
        await js.publish("duban.ev.demo.thing.happened", raw)
    pull = await js.pull_subscribe("duban.ev.*.thing.>", durable=spec.durable, stream=spec.stream)
    letters = []
    try:
        for _ in range(200):
            try:
                batch = await pull.fetch(10, timeout=0.3)
            except TimeoutError:  # nats-py's fetch may raise the builtin one, not nats.errors.TimeoutError
                batch = []
            await runner.handle_batch(batch)  # as the runner's own pull loop hands a pull over
            while True:
                try:
                    letters.append(json.loads((await dlq.next_msg(timeout=0.01)).data))
                except nats.errors.TimeoutError:
                    break
            async with db.read() as s:
                n_applied = (await s.execute(select(func.count()).select_from(applied))).scalar_one()
            if len(letters) >= wait_for_dlq and n_applied >= wait_for_applied and not batch:
                break
        async with db.read() as s:
            keys = (await s.execute(select(applied.c.key))).scalars().all()
        return letters, keys
    finally:
        await nc.close()
        await db.dispose()


def _thing(key: str, *, id: str | None = None) -> bytes:
    return new_event(
        tenant="demo", type="duban.thing.happened.v1", source="/test", data={"key": key}, time=START, id=id
    ).to_bytes()


async def test_runner_applies_each_event_once_and_dead_letters_failures_with_reason(fresh_nats, tmp_path):
    deliveries: dict[str, set[int]] = {}  # the server's delivery counts each handler call saw

    async def handler(event, d, uow, applied):
        key = event["key"]  # a type outside the contract: its data as it came
        deliveries.setdefault(key, set()).add(d.num_delivered)
        await uow.session.execute(applied.insert().values(key=key))
        if key == "always-fails":
            raise RuntimeError("the database said no")
        if key == "flaky" and d.num_delivered < 2:
            raise RuntimeError("transient")
        if key == "refused":
            raise Rejected("unit code 'xx' is not in the directory")

    messages = [
        _thing("a", id="evt-a"),
        _thing("a", id="evt-a"),  # the same event twice: applied once
        _thing("always-fails"),
        _thing("flaky"),
        _thing("refused"),
        b"{not json",
        _thing("b"),
    ]
    letters, keys = await _run_consumer(fresh_nats, tmp_path, handler, messages, wait_for_dlq=3, wait_for_applied=3)

    assert sorted(keys) == ["a", "b", "flaky"], "failed transactions leave nothing behind; duplicates apply once"
    assert deliveries["always-fails"] == {1, 2, 3}, "redelivered up to max_deliver, then dead-lettered"
    assert deliveries["flaky"] == {1, 2}, "a failure is redelivered, and applied when it succeeds"
    assert deliveries["refused"] == {1}, "a refusal is not redelivered"
    reasons = {
        json.loads(letter["original"])["data"]["key"]
        if letter["original"].startswith('{"')
        else letter["original"]: letter["reason"]
        for letter in letters
    }
    assert "the database said no" in reasons["always-fails"] and "after 3 deliveries" in reasons["always-fails"]
    assert reasons["refused"] == "unit code 'xx' is not in the directory"
    assert reasons["{not json"].startswith("invalid envelope")
    assert len(letters) == 3


async def test_data_that_does_not_fit_its_contract_is_dead_lettered_at_once_with_the_reason(fresh_nats, tmp_path):
    """The runner hands each handler its event typed; data its type's contract model refuses never
    reaches a handler and is not retried: one delivery, then the dead letter says which fields."""
    seen: dict[str, object] = {}

    async def handler(event, d, uow, applied):
        seen[event.task_id] = event
        await uow.session.execute(applied.insert().values(key=event.task_id))

    fits = ev.DeadlineOverdue(
        task_id="t1", matter_id="m1", timer_id="t1:overdue:1", scheduled_at=START, due_on=START.date(), due_at=START
    )
    misfit = {**fits.model_dump(mode="json"), "task_id": "t2", "due_at": "not a time"}
    del misfit["matter_id"]
    messages = [
        new_event(tenant="demo", type=ev.DEADLINE_OVERDUE, source="/test", data=data, time=START).to_bytes()
        for data in (misfit, fits)
    ]
    letters, keys = await _run_consumer(
        fresh_nats, tmp_path, handler, messages, wait_for_dlq=1, wait_for_applied=1, event_type=ev.DEADLINE_OVERDUE
    )

    assert keys == ["t1"] and list(seen) == ["t1"] and isinstance(seen["t1"], ev.DeadlineOverdue)
    assert seen["t1"].due_at == START, "typed: an instant, not the string that travelled"
    [letter] = letters
    assert letter["deliveries"] == 1, "dead-lettered at the first delivery, never retried"
    assert letter["reason"].startswith(f"{ev.DEADLINE_OVERDUE} does not match its contract: ")
    assert "matter_id: Field required" in letter["reason"] and "due_at: " in letter["reason"]


class _AwayDatabase(Database):
    """A database that refuses connections while ``away`` is set."""

    away = False

    def transaction(self):
        if self.away:
            raise ConnectionRefusedError("connection refused (the test took the database away)")
        return super().transaction()

    async def ping(self) -> None:
        if self.away:
            raise ConnectionRefusedError("connection refused")
        await super().ping()


async def test_a_database_outage_holds_deliveries_instead_of_spending_them(fresh_nats, tmp_path):
    """While the database is away, a group of deliveries waits in progress: no redelivery is
    counted, nothing is dead-lettered, and everything is applied once it answers again."""
    import asyncio

    nc, js = await _js(fresh_nats)
    md, infra, applied = _probe_tables()
    db = _AwayDatabase(f"sqlite+aiosqlite:///{tmp_path / 'away.db'}")
    await db.create_all(md)
    deliveries: dict[str, int] = {}

    async def handler(event, d, uow):
        deliveries[d.envelope.data["key"]] = d.num_delivered
        await uow.session.execute(applied.insert().values(key=d.envelope.data["key"]))

    settings = _settings(max_deliver=2, ack_wait_s=2)  # an outage longer than max_deliver × ack_wait
    spec = ConsumerSpec("probe", "things", "DUBAN_EV", "duban.ev.*.thing.>")
    try:
        await provisioning.ensure_streams(js, settings)
        await provisioning.ensure_consumer(js, spec, settings)
        relay = OutboxRelay(db, infra, js, service="probe")
        runner = ConsumerRunner(
            spec, {"duban.thing.happened.v1": handler}, db, infra, js, FixedClock(START), settings, relay
        )
        for n in range(5):
            await js.publish("duban.ev.demo.thing.happened", _thing(f"k{n}"))
        pull = await js.pull_subscribe("duban.ev.*.thing.>", durable=spec.durable, stream=spec.stream)
        batch = await pull.fetch(5, timeout=5)
        assert len(batch) == 5
        db.away = True
        handling = asyncio.ensure_future(runner.handle_batch(batch))  # as the runner's own pull loop hands a pull over
        await asyncio.sleep(6)  # three ack waits
        assert not handling.done() and deliveries == {}
        db.away = False
        await asyncio.wait_for(handling, timeout=30)
        async with db.read() as s:
            keys = sorted((await s.execute(select(applied.c.key))).scalars())
        assert keys == [f"k{n}" for n in range(5)]
        assert set(deliveries.values()) == {1}, "held in progress: the server never redelivered"
        assert (await js.consumer_info("DUBAN_EV", spec.durable)).num_ack_pending == 0
        dlq = (await js.stream_info("DUBAN_DLQ")).state.messages
        assert dlq == 0, "nothing dead-lettered"
    finally:
        await nc.close()
        await db.dispose()


async def test_the_runners_pull_loop_applies_what_arrives_across_a_broker_restart_and_stops_cleanly(
    fresh_nats, tmp_path
):
    """``ConsumerRunner.start``, as a service runs it: bound to the provisioned consumer, it applies
    what is published while it runs, keeps pulling after the broker restarted (nats.py #504),
    and a stop leaves nothing unacked and the subscription closed."""
    import asyncio

    nc = await nats.connect(fresh_nats.url, max_reconnect_attempts=-1, reconnect_time_wait=0.2)
    js = nc.jetstream()
    md, infra, applied = _probe_tables()
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'loop.db'}")
    await db.create_all(md)

    async def handler(event, d, uow):
        await uow.session.execute(applied.insert().values(key=d.envelope.data["key"]))

    async def applied_keys() -> list[str]:
        async with db.read() as s:
            return sorted((await s.execute(select(applied.c.key))).scalars())

    async def until_applied(n: int) -> list[str]:
        for _ in range(300):
            keys = await applied_keys()
            if len(keys) >= n:
                return keys
            await asyncio.sleep(0.1)
        return await applied_keys()

    async def publish(keys: list[str]) -> None:
        for _ in range(100):  # the broker may still be coming back
            try:
                for k in keys:
                    await js.publish(
                        "duban.ev.demo.thing.happened", _thing(k, id=f"evt-{k}"), headers={"Nats-Msg-Id": f"evt-{k}"}
                    )
                return
            except Exception:  # noqa: BLE001 - not connected yet: the same ids again, deduplicated by JetStream
                await asyncio.sleep(0.2)
        raise AssertionError("the broker did not come back")

    settings = _settings(fetch_wait_s=0.5)
    spec = ConsumerSpec("probe", "things", "DUBAN_EV", "duban.ev.*.thing.>")
    try:
        await provisioning.ensure_streams(js, settings)
        await provisioning.ensure_consumer(js, spec, settings)
        runner = ConsumerRunner(
            spec,
            {"duban.thing.happened.v1": handler},
            db,
            infra,
            js,
            FixedClock(START),
            settings,
            OutboxRelay(db, infra, js, service="probe"),
        )
        await runner.start()
        await publish([f"before-{n}" for n in range(20)])
        assert await until_applied(20) == sorted(f"before-{n}" for n in range(20))

        await asyncio.to_thread(fresh_nats.restart)  # the loop's pulls fail while the broker is away
        await publish([f"after-{n}" for n in range(20)])
        keys = await until_applied(40)
        assert keys == sorted([f"before-{n}" for n in range(20)] + [f"after-{n}" for n in range(20)]), (
            "each applied once"
        )

        await runner.stop(grace_s=5.0)
        assert runner.task.done(), "the loop has ended"
        assert (await js.consumer_info("DUBAN_EV", spec.durable)).num_ack_pending == 0, "everything applied was acked"
        await asyncio.sleep(1.0)  # the last pull request the server holds expires (fetch_wait_s)
        await js.publish("duban.ev.demo.thing.happened", _thing("after-stop", id="evt-after-stop"))
        await asyncio.sleep(1.0)
        assert "after-stop" not in await applied_keys(), "a stopped runner takes nothing more"
        assert (await js.consumer_info("DUBAN_EV", spec.durable)).num_pending == 1, "it waits for the next start"
    finally:
        await nc.close()
        await db.dispose()
