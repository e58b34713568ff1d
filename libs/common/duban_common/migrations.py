"""Schema migrations with Alembic, one history per service (docs/decisions/0012-migrations.md).

Every service keeps its revisions in ``duban_<service>/migrations/versions``; the
environment script is shared (``duban_common/alembic``). Each service has its own version
table (``alembic_version_<service>``) so that services sharing one PostgreSQL database do
not step on each other.

- ``python -m duban_<service> migrate`` upgrades to head and exits (the Kubernetes Job, the
  compose one-shot service);
- at start a service upgrades itself when ``DUBAN_MIGRATE_ON_START`` is true (the embedded
  run and the tests), otherwise it refuses to start on a database that is not at head.
- ``python -m duban_common.migrations revision <service> -m "..."`` writes a new revision
  by comparing the service's tables with a database at head (autogenerate).
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import tempfile
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import MetaData, text
from sqlalchemy.engine import Connection

from . import tenancy
from .db import Database
from .logging import get_logger

log = get_logger(__name__)

# Replicas (and their migration Jobs) starting together take turns on one advisory lock.
_PG_LOCK = 7420155


def compared(dialect: str, metadata: MetaData):
    """Alembic's ``include_object``: which schema objects the histories own on ``dialect``.

    An index declared for one database only (``Index(...).ddl_if(dialect="postgresql")``, e.g. a
    trigram index) is not expected on the other; tables that DDL statements create (their name prefixes in
    ``metadata.info["ddl_tables"]``, e.g. SQLite's FTS5 tables) are not declared."""
    undeclared = tuple(metadata.info.get("ddl_tables", ()))

    def include(obj, name, type_, _reflected, _compare_to) -> bool:
        if type_ == "table":
            return not name.startswith(undeclared)
        if type_ == "index":
            only = getattr(obj, "_ddl_if", None)
            return not obj.table.name.startswith(undeclared) and (only is None or only.dialect in (None, dialect))
        return True

    return include


class SchemaNotCurrent(RuntimeError):
    """The database is behind (or ahead of) the code: run ``python -m duban_<service> migrate``."""


def versions_dir(service: str) -> Path:
    package = importlib.import_module(f"duban_{service}")
    return Path(str(package.__file__)).parent / "migrations" / "versions"


def alembic_config(service: str, metadata: MetaData) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(Path(__file__).parent / "alembic"))
    cfg.set_main_option("version_locations", str(versions_dir(service)))
    cfg.set_main_option("path_separator", "os")
    cfg.attributes["metadata"] = metadata
    cfg.attributes["version_table"] = f"alembic_version_{service}"
    return cfg


def head(service: str, metadata: MetaData) -> str | None:
    return ScriptDirectory.from_config(alembic_config(service, metadata)).get_current_head()


def current(connection: Connection, service: str) -> str | None:
    return MigrationContext.configure(
        connection, opts={"version_table": f"alembic_version_{service}"}
    ).get_current_revision()


async def upgrade(db: Database, service: str, metadata: MetaData) -> None:
    """Bring the database to head (idempotent; concurrent callers take turns on PostgreSQL)."""
    cfg = alembic_config(service, metadata)

    def run(connection: Connection) -> None:
        cfg.attributes["connection"] = connection
        before = current(connection, service)
        command.upgrade(cfg, "head")
        after = current(connection, service)
        if before != after:
            log.info("database migrated", service=service, before=before, after=after)

    async with db.engine.begin() as conn:
        if not db.is_sqlite:
            await conn.execute(text(f"SELECT pg_advisory_xact_lock({_PG_LOCK})"))
        await conn.run_sync(tenancy.enter_connection, tenancy.ALL)  # a data migration spans tenants
        await conn.run_sync(run)
    if not db.is_sqlite:
        async with db.engine.begin() as conn:
            await conn.execute(text(f"SELECT pg_advisory_xact_lock({_PG_LOCK})"))
            await conn.run_sync(tenancy.enforce_row_level_security, tenancy.tenant_tables(metadata))


async def check_current(db: Database, service: str, metadata: MetaData) -> None:
    want = head(service, metadata)
    async with db.engine.connect() as conn:
        have = await conn.run_sync(lambda c: current(c, service))
    if have != want:
        raise SchemaNotCurrent(
            f"the {service} database is at revision {have!r}, the code needs {want!r}: "
            f"run `python -m duban_{service} migrate` first"
        )


async def prepare(db: Database, service: str, metadata: MetaData, *, migrate: bool) -> None:
    """What a service does with its schema at start: upgrade it, or check that it is at head."""
    if migrate:
        await upgrade(db, service, metadata)
    else:
        await check_current(db, service, metadata)


def _metadata_of(service: str) -> MetaData:
    return importlib.import_module(f"duban_{service}.adapters.orm").metadata


async def _revision(service: str, message: str) -> None:
    """Autogenerate a revision against a scratch SQLite database at head."""
    metadata = _metadata_of(service)
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(f"sqlite+aiosqlite:///{tmp}/scratch.db")
        try:
            await upgrade(db, service, metadata)
            cfg = alembic_config(service, metadata)

            def run(connection: Connection) -> None:
                cfg.attributes["connection"] = connection
                number = len(list(versions_dir(service).glob("*.py"))) + 1
                command.revision(cfg, message=message, autogenerate=True, rev_id=f"{number:04d}")

            async with db.engine.begin() as conn:
                await conn.run_sync(run)
        finally:
            await db.dispose()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m duban_common.migrations")
    sub = parser.add_subparsers(dest="cmd", required=True)
    rev = sub.add_parser("revision", help="write a new revision for a service by autogenerate")
    rev.add_argument("service")
    rev.add_argument("-m", "--message", required=True)
    args = parser.parse_args(argv)
    if args.cmd == "revision":
        versions_dir(args.service).mkdir(parents=True, exist_ok=True)
        asyncio.run(_revision(args.service, args.message))


if __name__ == "__main__":
    main()
