"""The e2e fixture: what `duban up` runs, against the session's NATS server, on SQLite (the
embedded default) and on PostgreSQL (production: one database per service).

Every test module that uses ``system`` runs once per backend. A module whose subject is a
backend's own files says so with ``BACKENDS = ["sqlite"]``. A module whose subject does not
depend on the database (an admin flow, a page, a file format) runs on SQLite only by default,
said with ``DEFAULT_BACKENDS = ["sqlite"]``: the default run (CI) keeps PostgreSQL for the
flows where the backend matters (concurrency, crashes, numbering, documents) and stays within
its time budget. ``DUBAN_E2E_BACKENDS=sqlite,postgresql`` runs every module on every backend
it supports (the full matrix); ``DUBAN_E2E_BACKENDS=sqlite`` narrows a local run.
"""

from __future__ import annotations

import os

import pytest

from duban_cli.embedded import APPS, SERVICES
from duban_common.natsserver import free_port
from duban_common.testing.plugin import start_test_nats
from duban_common.testing.postgres import TemporaryDatabases
from e2e_support import demo_system

ALL_BACKENDS = ["sqlite", "postgresql"]


def pytest_generate_tests(metafunc):
    if "system" in metafunc.fixturenames:
        supported = getattr(metafunc.module, "BACKENDS", ALL_BACKENDS)
        chosen = os.environ.get("DUBAN_E2E_BACKENDS")
        wanted = chosen.split(",") if chosen else getattr(metafunc.module, "DEFAULT_BACKENDS", ALL_BACKENDS)
        backends = [b for b in supported if b in wanted]
        metafunc.parametrize("backend", backends, indirect=True, scope="module")


@pytest.fixture(scope="module")
def backend(request) -> str:
    return getattr(request, "param", "sqlite")


@pytest.fixture(scope="module")
def nats_server(backend, tmp_path_factory):
    """A JetStream server per module and backend: the same scenario runs on both backends
    with the same event ids, which one server would take for duplicates."""
    server = start_test_nats(tmp_path_factory)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def system(request, backend, tmp_path_factory, nats_server):
    data = tmp_path_factory.mktemp(f"duban-e2e-{backend}")
    extra_env: dict[str, str] = {}
    databases = None
    if backend == "postgresql":  # one database per service, as in production
        databases = TemporaryDatabases(request.getfixturevalue("pg_url"), SERVICES, tag="e2e").__enter__()
        extra_env["DUBAN_DATABASE_URL"] = databases.template
    try:
        with demo_system(
            data, nats_server.url, {s: free_port() for s in APPS}, extra_env=extra_env, log_lines=15
        ) as sys_:
            sys_.backend = backend
            yield sys_
    finally:
        if databases is not None:
            databases.__exit__(None, None, None)
