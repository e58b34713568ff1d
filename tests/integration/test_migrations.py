"""Each service's Alembic history builds exactly the tables its code declares, on SQLite and
PostgreSQL; a service refuses a database that is not at head; `migrate` is a command."""

from __future__ import annotations

import asyncio
import importlib
import os
import subprocess
import sys

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, select, text

from duban_common import audit, migrations, tenancy
from duban_common.db import Database
from duban_common.testing.postgres import TemporaryDatabases

SERVICES = ["intake", "tasking", "deadline", "escalation", "reporting"]


def _metadata(service: str):
    return importlib.import_module(f"duban_{service}.adapters.orm").metadata


def _drift(connection, service: str) -> list:
    context = MigrationContext.configure(
        connection,
        opts={
            "compare_type": True,
            "compare_server_default": True,
            "version_table": f"alembic_version_{service}",
            "include_object": migrations.compared(connection.dialect.name, _metadata(service)),
        },
    )
    return compare_metadata(context, _metadata(service))


async def _check_service(url: str, service: str) -> None:
    db = Database(url)
    try:
        await migrations.upgrade(db, service, _metadata(service))
        await migrations.upgrade(db, service, _metadata(service))  # idempotent
        async with db.engine.connect() as conn:
            assert await conn.run_sync(lambda c: _drift(c, service)) == [], (
                f"{service}: tables differ from the migrations"
            )
            assert await conn.run_sync(lambda c: migrations.current(c, service)) == migrations.head(
                service, _metadata(service)
            )
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


def _before_audit_revision(service: str) -> str:
    """The revision just before the one that brought the audit tables into the history."""
    script = ScriptDirectory.from_config(migrations.alembic_config(service, _metadata(service)))
    [found] = [revision for revision in script.walk_revisions() if revision.path.endswith("_audit_tables.py")]
    return found.down_revision


async def _migrated_before_audit_revision(url: str, service: str) -> Database:
    """A database as the releases before the audit revision left it: the history up to the
    revision before, and the audit tables made beside it (at start) holding an entry."""
    db = Database(url)
    cfg = migrations.alembic_config(service, _metadata(service))

    def run(connection) -> None:
        tenancy.enter_connection(connection, tenancy.ALL)
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, _before_audit_revision(service))
        audit.metadata.create_all(connection)  # the side path the releases before took
        connection.execute(audit.audit_head.insert().values(chain=f"{service}:demo", seq=1, hash="a" * 64))

    async with db.engine.begin() as conn:
        await conn.run_sync(run)
    return db


async def _upgrade_keeps_the_audit_tables(url: str, service: str) -> None:
    db = await _migrated_before_audit_revision(url, service)
    try:
        await migrations.upgrade(db, service, _metadata(service))
        async with db.engine.connect() as conn:
            await conn.run_sync(tenancy.enter_connection, tenancy.ALL)
            assert (await conn.execute(select(audit.audit_head.c.seq))).scalars().all() == [1]
            assert await conn.run_sync(lambda c: _drift(c, service)) == []
            assert await conn.run_sync(lambda c: migrations.current(c, service)) == migrations.head(
                service, _metadata(service)
            )
    finally:
        await db.dispose()


@pytest.mark.parametrize("service", SERVICES)
def test_a_database_with_the_audit_tables_made_at_start_upgrades_and_keeps_them(service, tmp_path):
    asyncio.run(_upgrade_keeps_the_audit_tables(f"sqlite+aiosqlite:///{tmp_path}/{service}.db", service))


@pytest.mark.postgres
def test_a_postgresql_database_with_the_audit_tables_made_at_start_upgrades_and_keeps_them(service_on_pg):
    service, url = service_on_pg
    asyncio.run(_upgrade_keeps_the_audit_tables(url, service))


def test_audit_tables_of_another_shape_stop_the_upgrade(tmp_path):
    async def check() -> None:
        db = Database(f"sqlite+aiosqlite:///{tmp_path}/odd.db")
        try:
            async with db.engine.begin() as conn:
                await conn.execute(text("CREATE TABLE audit_head (chain VARCHAR(160) PRIMARY KEY, seq BIGINT)"))
            with pytest.raises(RuntimeError, match=r"audit_head exists with columns \['chain', 'seq'\]"):
                await migrations.upgrade(db, "deadline", _metadata("deadline"))
            async with db.engine.connect() as conn:
                assert await conn.run_sync(lambda c: migrations.current(c, "deadline")) is None  # nothing applied
        finally:
            await db.dispose()

    asyncio.run(check())


def test_a_service_refuses_a_database_that_is_not_at_head(tmp_path):
    async def check() -> None:
        db = Database(f"sqlite+aiosqlite:///{tmp_path}/empty.db")
        try:
            with pytest.raises(
                migrations.SchemaNotCurrent, match=r"at revision None.*python -m duban_deadline migrate"
            ):
                await migrations.prepare(db, "deadline", _metadata("deadline"), migrate=False)
            async with db.engine.connect() as conn:
                assert await conn.run_sync(lambda c: inspect(c).get_table_names()) == []  # nothing created
        finally:
            await db.dispose()

    asyncio.run(check())


def test_migrate_command_upgrades_and_exits(tmp_path):
    env = os.environ | {"DUBAN_DATA_DIR": str(tmp_path), "DUBAN_SERVICE": "escalation"}
    env.pop("DUBAN_DATABASE_URL", None)
    done = subprocess.run(
        [sys.executable, "-m", "duban_escalation", "migrate"], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr

    async def check() -> None:
        db = Database(f"sqlite+aiosqlite:///{tmp_path}/escalation.db")
        try:
            await migrations.check_current(db, "escalation", _metadata("escalation"))
        finally:
            await db.dispose()

    asyncio.run(check())
