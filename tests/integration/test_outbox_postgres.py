"""The outbox on PostgreSQL: a transaction that commits late is never skipped, and
two relays never publish the same row twice."""

from __future__ import annotations

import asyncio
import json

import nats
import pytest
from sqlalchemy import MetaData

from duban_common import provisioning
from duban_common.clock import FixedClock
from duban_common.db import Database
from duban_common.outbox import InfraTables, OutboxRelay, UnitOfWork
from duban_common.settings import ServiceSettings
from duban_common.testing.streams import stored_messages
from e2e_support import START

pytestmark = pytest.mark.postgres


async def test_late_committing_transaction_is_relayed_and_nothing_twice(pg_url, fresh_nats):
    md = MetaData()
    infra = InfraTables(md)
    db = Database(pg_url)
    await db.create_all(md)
    nc = await nats.connect(fresh_nats.url)
    js = nc.jetstream()
    await provisioning.ensure_streams(js, ServiceSettings())
    clock = FixedClock(START)
    try:
        long_started, release_long = asyncio.Event(), asyncio.Event()

        async def long_transaction():
            async with db.transaction() as s:
                uow = UnitOfWork(s, infra, clock, "/duban/probe")
                await uow.emit("demo", "duban.probe.happened.v1", {"n": "long"})  # takes the lower seq
                long_started.set()
                await release_long.wait()

        long_task = asyncio.create_task(long_transaction())
        await long_started.wait()
        for n in range(3):
            async with db.transaction() as s:
                await UnitOfWork(s, infra, clock, "/duban/probe").emit("demo", "duban.probe.happened.v1", {"n": n})

        relay_a = OutboxRelay(db, infra, js, service="probe", batch=2)
        relay_b = OutboxRelay(db, infra, js, service="probe", batch=2)
        published = sum(await asyncio.gather(relay_a.relay_once(), relay_b.relay_once()))
        published += await relay_a.relay_once()
        assert published == 3, "the three committed rows went out; the uncommitted one is invisible"

        release_long.set()
        await long_task
        assert await relay_b.relay_once() == 1, "the late commit with the lower seq is not skipped"
        assert await relay_a.pending() == 0

        got = [json.loads(m.data)["data"]["n"] for m in await stored_messages(js, "duban.ev.demo.probe.happened")]
        assert sorted(map(str, got)) == ["0", "1", "2", "long"]
    finally:
        await nc.close()
        await db.dispose()
