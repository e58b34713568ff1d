"""The e2e fixture: what `duban up` runs, against the session's NATS server."""

from __future__ import annotations

import asyncio

import pytest

from duban_cli.embedded import SERVICES, EmbeddedSystem, demo_units_path, load_demo_tenant
from duban_common.natsserver import free_port
from e2e_support import START, set_clock


@pytest.fixture(scope="module")
def system(tmp_path_factory, nats_server):
    data = tmp_path_factory.mktemp("duban-e2e")
    sys_ = EmbeddedSystem(data_dir=data, nats_url=nats_server.url, ports={s: free_port() for s in SERVICES}, clock="simulated")
    try:
        sys_.start_services()
        load_demo_tenant(sys_, demo_units_path())
        asyncio.run(set_clock(nats_server.url, START))
        yield sys_
    finally:
        sys_.stop()
        for name, sp in sys_.services.items():
            print(f"--- last lines of {name} log ---")
            print("\n".join(sp.log_path.read_text(errors="replace").splitlines()[-15:]))


