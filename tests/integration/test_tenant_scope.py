"""Tenant isolation in the data layer (tenancy.py): the scope every statement is held
to, on SQLite and PostgreSQL, and row-level security on PostgreSQL as a second wall that holds
even for SQL written by hand, for the services' own (non-superuser) database role."""

from __future__ import annotations

import asyncio
import importlib
import uuid
from datetime import date, datetime, timezone

import asyncpg
import pytest
from sqlalchemy import delete, func, select, update

from duban_common import migrations, tenancy
from duban_common.db import Database
from duban_common.testing import postgres

SERVICES = ["intake", "tasking", "deadline", "escalation", "reporting"]
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)


def _metadata(service: str):
    return importlib.import_module(f"duban_{service}.adapters.orm").metadata


async def _seed_holidays(db: Database) -> None:
    from duban_deadline.adapters.orm import local_holidays

    for tenant in ("east", "west"):
        with tenancy.scoped(tenant):
            async with db.transaction() as s:
                await s.execute(
                    local_holidays.insert(),
                    [dict(tenant=tenant, day=date(2026, 12, d), name=f"{tenant}-{d}", added_at=NOW) for d in (1, 2, 3)],
                )


def test_every_statement_is_held_to_the_scope_it_runs_in(either_db_url):
    """Queries written without any tenant condition still see, change and delete one tenant's
    rows only; with no scope nothing is visible; a row of another tenant is refused."""
    from duban_deadline.adapters.orm import deadlines, local_holidays

    async def run() -> None:
        db = Database(either_db_url)
        try:
            await migrations.upgrade(db, "deadline", _metadata("deadline"))
            await _seed_holidays(db)
            h = local_holidays.c
            with tenancy.scoped("east"):
                async with db.read() as s:
                    assert sorted((await s.execute(select(h.name))).scalars()) == ["east-1", "east-2", "east-3"]
                    assert (
                        await s.execute(select(func.count()).select_from(select(local_holidays).subquery()))
                    ).scalar() == 3
                    # a join and a subquery: each table among the FROMs is held, not only the first
                    other = local_holidays.alias("other")
                    pairs = (await s.execute(select(h.name, other.c.name).join(other, other.c.day == h.day))).all()
                    assert {(a[:4], b[:4]) for a, b in pairs} == {("east", "east")}
                    # the optional side of an outer join: a row with nothing joined stays
                    lonely = select(h.name, other.c.name).outerjoin(
                        other, (other.c.day == h.day) & (other.c.name == "none")
                    )
                    assert sorted((await s.execute(lonely)).all()) == [
                        ("east-1", None),
                        ("east-2", None),
                        ("east-3", None),
                    ]
                    nested = select(h.day).where(h.name.in_(select(other.c.name).where(other.c.name.like("west%"))))
                    assert (await s.execute(nested)).all() == []
                    await s.rollback()
                    # a second transaction of the same session keeps the scope (PostgreSQL forgets set_config at its end)
                    assert (await s.execute(select(func.count()).select_from(local_holidays))).scalar() == 3
                async with db.transaction() as s:
                    assert (await s.execute(update(local_holidays).values(name="changed"))).rowcount == 3
                    assert (await s.execute(delete(local_holidays).where(h.day == date(2026, 12, 1)))).rowcount == 1
                for statement, params in [
                    (
                        local_holidays.insert().values(tenant="west", day=date(2026, 12, 9), name="x", added_at=NOW),
                        None,
                    ),
                    (local_holidays.insert(), [dict(tenant="west", day=date(2026, 12, 9), name="x", added_at=NOW)]),
                ]:
                    with pytest.raises(tenancy.TenantScopeError, match="tenant 'west' in the scope of 'east'"):
                        async with db.transaction() as s:
                            await s.execute(statement, params)
            async with db.read() as s:  # no scope: nothing
                assert (await s.execute(select(func.count()).select_from(local_holidays))).scalar() == 0
                assert (await s.execute(select(deadlines.c.task_id))).all() == []
            with tenancy.scoped(tenancy.ALL):
                async with db.read() as s:
                    rows = sorted((await s.execute(select(h.tenant, h.name))).all())
            assert rows == [
                ("east", "changed"),
                ("east", "changed"),
                ("west", "west-1"),
                ("west", "west-2"),
                ("west", "west-3"),
            ]
        finally:
            await db.dispose()

    asyncio.run(run())


