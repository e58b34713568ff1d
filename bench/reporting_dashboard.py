"""Reporting at 10,000 matters: seed the read models through the projection handlers (the events
of assignment, deadlines, progress, completion, returns, overdue facts), then time the dashboard,
the ledger, the statistics and the .xlsx export through the real HTTP endpoints, on SQLite.

    .venv/bin/python bench/reporting_dashboard.py [--matters 10000] [--rebuild] [--keep FILE]

``--rebuild`` also publishes the events to a throw-away nats-server and times the replay of a
rebuild (``duban rebuild reporting``) into a fresh database. ``--keep FILE`` keeps the seeded
SQLite database there and, when it exists already, times the requests on it without seeding.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
import time
import uuid
from datetime import datetime, timedelta
from datetime import time as dtime
from pathlib import Path

import httpx

from duban_common import tenancy
from duban_common.calendar import TZ, WorkCalendar, at_local
from duban_common.clock import FixedClock
from duban_common.consumer import apply
from duban_common.contracts import events as ev
from duban_common.db import Database
from duban_common.envelope import new_event
from duban_common.outbox import UnitOfWork
from duban_reporting.adapters import orm
from duban_reporting.adapters.units import UnitNames
from duban_reporting.bootstrap import bootstrap
from duban_reporting.config import ReportingSettings
from duban_reporting.entrypoints.consumers import HANDLERS

TENANT = "bench"
UNITS = ["zjj", "fgj", "jyj", "wjj", "nyj", "jtj", "czj", "scjgj", "rsj", "yjj", "cgj", "cgz"]
KINDS = [
    "meeting_decision",
    "leader_instruction",
    "online_message",
    "document",
    "deputy_suggestion",
    "work_report_task",
]
NOW = datetime(2026, 12, 20, 9, 0, tzinfo=TZ)
CAL = WorkCalendar()


def events_of_matter(i: int, rnd: random.Random) -> list:
    """The events one matter produces, in the order the services publish them."""
    matter, task = str(uuid.uuid4()), str(uuid.uuid4())
    kind, lead = KINDS[i % len(KINDS)], UNITS[i % len(UNITS)]
    co = [UNITS[(i + 3) % len(UNITS)]] if i % 4 == 0 else []
    at = at_local(datetime(2026, 10, 1).date(), dtime(9)) + timedelta(minutes=i * 11)
    origin = {"kind": kind, "source": "/platforms/bench", "submission_id": f"S-{i}", "external_id": f"E-{i}"}
    if kind == "leader_instruction":
        origin["leader_name"] = rnd.choice(["王县长", "李副县长"])
    citizen = (
        {"name_masked": "张*三", "phone_masked": "139****5678", "contact_ref": f"S-{i}"}
        if kind == "online_message"
        else None
    )
    title = f"第{i}号督办事项：推进重点工作落实" + ("（来电13912345678）" if kind == "online_message" else "")
    ids, units = {"task_id": task, "matter_id": matter}, {"lead_unit": lead, "co_units": co}
    registered = ev.MatterRegistered(
        matter_id=matter, title=title, content="…", origin=origin, **units, registered_at=at, citizen=citizen
    )
    assigned = ev.TaskAssigned(
        **ids, title=title, **units, origin=origin, assigned_at=at, notice_no=f"督办〔2026〕{i + 1}号", version=1
    )
    due_on = CAL.add_workdays(at.astimezone(TZ).date(), 15).day
    due_at = at_local(due_on, dtime(17, 30))
    due = {"due_on": due_on, "due_at": due_at}
    deadline = ev.DeadlineSet(**ids, start_on=at.date(), **due, rule="bench", revision=1, lead_unit=lead)
    out = [(ev.MATTER_REGISTERED, registered, at), (ev.TASK_ASSIGNED, assigned, at), (ev.DEADLINE_SET, deadline, at)]
    version = 1

    def handled(event_type: str, when: datetime, **fields) -> None:
        """The lead unit's next step on the task: the task's next version."""
        nonlocal version
        version += 1
        out.append((event_type, ev.EVENT_TYPES[event_type](**ids, unit=lead, **fields, version=version), when))

    fate, acknowledged = rnd.random(), at + timedelta(days=1)
    if fate < 0.85:
        handled(ev.TASK_ACKNOWLEDGED, acknowledged, acknowledged_at=acknowledged)
    if fate < 0.55:
        done = at + timedelta(days=rnd.randint(3, 30))
        if done < NOW:
            if fate < 0.1:
                handled(ev.TASK_COMPLETION_SUBMITTED, done, submitted_at=done)
                handled(ev.TASK_RETURNED, done, reason="材料不全", returned_at=done)
            handled(ev.TASK_COMPLETION_SUBMITTED, done, submitted_at=done)
            handled(ev.TASK_COMPLETED, done, completed_at=done)
            progressed = ev.MatterProgressed(
                matter_id=matter, progress=100, tasks=1, tasks_completed=1, completed=True, at=done
            )
            return [*out, (ev.MATTER_PROGRESSED, progressed, done)]
    if due_at < NOW:
        overdue = ev.DeadlineOverdue(**ids, lead_unit=lead, timer_id=str(uuid.uuid4()), scheduled_at=due_at, **due)
        out.append((ev.DEADLINE_OVERDUE, overdue, due_at))
    return out


def envelopes(n: int) -> list:
    rnd = random.Random(7)
    return [
        new_event(tenant=TENANT, type=t, source="/bench", data=d, time=at)
        for i in range(n)
        for t, d, at in events_of_matter(i, rnd)
    ]


async def seed(db: Database, envs: list, batch: int = 500) -> None:
    handlers = HANDLERS["projections"]
    with tenancy.scoped(TENANT):  # as the consumer runner scopes each delivery to its envelope's tenant
        for i in range(0, len(envs), batch):
            async with db.transaction() as session:
                uow = UnitOfWork(session, orm.infra, FixedClock(NOW), "/duban/reporting")
                for env in envs[i : i + batch]:
                    if await uow.record_inbox(orm.PROJECTIONS_CONSUMER, env):
                        await apply(handlers[env.type], env, f"duban.ev.{TENANT}.x.y", uow)


async def timed(client: httpx.AsyncClient, url: str, runs: int = 5) -> tuple[float, float, int]:
    samples, size = [], 0
    for _ in range(runs):
        t0 = time.perf_counter()
        r = await client.get(url)
        samples.append((time.perf_counter() - t0) * 1000)
        r.raise_for_status()
        size = len(r.content)
    return statistics.median(samples), max(samples), size


async def bench_rebuild(envs: list, folder: Path, settings: ReportingSettings) -> None:
    import nats

    from duban_common.natsserver import NatsServer
    from duban_common.provisioning import ensure_streams
    from duban_reporting.service_layer.rebuild import replay

    server = NatsServer(folder / "nats").start()
    try:
        nc = await nats.connect(server.url)
        js = nc.jetstream()
        await ensure_streams(js, settings)
        t0 = time.perf_counter()
        for i in range(0, len(envs), 1000):
            acks = [
                js.publish(f"duban.ev.{TENANT}.{e.aggregate}.{e.name}", e.to_bytes(), headers={"Nats-Msg-Id": e.id})
                for e in envs[i : i + 1000]
            ]
            await asyncio.gather(*acks)
        print(f"published {len(envs)} events to a throw-away nats-server in {time.perf_counter() - t0:.1f}s")
        fresh = Database(f"sqlite+aiosqlite:///{folder / 'rebuilt.db'}")
        await fresh.create_all(orm.metadata)
        t0 = time.perf_counter()
        r = await replay(js, fresh, first_seq=1, last_seq=len(envs), batch=settings.rebuild_batch)
        took = time.perf_counter() - t0
        print(
            f"rebuild replay: {r.applied} events applied in {took:.1f}s ({r.applied / took:.0f} events/s), {len(r.failed)} failed"
        )
        await fresh.dispose()
        await nc.close()
    finally:
        server.stop()


async def main(n: int, rebuild: bool, keep: Path | None) -> None:
    with tempfile.TemporaryDirectory(prefix="duban-bench-") as tmp:
        folder = Path(tmp)
        settings = ReportingSettings(data_dir=folder, auth="off")  # trusted callers, scoped to the path's tenant
        if keep:
            settings.database_url = f"sqlite+aiosqlite:///{keep.resolve()}"
        seeded = keep is not None and keep.exists()
        # the service's own app (its routers, authorizer and middleware); the lifespan is not run
        runtime = bootstrap(settings, clock=FixedClock(NOW), units=UnitNames(None))
        db = runtime.db
        await db.create_all(orm.metadata)
        envs = [] if seeded and not rebuild else envelopes(n)
        if not seeded:
            t0 = time.perf_counter()
            await seed(db, envs)
            took = time.perf_counter() - t0
            print(
                f"seeded {n} matters ({len(envs)} events) through the projection handlers in {took:.1f}s ({len(envs) / took:.0f} events/s)"
            )
        app = runtime.app("duban reporting")
        base = f"/v1/tenants/{TENANT}"
        urls = [
            f"{base}/dashboard",
            f"{base}/dashboard?overdue_offset=2000",
            f"{base}/ledger",
            f"{base}/ledger?light=red&sort=due_on",
            f"{base}/ledger?unit=zjj&sort=-due_on",
            f"{base}/ledger?q=第9999号",
            f"{base}/ledger?leader=王县长&period=2026-11",
            f"{base}/ledger?offset=9900&sort=-urges",
            f"{base}/statistics?period=2026-Q4",
            f"{base}/statistics?period=2026",
            f"{base}/ledger.xlsx",
        ]
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://reporting", timeout=120
        ) as client:
            print(f"\n{'request':<58} {'median ms':>10} {'max ms':>9} {'bytes':>10}")
            for url in urls:
                med, worst, size = await timed(client, url, runs=3 if url.endswith(".xlsx") else 5)
                print(f"GET {url:<54} {med:>10.1f} {worst:>9.1f} {size:>10}")
        await db.dispose()
        if rebuild:
            await bench_rebuild(envs, folder, settings)


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--matters", type=int, default=10_000)
    p.add_argument("--rebuild", action="store_true")
    p.add_argument("--keep", type=Path, help="keep the seeded SQLite database in this file (reused when it exists)")
    args = p.parse_args()
    asyncio.run(main(args.matters, args.rebuild, args.keep))
