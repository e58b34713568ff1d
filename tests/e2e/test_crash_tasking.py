"""SIGKILL the tasking process while submissions flow: no matter lost, none doubled."""

from __future__ import annotations

import asyncio
import threading
import time

import httpx
import pytest

from e2e_support import ledger, meeting_decision, publish, wait_for

pytestmark = pytest.mark.e2e
DEFAULT_BACKENDS = [
    "postgresql"
]  # SQLite: tests/fault SIGKILLs every service, tasking included; full matrix: DUBAN_E2E_BACKENDS=sqlite,postgresql

MEETINGS = 40
DECISIONS = 3


def test_sigkill_tasking_during_flow_loses_and_doubles_nothing(system, nats_server):
    envelopes = [meeting_decision(f"md-kill-{n:03d}", decisions=DECISIONS) for n in range(MEETINGS)]

    def publisher() -> None:
        for env in envelopes:
            asyncio.run(publish(nats_server.url, [env]))
            time.sleep(0.05)

    tasking = system.services["tasking"]
    thread = threading.Thread(target=publisher)
    thread.start()
    kills = 0
    try:
        for _ in range(2):
            time.sleep(0.6)
            pid = tasking.proc.pid
            tasking.kill()  # SIGKILL: no cleanup, mid-transaction or mid-publish
            kills += 1
            assert not tasking.alive()
            tasking.start()
            tasking.wait_ready()
            assert tasking.proc.pid != pid
    finally:
        thread.join()
    assert kills == 2

    expected = MEETINGS * DECISIONS

    def assigned() -> int:
        items = ledger(system, q="md-kill-")["items"]
        return sum(1 for i in items if i["status"] == "assigned" and i["due_on"])

    wait_for(lambda: assigned() == expected, timeout_s=90, what=f"{expected} assigned matters")
    items = ledger(system, q="md-kill-")["items"]
    assert len(items) == expected
    assert len({(i["external_id"], i["decision_seq"]) for i in items}) == expected

    tasks = httpx.get(f"{system.url('tasking')}/v1/tenants/demo/tasks", params={"limit": 500}, timeout=10).json()[
        "items"
    ]
    ours = [t for t in tasks if t["title"].startswith("md-kill-")]
    assert len(ours) == expected, "every matter has exactly one task"
    assert len({t["matter_id"] for t in ours}) == expected
    assert {i["task_id"] for i in items} == {t["id"] for t in ours}, "the ledger knows exactly the tasks tasking has"
