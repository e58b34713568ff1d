"""Each service's Alembic history builds exactly the tables its code declares, on SQLite and
PostgreSQL; a service refuses a database that is not at head; `migrate` is a command."""

from __future__ import annotations

import asyncio
import importlib
import os
import subprocess
import sys

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from duban_common import migrations
from duban_common.db import Database
from duban_common.testing.postgres import TemporaryDatabases

SERVICES = ["intake", "tasking", "deadline", "escalation", "reporting"]


def _metadata(service: str):
    return importlib.import_module(f"duban_{service}.adapters.orm").metadata


def _drift(connection, service: str) -> list:
    context = MigrationContext.configure(connection, opts={"compare_type": True, "compare_server_default": True,
                                                              "version_table": f"alembic_version_{service}",
                                                              "include_object": migrations.compared(connection.dialect.name, _metadata(service))})
    return compare_metadata(context, _metadata(service))


async def _check_service(url: str, service: str) -> None:
    db = Database(url)
    try:
        await migrations.upgrade(db, service, _metadata(service))
        await migrations.upgrade(db, service, _metadata(service))  # idempotent
        async with db.engine.connect() as conn:
            assert await conn.run_sync(lambda c: _drift(c, service)) == [], f"{service}: tables differ from the migrations"
            assert await conn.run_sync(lambda c: migrations.current(c, service)) == migrations.head(service, _metadata(service))
            tables = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
        assert {t.name for t in _metadata(service).sorted_tables} <= tables
        await migrations.check_current(db, service, _metadata(service))  # at head: no error
    finally:
        await db.dispose()


@pytest.mark.parametrize("service", SERVICES)
def test_migrations_match_the_code_on_sqlite(service, tmp_path):
    asyncio.run(_check_service(f"sqlite+aiosqlite:///{tmp_path}/{service}.db", service))


@pytest.fixture(params=SERVICES)
def service_on_pg(request, pg_url):
    """(service, a fresh PostgreSQL database of its own): DESIGN.md §8, one database per service."""
    with TemporaryDatabases(pg_url, [request.param], tag="mig") as dbs:
        yield request.param, dbs.url()


@pytest.mark.postgres
def test_migrations_match_the_code_on_postgresql(service_on_pg):
    service, url = service_on_pg
    asyncio.run(_check_service(url, service))


@pytest.mark.postgres
def test_concurrent_migrations_take_turns(service_on_pg):
    """Replicas (or migration Jobs) starting together: one migrates, the others find it done."""
    service, url = service_on_pg

    async def race() -> None:
        dbs = [Database(url) for _ in range(4)]
        try:
            await asyncio.gather(*(migrations.upgrade(db, service, _metadata(service)) for db in dbs))
        finally:
            for db in dbs:
                await db.dispose()
        await _check_service(url, service)

    asyncio.run(race())


def test_a_service_refuses_a_database_that_is_not_at_head(tmp_path):
    async def check() -> None:
        db = Database(f"sqlite+aiosqlite:///{tmp_path}/empty.db")
        try:
            with pytest.raises(migrations.SchemaNotCurrent, match=r"at revision None.*python -m duban_deadline migrate"):
                await migrations.prepare(db, "deadline", _metadata("deadline"), migrate=False)
            async with db.engine.connect() as conn:
                assert await conn.run_sync(lambda c: inspect(c).get_table_names()) == []  # nothing created
        finally:
            await db.dispose()

    asyncio.run(check())


def test_migrate_command_upgrades_and_exits(tmp_path):
    env = os.environ | {"DUBAN_DATA_DIR": str(tmp_path), "DUBAN_SERVICE": "escalation"}
    env.pop("DUBAN_DATABASE_URL", None)
    done = subprocess.run([sys.executable, "-m", "duban_escalation", "migrate"], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr

    async def check() -> None:
        db = Database(f"sqlite+aiosqlite:///{tmp_path}/escalation.db")
        try:
            await migrations.check_current(db, "escalation", _metadata("escalation"))
        finally:
            await db.dispose()

    asyncio.run(check())
