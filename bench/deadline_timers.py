"""How fast the deadline service fires due timers (claim, mark, one outbox event each, commit).

    .venv/bin/python bench/deadline_timers.py [--timers 10000] [--replicas 1 2] [--batch 100 500] [--pg URL]

Runs in-process firers against a fresh PostgreSQL database (default: the local server
postgresql+asyncpg://postgres@127.0.0.1:5432/postgres, a scratch database is created and
dropped) and against a SQLite file, and prints timers fired per second. Only the firing is
measured: publishing the outbox to NATS is the relay's job and is measured elsewhere.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from deadline_support import pg_database, seed_timers  # noqa: E402
from duban_common.calendar import TZ  # noqa: E402
from duban_common.clock import FixedClock  # noqa: E402
from duban_common.db import Database  # noqa: E402
from duban_deadline.adapters import orm  # noqa: E402
from duban_deadline.service_layer.firing import TimerFiring  # noqa: E402

DUE = datetime(2026, 12, 7, 17, 30, tzinfo=TZ)


async def run(url: str, timers: int, replicas: int, batch: int) -> float:
    setup = Database(url)
    await setup.create_all(orm.metadata)
    await seed_timers(setup, timers, due_from=DUE)
    dbs = [Database(url) for _ in range(replicas)] if not setup.is_sqlite else [setup]
    clock = FixedClock(DUE + timedelta(minutes=1))
    firers = [
        TimerFiring(db, orm.infra, clock, "/duban/deadline", instance=f"r{i}", default_due_time=DUE.time(), batch=batch)
        for i, db in enumerate(dbs)
    ]
    started = time.perf_counter()
    fired = sum(await asyncio.gather(*(f.fire_due() for f in firers)))
    elapsed = time.perf_counter() - started
    assert fired == timers, (fired, timers)
    for db in {id(d): d for d in (setup, *dbs)}.values():
        await db.dispose()
    return timers / elapsed


async def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--timers", type=int, default=10_000)
    ap.add_argument("--replicas", type=int, nargs="+", default=[1, 2, 4])
    ap.add_argument("--batch", type=int, nargs="+", default=[100, 500])
    ap.add_argument("--pg", default="postgresql+asyncpg://postgres@127.0.0.1:5432/postgres")
    args = ap.parse_args()
    for batch in args.batch:
        with tempfile.TemporaryDirectory() as tmp:
            rate = await run(f"sqlite+aiosqlite:///{tmp}/bench.db", args.timers, 1, batch)
        print(f"sqlite      batch={batch:4d} replicas=1: {rate:8.0f} timers/s")
        for n in args.replicas:
            async with pg_database(args.pg) as url:
                rate = await run(url, args.timers, n, batch)
            print(f"postgresql  batch={batch:4d} replicas={n}: {rate:8.0f} timers/s")


if __name__ == "__main__":
    asyncio.run(main())
