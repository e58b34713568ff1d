"""Audit chain heads anchored in JetStream (anchors.py): a service publishes them while it runs
and when it stops, the stream refuses deletes and purges, and `duban audit verify` finds what
the chain alone cannot: a tail deleted with its head rewound, a tail rewritten past the
anchor, a whole chain deleted with its head."""

from __future__ import annotations

import asyncio
import subprocess
import uuid

import nats
import pytest
from nats.js.errors import APIError, NotFoundError
from sqlalchemy import Column, Integer, MetaData, String, Table, select, text

from duban_common import anchors, audit, provisioning
from duban_common.clock import FixedClock
from duban_common.db import Database
from duban_common.outbox import InfraTables, UnitOfWork
from duban_common.settings import ServiceSettings
from duban_tasking.bootstrap import bootstrap
from duban_tasking.config import TaskingSettings
from e2e_support import START, duban_command

pytestmark = pytest.mark.usefixtures("operator_scope")  # the test reads and seeds as the operator

md = MetaData()
infra = InfraTables(md)
things = Table("things", md, Column("id", String(40), primary_key=True), Column("n", Integer, nullable=False))


async def _change(db: Database, n: int, tenants: tuple[str, ...] = ("demo", "other")) -> None:
    async with db.transaction() as s:
        uow = UnitOfWork(s, infra, FixedClock(START), "/duban/tasking")
        await s.execute(things.insert().values(id=str(uuid.uuid4()), n=n))
        for tenant in tenants:
            await uow.emit(tenant, "duban.task.assigned.v1", {"task_id": f"task-{n}-{uuid.uuid4().hex[:6]}"})


async def _sql(db: Database, *statements: str) -> None:
    async with db.engine.begin() as conn:
        for stmt in statements:
            await conn.execute(text(stmt))


async def _rewind(db: Database, chain: str, seq: int) -> None:
    """Delete the chain's entries after ``seq`` and set its head back to the entry at ``seq``."""
    async with db.read() as s:
        kept = (
            await s.execute(
                select(audit.audit_log.c.hash).where(audit.audit_log.c.chain == chain, audit.audit_log.c.seq == seq)
            )
        ).scalar_one()
    await _sql(
        db,
        f"DELETE FROM audit_log WHERE chain = '{chain}' AND seq > {seq}",
        f"UPDATE audit_head SET seq = {seq}, hash = '{kept}' WHERE chain = '{chain}'",
    )


def _cli(url: str, nats_url: str, *extra: str) -> subprocess.CompletedProcess:
    return duban_command(
        "audit", "verify", "--service", "tasking", "--database-url", url, "--nats-url", nats_url, *extra
    )


@pytest.fixture
async def anchored(fresh_nats, tmp_path):
    """Six changes in the chains tasking:demo and tasking:other, their heads anchored."""
    nc = await nats.connect(fresh_nats.url)
    js = nc.jetstream()
    await provisioning.ensure_streams(js, ServiceSettings())
    url = f"sqlite+aiosqlite:///{tmp_path / 'tasking.db'}"
    db = Database(url)
    await db.create_all(md)
    for n in range(6):
        await _change(db, n)
    assert await anchors.anchor_once(db, js) == 2
    assert await anchors.anchor_once(db, js) == 0  # unchanged heads: dropped by the stream as duplicates
    try:
        yield db, js, url, fresh_nats.url
    finally:
        await nc.close()
        await db.dispose()


async def test_the_anchor_stream_refuses_deletes_and_purges(anchored):
    _db, js, _url, _ = anchored
    info = await js.stream_info(anchors.STREAM)
    assert info.config.deny_delete and info.config.deny_purge and info.state.messages == 2
    with pytest.raises(APIError):
        await js.delete_msg(anchors.STREAM, 1)
    with pytest.raises(APIError):
        await js.purge_stream(anchors.STREAM)
    assert (await js.stream_info(anchors.STREAM)).state.messages == 2
    assert {c: (a.seq, len(a.hash)) for c, a in (await anchors.latest(js)).items()} == {
        "tasking:demo": (6, 64),
        "tasking:other": (6, 64),
    }


