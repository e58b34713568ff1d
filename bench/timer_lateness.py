"""Timers at scale (issue 10, part 4): many open tasks, a crowd of them due inside one minute.

    .venv/bin/python bench/timer_lateness.py [--open 1000000] [--due 100000] [--backend sqlite|postgresql] [--replicas 1]

Seeds ``--open`` open deadlines with one timer each straight into the deadline service's tables:
``--due`` of them due between 17:30:00 and 17:30:59 on a working day, the rest spread over the
next weeks. Then the deadline service's own firing loop (``TimerFiring.run``, not simulated)
runs against a clock that passes in real time from 17:29:55, ``--replicas`` of them on
PostgreSQL, until every timer due in the minute has fired. Lateness of a timer: the instant its
batch committed minus its due instant (the event is in the outbox from then; the relay publishes
it next). Exactly once: fired timers, outbox rows and distinct event ids must all equal
``--due`` and no timer due later may have fired. Prints a table and appends it to
``bench/results/<date>.md``. Never used as a test.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from sqlalchemy import func, select  # noqa: E402
from throughput import append_result, head_commit, percentile  # noqa: E402  (bench/ is the script's folder)

from deadline_support import pg_database, seed_timers  # noqa: E402
from duban_common import tenancy  # noqa: E402
from duban_common.calendar import TZ  # noqa: E402
from duban_common.db import Database  # noqa: E402
from duban_deadline.adapters import orm  # noqa: E402
from duban_deadline.service_layer.firing import TimerFiring  # noqa: E402

DUE = datetime(2026, 12, 7, 17, 30, tzinfo=TZ)  # a Monday, a working day


class RealTimeClock:
    """Starts at ``start`` and passes at the speed of the wall clock."""

    def __init__(self, start: datetime) -> None:
        self.start, self.t0 = start, time.monotonic()

    def now(self) -> datetime:
        return self.start + timedelta(seconds=time.monotonic() - self.t0)


async def run(url: str, open_n: int, due_n: int, replicas: int, batch: int) -> dict:
    setup = Database(url)
    await setup.create_all(orm.metadata)
    started = time.perf_counter()
    await seed_timers(setup, open_n - due_n, due_from=DUE + timedelta(days=7), spread_s=21 * 86400)
    await seed_timers(setup, due_n, due_from=DUE, spread_s=60)
    seed_s = time.perf_counter() - started

    clock = RealTimeClock(DUE - timedelta(seconds=5))
    dbs = [setup] if setup.is_sqlite else [Database(url) for _ in range(replicas)]
    committed: dict[datetime, datetime] = {}  # a batch's claim instant → its commit instant
    firers = []
    for i, db in enumerate(dbs):
        f = TimerFiring(
            db,
            orm.infra,
            clock,
            "/duban/deadline",
            instance=f"r{i}",
            default_due_time=DUE.time(),
            batch=batch,
            poll_s=0.1,
        )
        inner = f._fire_batch

        async def timed(now, since, _inner=inner):
            n = await _inner(now, since)
            committed[now] = clock.now()
            return n

        f._fire_batch = timed
        firers.append(f)
    tasks = [asyncio.create_task(loop()) for f in firers for loop in (f.run, f.gauges)]  # as the service runs them
    tenancy.set_scope(tenancy.ALL)  # the counts below span tenants (without a scope the data layer shows none)
    t = orm.timers.c
    try:
        while True:
            await asyncio.sleep(1)
            async with setup.read() as s:
                fired = (
                    await s.execute(select(func.count()).select_from(orm.timers).where(t.state == "fired"))
                ).scalar_one()
            if fired >= due_n and clock.now() > DUE + timedelta(seconds=61):
                break
            if clock.now() > DUE + timedelta(minutes=30):
                raise SystemExit(f"only {fired} of {due_n} fired after 30 minutes")
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    async with setup.read() as s:
        rows = (await s.execute(select(t.due_at, t.fired_at, t.event_id).where(t.state == "fired"))).all()
        outbox = (await s.execute(select(func.count()).select_from(orm.infra.outbox))).scalar_one()
        early = (
            await s.execute(
                select(func.count())
                .select_from(orm.timers)
                .where(t.state != "pending", t.due_at > DUE + timedelta(minutes=1))
            )
        ).scalar_one()
    lateness = [max(0.0, (committed[r.fired_at] - r.due_at).total_seconds()) for r in rows]
    for db in {id(d): d for d in (setup, *dbs)}.values():
        await db.dispose()
    return {
        "seed_s": seed_s,
        "fired": len(rows),
        "distinct_events": len({r.event_id for r in rows}),
        "outbox": outbox,
        "early": early,
        "p50": percentile(lateness, 50),
        "p99": percentile(lateness, 99),
        "max": max(lateness),
    }


async def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--open", type=int, default=1_000_000, help="open tasks (one timer each)")
    ap.add_argument("--due", type=int, default=100_000, help="of them due inside one minute")
    ap.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    ap.add_argument("--replicas", type=int, default=1, help="firing replicas (PostgreSQL)")
    ap.add_argument("--batch", type=int, default=500)
    ap.add_argument("--pg", default="postgresql+asyncpg://postgres@127.0.0.1:5432/postgres")
    args = ap.parse_args()
    if args.backend == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            r = await run(f"sqlite+aiosqlite:///{tmp}/deadline.db", args.open, args.due, 1, args.batch)
    else:
        async with pg_database(args.pg) as url:
            r = await run(url, args.open, args.due, args.replicas, args.batch)
    commit = head_commit()
    text = "\n".join(
        [
            f"## timers, {args.backend}, {args.open:,} open tasks, {args.due:,} due inside one minute, {args.replicas} replica(s), "
            f"batch {args.batch} — commit {commit}, {os.cpu_count()} cores, {date.today().isoformat()}",
            "",
            "| measure | value |",
            "|---|---|",
            f"| seeding (straight into the tables) | {r['seed_s']:.0f} s |",
            f"| lateness, due → batch committed | p50 {r['p50'] * 1000:,.0f} ms, p99 {r['p99'] * 1000:,.0f} ms, max {r['max'] * 1000:,.0f} ms |",
            f"| fired / distinct events / outbox rows | {r['fired']:,} / {r['distinct_events']:,} / {r['outbox']:,} (expected {args.due:,} each) |",
            f"| timers due later that fired | {r['early']} |",
            "",
        ]
    )
    append_result(text)


if __name__ == "__main__":
    asyncio.run(main())