class ServiceRole:
    """A login role that is not a superuser, and databases it owns, as the services' role is
    in production (a superuser bypasses row-level security)."""

    def __init__(self, pg_url: str) -> None:
        self.admin = pg_url.replace("postgresql+asyncpg://", "postgresql://")
        self.host = self.admin.split("://", 1)[1].split("@", 1)[-1].rsplit("/", 1)[0]
        self.role = f"duban_svc_{uuid.uuid4().hex[:8]}"
        self.databases: list[str] = []

    async def _admin(self, *statements: str) -> None:
        await postgres.execute(self.admin, *statements)

    async def create(self) -> None:
        await self._admin(f'CREATE ROLE "{self.role}" LOGIN NOSUPERUSER NOBYPASSRLS')

    async def database(self, service: str) -> str:
        name = f"{self.role}_{service}"
        await self._admin(f'CREATE DATABASE "{name}" OWNER "{self.role}"')
        self.databases.append(name)
        return f"postgresql://{self.role}@{self.host}/{name}"

    async def drop(self) -> None:
        await self._admin(
            *(f'DROP DATABASE IF EXISTS "{n}" WITH (FORCE)' for n in self.databases),
            f'DROP ROLE IF EXISTS "{self.role}"',
        )


async def _migrate(url: str, service: str) -> None:
    db = Database(url.replace("postgresql://", "postgresql+asyncpg://", 1))
    try:
        await migrations.upgrade(db, service, _metadata(service))
    finally:
        await db.dispose()


async def _policies(url: str) -> dict[str, tuple[bool, bool, str | None]]:
    conn = await asyncpg.connect(url)
    try:
        rows = await conn.fetch("""
            SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity, p.qual
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            LEFT JOIN pg_policies p ON p.tablename = c.relname AND p.schemaname = n.nspname
            WHERE n.nspname = 'public' AND c.relkind = 'r'""")
        assert (
            await conn.fetchval("SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user") is False
        )
    finally:
        await conn.close()
    return {r["relname"]: (r["relrowsecurity"], r["relforcerowsecurity"], r["qual"]) for r in rows}


