"""The first flow with every service on its own PostgreSQL database."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest

from duban_cli.embedded import SERVICES, EmbeddedSystem, demo_units_path, load_demo_tenant
from duban_common.natsserver import NatsServer, free_port
from e2e_support import START, ledger, meeting_decision, publish, set_clock, wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]


@pytest.fixture(scope="module")
def pg_system(tmp_path_factory, pg_url):
    admin = pg_url.replace("postgresql+asyncpg://", "postgresql://")
    base, dbname = admin.rsplit("/", 1)

    async def create():
        conn = await asyncpg.connect(admin)
        try:
            for s in SERVICES:
                await conn.execute(f'CREATE DATABASE "{dbname}_{s}"')
        finally:
            await conn.close()

    async def drop():
        conn = await asyncpg.connect(admin)
        try:
            for s in SERVICES:
                await conn.execute(f'DROP DATABASE IF EXISTS "{dbname}_{s}" WITH (FORCE)')
        finally:
            await conn.close()

    asyncio.run(create())
    data = tmp_path_factory.mktemp("duban-pg")
    nats_server = NatsServer(data / "nats").start()
    system = EmbeddedSystem(data_dir=data, nats_url=nats_server.url, ports={s: free_port() for s in SERVICES}, clock="simulated",
                            extra_env={"DUBAN_DATABASE_URL": f"{pg_url}_{{service}}"})
    try:
        system.start_services()
        load_demo_tenant(system, demo_units_path())
        asyncio.run(set_clock(nats_server.url, START))
        yield system, nats_server
    finally:
        system.stop()
        nats_server.stop()
        asyncio.run(drop())


def test_first_flow_on_postgresql(pg_system):
    system, nats_server = pg_system
    env = meeting_decision("md-pg-1")
    asyncio.run(publish(nats_server.url, [env, env, env]))
    items = wait_for(lambda: (lambda m: m if len(m) == 3 and all(i["due_on"] == "2026-12-07" and i["lead_unit"] for i in m) else None)(
        [i for i in ledger(system, q="md-pg-1")["items"]]), what="three assigned matters with due dates")
    assert sorted(i["lead_unit"] for i in items) == ["fgj", "jyj", "zjj"]
    assert all(i["status"] == "assigned" and i["light"] == "green" for i in items)