async def test_a_tail_deleted_with_its_head_rewound_is_found_only_against_the_anchor(anchored):
    db, js, url, nats_url = anchored
    await _rewind(db, "tasking:demo", 4)
    assert all(r.ok for r in await audit.verify_database(db))  # the chain alone cannot tell
    reports = {r.chain: r for r in await audit.verify_database(db, anchors=await anchors.latest(js))}
    broken = reports["tasking:demo"].broken
    assert (broken.kind, broken.seq, reports["tasking:other"].ok) == ("rewound", 5, True)
    done = await asyncio.to_thread(_cli, url, nats_url)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "tasking:demo broken at seq 5: rewound: expected entries up to seq 6" in done.stdout
    assert "the last 2 entries up to the anchor are gone" in done.stdout


async def test_a_tail_rewritten_past_the_anchor_is_found(anchored):
    db, js, _url, _ = anchored
    await _rewind(db, "tasking:demo", 4)
    for n in range(3):  # written anew from the rewound head: a consistent chain of seq 1..7
        await _change(db, 100 + n, ("demo",))
    assert all(r.ok for r in await audit.verify_database(db))
    [report] = await audit.verify_database(db, tenant="demo", anchors=await anchors.latest(js))
    assert (report.broken.kind, report.broken.seq, report.entries) == ("anchor_mismatch", 6, 7)


async def test_a_chain_deleted_with_its_head_is_named(anchored):
    db, js, url, nats_url = anchored
    await _sql(
        db,
        "DELETE FROM audit_log WHERE chain = 'tasking:other'",
        "DELETE FROM audit_head WHERE chain = 'tasking:other'",
    )
    assert [r.chain for r in await audit.verify_database(db)] == [
        "tasking:demo"
    ]  # gone without a trace in the database
    done = await asyncio.to_thread(_cli, url, nats_url)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "tasking:other broken at seq 6: chain missing: expected a chain up to seq 6" in done.stdout
    assert "the whole chain was deleted with its head after it was anchored" in done.stdout
    assert "tasking:demo: 6 entries, seq 1..6, anchored up to seq 6" in done.stdout
    alone = await asyncio.to_thread(_cli, url, nats_url, "--no-anchors")
    assert alone.returncode == 0, alone.stdout  # what the database alone says


async def test_verify_without_the_anchors_says_it_could_not_check_them(anchored, tmp_path):
    _db, _js, url, _ = anchored
    done = await asyncio.to_thread(_cli, url, "nats://127.0.0.1:1")
    assert done.returncode == 2 and "anchors: cannot read DUBAN_AUDIT at nats://127.0.0.1:1" in done.stdout
    assert "audit verification incomplete" in done.stdout


async def test_a_running_service_anchors_its_heads_every_round_and_when_it_stops(fresh_nats, tmp_path):
    nc = await nats.connect(fresh_nats.url)
    js = nc.jetstream()

    async def anchored_seq(chain: str) -> int:
        try:
            found = (await anchors.latest(js)).get(chain)
        except NotFoundError:  # no stream yet
            return 0
        return found.seq if found else 0

    async def until(chain: str, seq: int) -> None:
        for _ in range(100):
            if await anchored_seq(chain) == seq:
                return
            await asyncio.sleep(0.1)
        raise AssertionError(f"{chain} not anchored at seq {seq} within 10 s (found {await anchored_seq(chain)})")

    try:
        for tenant, every_s in (("demo", 0.3), ("other", 3600)):
            rt = bootstrap(
                TaskingSettings(data_dir=tmp_path / tenant, nats_url=fresh_nats.url, audit_anchor_every_s=every_s)
            )
            await rt.start()
            try:
                for _ in range(2):
                    async with rt.unit_of_work() as uow:
                        uow.audit(tenant, "units.imported", units=1)
                if every_s < 1:
                    await until(f"tasking:{tenant}", 2)  # the next round
                else:  # a round an hour (start anchored the heads it found: none): only the stop anchors these
                    assert await anchored_seq(f"tasking:{tenant}") == 0
            finally:
                await rt.stop()
            await until(f"tasking:{tenant}", 2)
    finally:
        await nc.close()
