"""Helpers for the deadline service's tests: run it in-process on a real NATS server with the
simulated clock, publish task facts as tasking would, and read what it publishes."""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from datetime import date, datetime, timedelta

import httpx
import nats

from duban_common import tenancy
from duban_common.clock import set_shared_time
from duban_common.contracts import events as ev
from duban_common.envelope import new_event
from duban_common.testing.streams import stored_messages
from duban_deadline.bootstrap import bootstrap
from duban_deadline.config import DeadlineSettings

TENANT = "demo"
MODEL_TYPES = {model: event_type for event_type, model in ev.EVENT_TYPES.items()}


def origin(kind: str = "meeting_decision", **fields) -> dict:
    base = {"kind": kind, "source": "/platforms/test", "submission_id": "S-1", "external_id": "E-1"}
    if kind == "meeting_decision":
        base.update(meeting_type="executive")
    return {**base, **fields}


def task_assigned(
    at: datetime,
    *,
    task_id: str | None = None,
    origin_: dict | None = None,
    requested_due_on: date | None = None,
    co_units: list[str] | None = None,
    lead_unit: str = "zjj",
) -> ev.TaskAssigned:
    return ev.TaskAssigned(
        task_id=task_id or str(uuid.uuid4()),
        matter_id=str(uuid.uuid4()),
        title="推进老旧小区改造",
        lead_unit=lead_unit,
        co_units=co_units or [],
        origin=origin_ or origin(),
        requested_due_on=requested_due_on,
        assigned_at=at,
    )


class Deadline:
    """A running deadline service (in this process), its HTTP API and the events it published."""

    def __init__(self, runtime, nc, js) -> None:
        self.runtime, self.nc, self.js = runtime, nc, js
        self.http = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=runtime.app("deadline")), base_url="http://deadline"
        )

    async def publish(
        self, type_: str, data, *, tenant: str = TENANT, source: str = "/duban/tasking", id: str | None = None
    ) -> None:
        env = new_event(tenant=tenant, type=type_, source=source, data=data, time=self.runtime.clock.now(), id=id)
        aggregate, name = type_.split(".")[1:3]
        await self.js.publish(f"duban.ev.{tenant}.{aggregate}.{name}", env.to_bytes(), headers={"Nats-Msg-Id": env.id})

    async def tell(self, fact) -> None:
        """Publish a task fact as tasking would, under its type in the contract."""
        await self.publish(MODEL_TYPES[type(fact)], fact)

    async def set_time(self, at: datetime) -> None:
        await set_shared_time(self.js, at, services=("deadline",), timeout_s=60)

    async def events(self, subject: str = f"duban.ev.{TENANT}.>", *, types: tuple[str, ...] = ()) -> list[dict]:
        """Every event published so far on ``subject`` (in stream order), once the outbox is drained."""
        for _ in range(200):
            if await self.runtime.relay.pending() == 0:
                break
            await asyncio.sleep(0.05)
        bodies = [json.loads(m.data) for m in await stored_messages(self.js, subject)]
        return [b for b in bodies if not types or b["type"] in types]

    async def published(self, event_type: str, task_id: str | None = None) -> list[dict]:
        """The data of every ``event_type`` event published so far; of one task if ``task_id`` is given."""
        events = await self.events(types=(event_type,))
        return [e["data"] for e in events if task_id in (None, e["data"].get("task_id"))]

    async def wait_for(self, predicate, timeout_s: float = 20.0, what: str = "condition"):
        deadline = asyncio.get_running_loop().time() + timeout_s
        while True:
            value = await predicate()
            if value:
                return value
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"timed out waiting for {what}; last value {value!r}")
            await asyncio.sleep(0.1)

    async def deadline(self, task_id: str, tenant: str = TENANT) -> dict | None:
        r = await self.http.get(f"/v1/tenants/{tenant}/tasks/{task_id}/deadline")
        return r.json() if r.status_code == 200 else None


@contextlib.asynccontextmanager
async def running_deadline(nats_url: str, db_url: str, at: datetime, **settings):
    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    await set_shared_time(js, at, services=())
    s = DeadlineSettings(
        nats_url=nats_url,
        database_url=db_url,
        clock="simulated",
        timer_poll_s=0.2,
        outbox_poll_s=0.1,
        retry_backoff_s=[0.2],
        **settings,
    )
    runtime = bootstrap(s)
    await runtime.start()
    d = Deadline(runtime, nc, js)
    try:
        yield d
    finally:
        await d.http.aclose()
        try:
            await asyncio.wait_for(
                runtime.stop(), timeout=30
            )  # a hang here would otherwise hide the test's own failure
        finally:
            await nc.close()


@contextlib.asynccontextmanager
async def pg_database(pg_url: str):
    """A database of its own on the session's PostgreSQL server (tables do not clash with other tests)."""
    import asyncpg

    admin = pg_url.replace("postgresql+asyncpg://", "postgresql://")
    base, name = admin.rsplit("/", 1)
    mine = f"{name}_dl_{uuid.uuid4().hex[:8]}"
    conn = await asyncpg.connect(admin)
    try:
        await conn.execute(f'CREATE DATABASE "{mine}"')
    finally:
        await conn.close()
    try:
        yield f"{pg_url.rsplit('/', 1)[0]}/{mine}"
    finally:
        conn = await asyncpg.connect(admin)
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{mine}" WITH (FORCE)')
        finally:
            await conn.close()


async def seed_timers(
    db, n: int, *, tenant: str = TENANT, due_from: datetime, spread_s: int = 60, kind: str = "overdue"
) -> list[str]:
    """``n`` open deadlines with one timer each, due within ``spread_s`` seconds from ``due_from``
    (written straight into the deadline tables, as if ``n`` tasks had been assigned)."""
    from duban_deadline.adapters.orm import deadlines, timers

    now = due_from - timedelta(days=10)
    open_deadline = {
        "tenant": tenant,
        "start_on": now.date(),
        "due_on": due_from.date(),
        "due_at": due_from,
        "rule": "one_unit",
        "provisional": False,
        "set_at": now,
        "status": "open",
        "lead_unit": "zjj",
        "co_units": [],
        "assigned_at": now,
        "basis": None,
        "revision": 1,
    }
    pending_timer = {
        "tenant": tenant,
        "kind": kind,
        "seq": 0,
        "ref_on": due_from.date(),
        "state": "pending",
        "created_at": now,
        "deferrals": 0,
    }
    ids = [str(uuid.uuid4()) for _ in range(n)]
    for chunk in range(0, n, 2000):
        part = ids[chunk : chunk + 2000]
        deadline_rows = [{**open_deadline, "task_id": t, "matter_id": str(uuid.uuid4())} for t in part]
        timer_rows = [
            {
                **pending_timer,
                "id": str(uuid.uuid4()),
                "task_id": t,
                "due_at": due_from + timedelta(seconds=(chunk + i) % spread_s),
            }
            for i, t in enumerate(part)
        ]
        with tenancy.scoped(tenant):
            async with db.transaction() as s:
                await s.execute(deadlines.insert(), deadline_rows)
                await s.execute(timers.insert(), timer_rows)
    return ids
