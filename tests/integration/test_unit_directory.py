"""The units directory as events: tasking publishes each change of a unit once, in the transaction
that makes it, and a service's copy (duban_common.unit_directory) keeps the newest version of each
unit whatever order or how many times the facts arrive. On SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime

import nats
import pytest
from sqlalchemy import MetaData, select

from duban_common import provisioning, tenancy
from duban_common.calendar import TZ
from duban_common.clock import FixedClock
from duban_common.contracts import events as ev
from duban_common.contracts.events import subject_of
from duban_common.db import Database
from duban_common.envelope import new_event
from duban_common.runtime import Runtime
from duban_common.settings import ServiceSettings
from duban_common.unit_directory import UnitDirectory, unit_table
from duban_escalation import rebuild as escalation_rebuild
from duban_escalation.adapters import orm as escalation_orm
from duban_escalation.config import EscalationSettings
from duban_tasking.adapters import orm
from duban_tasking.config import TaskingSettings
from duban_tasking.entrypoints import http
from duban_tasking.service_layer.units import publish_unpublished
from service_support import routes, rows

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=TZ)
OFFICE = {"X-Duban-Role": "operator"}
UNITS = [
    {"code": "zjj", "name": "县住房和城乡建设局", "type": "department", "contact": "冯静", "phone": "13800000004"},
    {"code": "zzb", "name": "县委组织部", "type": "copy_recipient"},
]


@pytest.fixture
async def tasking(tmp_path, either_db_url):
    rt = Runtime(
        TaskingSettings(data_dir=tmp_path, database_url=either_db_url),
        metadata=orm.metadata,
        tables=orm.infra,
        clock=FixedClock(NOW),
    )
    await rt.db.create_all(orm.metadata)
    yield rt
    await rt.db.dispose()


async def published(rt) -> list[tuple[str, str, int, bool]]:
    """(type, code, version, active) of the unit events in the outbox, in the order emitted."""
    found = [json.loads(row["payload"]) for row in sorted(await rows(rt, orm.infra.outbox), key=lambda row: row["seq"])]
    return [
        (e["type"], e["data"]["code"], e["data"]["version"], e["data"]["active"])
        for e in found
        if e["type"].startswith("duban.unit.")
    ]


async def test_tasking_publishes_each_change_of_a_unit_once(tasking):
    with tenancy.scoped("demo"):
        async with routes(http.router, tasking) as client:
            first = await client.put("/v1/tenants/demo/units", json=UNITS, headers=OFFICE)
            again = await client.put(
                "/v1/tenants/demo/units", json=UNITS, headers=OFFICE
            )  # unchanged: nothing to publish
            changed = await client.put(
                "/v1/tenants/demo/units", json=[{**UNITS[0], "phone": "13800000099"}], headers=OFFICE
            )
            gone = await client.post("/v1/tenants/demo/units/zzb/deactivate", headers=OFFICE)
            gone_again = await client.post("/v1/tenants/demo/units/zzb/deactivate", headers=OFFICE)
            missing = await client.post("/v1/tenants/demo/units/nosuch/deactivate", headers=OFFICE)
    assert (first.json(), again.json(), changed.json()) == (
        {"created": 2, "updated": 0},
        {"created": 0, "updated": 2},
        {"created": 0, "updated": 1},
    )
    assert (gone.status_code, gone_again.status_code, missing.status_code) == (200, 200, 404)
    assert await published(tasking) == [
        (ev.UNIT_REGISTERED, "zjj", 1, True),
        (ev.UNIT_REGISTERED, "zzb", 1, True),
        (ev.UNIT_UPDATED, "zjj", 2, True),
        (ev.UNIT_DEACTIVATED, "zzb", 2, False),
    ]
    [event] = [
        json.loads(r["payload"]) for r in await rows(tasking, orm.infra.outbox) if b"13800000099" in r["payload"]
    ]
    assert event["data"]["contact"] == "冯静" and datetime.fromisoformat(event["data"]["changed_at"]) == NOW


async def test_units_from_before_the_events_are_published_once_at_start(tasking):
    with tenancy.scoped("demo"):
        async with tasking.unit_of_work() as uow:  # as migration 0005 leaves a unit registered before: version 0
            for unit, active in ((UNITS[0], True), (UNITS[1], False)):
                await uow.session.execute(
                    orm.units.insert(), {"tenant": "demo", **unit, "active": active, "version": 0}
                )
    assert await publish_unpublished(tasking) == 2
    assert await publish_unpublished(tasking) == 0  # the next start finds none
    assert await published(tasking) == [(ev.UNIT_REGISTERED, "zjj", 1, True), (ev.UNIT_DEACTIVATED, "zzb", 1, False)]
    assert {r["code"]: r["version"] for r in await rows(tasking, orm.units)} == {"zjj": 1, "zzb": 1}


def fact(kind: type[ev.UnitFact], version: int, **changes) -> ev.UnitFact:
    return kind(**{**UNITS[0], "active": True, "version": version, "changed_at": NOW, **changes})


async def test_a_copy_keeps_the_newest_version_whatever_the_order(either_db_url):
    metadata = MetaData()
    directory = UnitDirectory(unit_table(metadata))
    db = Database(either_db_url)
    await db.create_all(metadata)
    try:
        with tenancy.scoped(tenancy.ALL):  # two tenants' facts, as the operator's rebuild applies them
            async with db.transaction() as session:
                kept = [
                    await directory.apply(session, "demo", fact(ev.UnitUpdated, 3, name="县住建局")),
                    await directory.apply(session, "demo", fact(ev.UnitRegistered, 1)),  # older, late: ignored
                    await directory.apply(session, "demo", fact(ev.UnitUpdated, 3, name="县住建局")),  # redelivered
                    await directory.apply(session, "demo", fact(ev.UnitDeactivated, 4, name="县住建局", active=False)),
                    await directory.apply(session, "other", fact(ev.UnitRegistered, 1)),
                ]
            async with db.read() as session:
                names, lookup = await directory.names(session, "demo"), await directory.lookup(session, "demo")
                other = await directory.lookup(session, "other")
        assert kept == [True, False, False, True, True]
        assert names == {"zjj": "县住建局"} and lookup == {}  # named in what people read; not a unit to assign to
        assert other == {"zjj": "zjj", "县住房和城乡建设局": "zjj"}
    finally:
        await db.dispose()


async def _publish_unit_events(url: str, facts: list[tuple[str, str, ev.UnitFact]]) -> None:
    nc = await nats.connect(url)
    try:
        js = nc.jetstream()
        await provisioning.ensure_streams(js, ServiceSettings())
        for tenant, event_type, data in facts:
            envelope = new_event(
                tenant=tenant, type=event_type, source="/duban/tasking", data=data.model_dump(mode="json"), time=NOW
            )
            await js.publish(
                subject_of(tenant, event_type, {}), envelope.to_bytes(), headers={"Nats-Msg-Id": envelope.id}
            )
    finally:
        await nc.close()


def test_duban_rebuild_escalation_makes_its_units_directory_again_from_the_events(tmp_path, fresh_nats):
    asyncio.run(
        _publish_unit_events(
            fresh_nats.url,
            [
                ("demo", ev.UNIT_REGISTERED, fact(ev.UnitRegistered, 1)),
                ("demo", ev.UNIT_UPDATED, fact(ev.UnitUpdated, 2, phone="13800000099")),
                (
                    "demo",
                    ev.UNIT_REGISTERED,
                    fact(ev.UnitRegistered, 1, code="zzb", name="县委组织部", type="copy_recipient"),
                ),
                ("other", ev.UNIT_DEACTIVATED, fact(ev.UnitDeactivated, 3, active=False)),
            ],
        )
    )
    said: list[str] = []
    assert (
        escalation_rebuild.run(check=True, nats_url=fresh_nats.url, data_dir=tmp_path, out=said.append) == 1
    )  # empty table
    assert "  demo/zjj: only in the events" in said and said[-1].endswith("(3 differences)")
    assert escalation_rebuild.run(nats_url=fresh_nats.url, data_dir=tmp_path, out=said.append) == 0
    assert escalation_rebuild.run(check=True, nats_url=fresh_nats.url, data_dir=tmp_path, out=said.append) == 0

    async def copy() -> dict:
        db = Database(EscalationSettings(data_dir=tmp_path).db_url())
        try:
            with tenancy.scoped(tenancy.ALL):
                async with db.read() as session:
                    rows_ = (await session.execute(select(escalation_orm.units))).mappings()
                    return {
                        (row["tenant"], row["code"]): (row["version"], row["phone"], row["active"]) for row in rows_
                    }
        finally:
            await db.dispose()

    assert asyncio.run(copy()) == {
        ("demo", "zjj"): (2, "13800000099", True),
        ("demo", "zzb"): (1, "13800000004", True),
        ("other", "zjj"): (3, "13800000004", False),
    }
