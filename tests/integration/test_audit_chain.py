"""The audit log on real SQLite and PostgreSQL: concurrent writers make one unbroken chain,
tampering is found and named, the log records who acted and why, and PostgreSQL refuses
to change it."""

from __future__ import annotations

import asyncio
import json
import subprocess
import uuid

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import Column, Integer, MetaData, String, Table, select, text
from sqlalchemy.exc import DBAPIError

from duban_common import audit
from duban_common.clock import FixedClock
from duban_common.db import Database
from duban_common.envelope import new_event
from duban_common.outbox import InfraTables, UnitOfWork
from e2e_support import START, duban_command

pytestmark = pytest.mark.usefixtures("operator_scope")  # the test reads and seeds as the operator

SOURCE = "/duban/tasking"
md = MetaData()
infra = InfraTables(md)
things = Table("things", md, Column("id", String(40), primary_key=True), Column("n", Integer, nullable=False))


async def _open(url: str) -> Database:
    db = Database(url)
    await db.create_all(md)
    return db


async def _change(db: Database, n: int, tenants: tuple[str, ...] = ("demo",)) -> None:
    """One unit of work: a row written and one event per tenant emitted."""
    async with db.transaction() as s:
        uow = UnitOfWork(s, infra, FixedClock(START), SOURCE)
        await s.execute(things.insert().values(id=str(uuid.uuid4()), n=n))
        for tenant in tenants:
            await uow.emit(tenant, "duban.task.assigned.v1", {"task_id": f"task-{n}", "matter_id": f"m-{n}"})


async def _seqs(db: Database, chain: str) -> list[int]:
    async with db.read() as s:
        return list(
            (
                await s.execute(
                    select(audit.audit_log.c.seq)
                    .where(audit.audit_log.c.chain == chain)
                    .order_by(audit.audit_log.c.seq)
                )
            ).scalars()
        )


async def _raw(db: Database, *sql: str) -> None:
    """Tamper like someone with database access: on PostgreSQL the append-only trigger is
    switched off first (we connect as the superuser), and back on after."""
    statements = list(sql)
    if not db.is_sqlite:
        statements = [
            "ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only",
            *statements,
            "ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only",
        ]
    async with db.engine.begin() as conn:
        for stmt in statements:
            await conn.execute(text(stmt))


def _cli_verify(url: str, *extra: str) -> subprocess.CompletedProcess:
    """The database alone (test_audit_anchors.py checks against anchors)."""
    return duban_command("audit", "verify", "--service", "tasking", "--database-url", url, "--no-anchors", *extra)


async def test_concurrent_writers_make_one_unbroken_gapless_chain(either_db_url):
    db = await _open(either_db_url)
    # SQLite: a second engine on the same file is a second writer that the in-process lock
    # does not serialize (as a second process would be); PostgreSQL: one pool of 20.
    dbs = [db] if not db.is_sqlite else [db, Database(either_db_url)]
    try:

        async def writer(w: int) -> None:
            for i in range(50):
                n = w * 50 + i
                await _change(dbs[n % len(dbs)], n, ("demo", "other") if n % 5 == 0 else ("demo",))

        await asyncio.gather(*(writer(w) for w in range(20)))
        reports = {r.chain: r for r in await audit.verify_database(db)}
        assert set(reports) == {"tasking:demo", "tasking:other"}
        assert reports["tasking:demo"].ok and reports["tasking:demo"].entries == 1000, reports["tasking:demo"]
        assert reports["tasking:other"].ok and reports["tasking:other"].entries == 200, reports["tasking:other"]
        assert await _seqs(db, "tasking:demo") == list(range(1, 1001))
        assert await _seqs(db, "tasking:other") == list(range(1, 201))
    finally:
        for d in dbs:
            await d.dispose()


async def test_a_tampered_entry_is_named_by_verify_and_by_the_command(either_db_url):
    db = await _open(either_db_url)
    try:
        for n in range(10):
            await _change(db, n)
        async with db.read() as s:
            victim = (await s.execute(select(audit.audit_log.c.id).where(audit.audit_log.c.seq == 7))).scalar_one()
        assert (await asyncio.to_thread(_cli_verify, either_db_url)).returncode == 0
        await _raw(db, 'UPDATE audit_log SET actor = \'{"kind":"http","role":"supervision_office"}\' WHERE seq = 7')
        [report] = await audit.verify_database(db, service="tasking", tenant="demo")
        assert (report.broken.kind, report.broken.seq, report.broken.entry_id) == ("content_altered", 7, victim)
        assert report.entries == 6
        done = await asyncio.to_thread(_cli_verify, either_db_url, "--tenant", "demo")
        assert done.returncode == 1, done.stdout + done.stderr
        assert f"tasking:demo broken at seq 7 (entry {victim}): content altered" in done.stdout
    finally:
        await db.dispose()