@pytest.mark.postgres
def test_row_level_security_holds_hand_written_sql_of_the_services_role(pg_admin_url):
    """Every table with a tenant column in every service gets a forced policy at migration;
    then, through raw SQL (no SQLAlchemy, no compile hook) as the owning role: a tenant's scope
    reads, changes and deletes only its rows and cannot write another tenant's; no scope sees
    nothing; the role cannot make itself a superuser or BYPASSRLS. It is no wall against a holder
    of the role's credentials, who may say `*` or, as owner, lift the policy (decision 0015)."""
    role = ServiceRole(pg_admin_url)

    async def run() -> None:
        await role.create()
        urls = {}
        for service in SERVICES:
            urls[service] = await role.database(service)
            await _migrate(urls[service], service)
            policies = await _policies(urls[service])
            tenant_tables = {t.name for t in tenancy.tenant_tables(_metadata(service))} | {"audit_log"}
            for name in tenant_tables:
                enabled, forced, qual = policies[name]
                assert enabled and forced and "duban.tenant" in (qual or ""), f"{service}.{name}: {policies[name]}"
            assert not any(policies[n][0] for n in set(policies) - tenant_tables), (
                f"{service}: a table without a tenant has a policy"
            )

        conn = await asyncpg.connect(urls["deadline"])
        try:
            async with conn.transaction():
                await conn.execute("SELECT set_config('duban.tenant', '*', true)")
                for tenant in ("east", "west"):
                    await conn.executemany(
                        "INSERT INTO local_holidays (tenant, day, name, added_at) VALUES ($1, $2, $3, $4)",
                        [(tenant, date(2026, 12, d), f"{tenant}-{d}", NOW) for d in (1, 2)],
                    )
            async with conn.transaction():
                await conn.execute("SELECT set_config('duban.tenant', 'east', true)")
                assert sorted(r["name"] for r in await conn.fetch("SELECT name FROM local_holidays")) == [
                    "east-1",
                    "east-2",
                ]
                assert await conn.execute("UPDATE local_holidays SET name = 'x'") == "UPDATE 2"
                assert await conn.execute("DELETE FROM local_holidays WHERE name LIKE 'west%'") == "DELETE 0"
            for evil in (
                "INSERT INTO local_holidays VALUES ('west', '2026-12-09', 'evil', now())",
                "UPDATE local_holidays SET tenant = 'west'",
            ):
                with pytest.raises(asyncpg.InsufficientPrivilegeError, match="row-level security"):
                    async with conn.transaction():
                        await conn.execute("SELECT set_config('duban.tenant', 'east', true)")
                        await conn.execute(evil)
            async with conn.transaction():  # no scope set: nothing
                assert await conn.fetchval("SELECT count(*) FROM local_holidays") == 0
            async with conn.transaction():
                await conn.execute("SELECT set_config('duban.tenant', '*', true)")
                rows = sorted(tuple(r) for r in await conn.fetch("SELECT tenant, name FROM local_holidays"))
            assert rows == [("east", "x"), ("east", "x"), ("west", "west-1"), ("west", "west-2")]
            with pytest.raises(asyncpg.InsufficientPrivilegeError):
                await conn.execute(f'ALTER ROLE "{role.role}" BYPASSRLS')
            with pytest.raises(asyncpg.InsufficientPrivilegeError):
                await conn.execute("SET ROLE postgres")
            # What decision 0015 says the wall does NOT stop: anyone with this role's credentials
            # may set the scope to every tenant (above: all four rows), and as the tables' owner
            # may even lift the policy. Rolled back here.
            tx = conn.transaction()
            await tx.start()
            await conn.execute("ALTER TABLE local_holidays NO FORCE ROW LEVEL SECURITY")
            await conn.execute("ALTER TABLE local_holidays DISABLE ROW LEVEL SECURITY")
            assert (
                await conn.fetchval("SELECT count(*) FROM local_holidays") == 4
            )  # no scope set, and still every tenant
            await tx.rollback()
            async with conn.transaction():
                assert await conn.fetchval("SELECT count(*) FROM local_holidays") == 0
        finally:
            await conn.close()

    try:
        asyncio.run(run())
    finally:
        asyncio.run(role.drop())


@pytest.mark.postgres
def test_a_second_start_leaves_policies_in_place_without_locking_the_tables(pg_url):
    """enforce_row_level_security runs at every start; when the policies are already the code's
    it alters nothing (ALTER TABLE's exclusive lock deadlocked a replica starting beside another
    one that was reading two tables in one transaction)."""
    from sqlalchemy import event

    from duban_common.testing.postgres import TemporaryDatabases

    async def run(url: str) -> tuple[list[str], list[str]]:
        db = Database(url)
        seen: dict[str, list[str]] = {"first": [], "second": []}
        try:
            for run_ in ("first", "second"):

                def record(_conn, _cursor, statement, *_a, _run=run_):
                    seen[_run].append(statement)

                event.listen(db.engine.sync_engine, "before_cursor_execute", record)
                await migrations.upgrade(db, "deadline", _metadata("deadline"))
                event.remove(db.engine.sync_engine, "before_cursor_execute", record)
        finally:
            await db.dispose()
        ddl = lambda run_: [s for s in seen[run_] if s.startswith(("ALTER TABLE", "CREATE POLICY", "DROP POLICY"))]  # noqa: E731
        return ddl("first"), ddl("second")

    with TemporaryDatabases(pg_url, tag="rls") as dbs:
        first, second = asyncio.run(run(dbs.url()))
    assert any(s.startswith("CREATE POLICY") for s in first)
    assert second == []