async def test_a_deleted_entry_is_reported_as_a_gap_and_a_deleted_last_entry_as_truncation(either_db_url):
    db = await _open(either_db_url)
    try:
        for n in range(8):
            await _change(db, n, ("demo", "other"))
        await _raw(
            db,
            "DELETE FROM audit_log WHERE chain = 'tasking:demo' AND seq = 5",
            "DELETE FROM audit_log WHERE chain = 'tasking:other' AND seq = 8",
        )
        reports = {r.chain: r.broken for r in await audit.verify_database(db)}
        assert (reports["tasking:demo"].kind, reports["tasking:demo"].seq) == ("entry_missing", 5)
        assert (reports["tasking:other"].kind, reports["tasking:other"].seq) == ("truncated", 8)
    finally:
        await db.dispose()


@pytest.mark.postgres
@pytest.mark.parametrize("either_db_url", ["postgresql"], indirect=True)
async def test_postgresql_refuses_to_update_or_delete_audit_entries(either_db_url):
    db = await _open(either_db_url)
    try:
        await _change(db, 1)
        for sql in ("UPDATE audit_log SET action = 'x'", "DELETE FROM audit_log", "TRUNCATE audit_log"):
            with pytest.raises(DBAPIError, match="audit_log is append-only"):
                async with db.engine.begin() as conn:
                    await conn.execute(text(sql))
        [report] = await audit.verify_database(db)
        assert report.ok and report.entries == 1
    finally:
        await db.dispose()


async def test_a_consumer_records_its_cause_and_a_command_records_its_caller(either_db_url):
    db = await _open(either_db_url)
    clock = FixedClock(START)
    app = FastAPI()
    app.add_middleware(audit.ActorMiddleware)

    @app.post("/v1/tenants/{tenant}/things/{thing_id}")
    async def put_thing(tenant: str, thing_id: str, emit: bool = False) -> dict:
        async with db.transaction() as s:
            uow = UnitOfWork(s, infra, clock, SOURCE)
            await s.execute(things.insert().values(id=thing_id, n=0))
            if emit:
                await uow.emit(tenant, "duban.task.assigned.v1", {"task_id": thing_id})
        return {}

    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
            headers = {"X-Duban-Role": "unit", "X-Duban-Unit": "zjj"}
            assert (await client.post("/v1/tenants/demo/things/a", headers=headers)).status_code == 200
            assert (
                await client.post("/v1/tenants/demo/things/b", params={"emit": "true"}, headers=headers)
            ).status_code == 200

        trigger = new_event(
            tenant="demo",
            type="duban.matter.registered.v1",
            source="/duban/intake",
            data={"matter_id": "m1"},
            time=START,
        )
        for _ in range(2):  # the redelivery is a duplicate: no second entry
            async with db.transaction() as s:
                uow = UnitOfWork(s, infra, clock, SOURCE)
                if await uow.record_inbox("tasking-matters", trigger):
                    await s.execute(things.insert().values(id="from-event", n=1))
                    await uow.emit("demo", "duban.task.assigned.v1", {"task_id": "t-from-event"})
        async with db.transaction() as s:
            uow = UnitOfWork(s, infra, clock, SOURCE)
            other = new_event(
                tenant="demo", type="duban.deadline.set.v1", source="/duban/deadline", data={}, time=START
            )
            assert await uow.record_inbox("tasking-deadlines", other)
            await s.execute(things.update().where(things.c.id == "a").values(n=2))
        async with db.transaction() as s:
            uow = UnitOfWork(s, infra, clock, SOURCE)
            uow.audit("demo", "units.imported", units=3)

        async with db.read() as s:
            rows = [
                dict(r) for r in (await s.execute(select(audit.audit_log).order_by(audit.audit_log.c.seq))).mappings()
            ]
        got = [(r["seq"], r["tenant"], r["action"], json.loads(r["actor"]), json.loads(r["refs"])) for r in rows]
        assert [g[:3] for g in got] == [
            (1, "demo", "POST /v1/tenants/{tenant}/things/{thing_id}"),
            (2, "demo", "duban.task.assigned.v1"),
            (3, "demo", "duban.task.assigned.v1"),
            (4, "demo", "handled duban.deadline.set.v1"),
            (5, "demo", "units.imported"),
        ]
        caller = {"kind": "http", "role": "unit", "unit": "zjj"}
        assert got[0][3] == caller | {"request": "POST /v1/tenants/demo/things/a"} and got[0][4]["writes"] == {
            "things": 1
        }
        assert got[1][3]["unit"] == "zjj" and got[1][4]["task_id"] == "b" and got[1][4]["route"].endswith("{thing_id}")
        assert got[2][3] == {"kind": "consumer", "service": "tasking", "consumer": "tasking-matters"}
        assert got[2][4]["cause"] == {"event_id": trigger.id, "type": "duban.matter.registered.v1"}
        assert got[3][4]["writes"] == {"things": 1} and got[3][3]["consumer"] == "tasking-deadlines"
        assert got[4][3] == {"kind": "service", "service": "tasking"} and got[4][4]["units"] == 3
        assert all(r["at"] == START for r in rows)
        [report] = await audit.verify_database(db)
        assert report.ok and report.entries == 5
    finally:
        await db.dispose()
