"""Every route of every running service, tried without a token, with another tenant's token
and with roles it is not open to: refused, nothing read, nothing changed. A unit handler
sees its own unit's tasks only."""

from __future__ import annotations

import asyncio
import re

import httpx
import pytest

from duban_cli.embedded import SERVICES
from e2e_support import ledger, meeting_decision, publish, wait_for

pytestmark = pytest.mark.e2e
BACKENDS = ["sqlite"]  # access control sits in front of the database: one backend suffices
NO_TOKEN = {"X-Test-No-Token": "1"}


def _routes(system, service: str) -> list[tuple[str, str]]:
    spec = httpx.get(f"{system.url(service)}/openapi.json", timeout=10).json()
    return [(method.upper(), path) for path, ops in spec["paths"].items() if path.startswith("/v1/") for method in ops]


def _concrete(path: str, tenant: str, ids: dict[str, str]) -> str:
    path = path.replace("{tenant}", tenant).replace("{slug}", tenant)
    return re.sub(r"\{(\w+)\}", lambda m: ids.get(m.group(1), "00000000-0000-0000-0000-000000000000"), path)


def _call(system, service: str, method: str, path: str, headers: dict) -> httpx.Response:
    body = {} if method in ("POST", "PUT") else None
    return httpx.request(method, f"{system.url(service)}{path}", json=body, headers=headers, timeout=20)


@pytest.fixture(scope="module")
def seeded(system, nats_server):
    asyncio.run(publish(nats_server.url, [meeting_decision("acl-1", decisions=2)]))
    rows = wait_for(lambda: (lambda r: r if len(r) == 2 and all(i["lead_unit"] and i["due_on"] for i in r) else None)(
        ledger(system, q="acl-1")["items"]), what="two assigned matters")
    return {"task_id": rows[0]["task_id"], "matter_id": rows[0]["matter_id"], "code": rows[0]["lead_unit"]}, rows


def test_every_route_refuses_a_caller_without_a_token(system, seeded):
    ids, _ = seeded
    tried = 0
    for service in SERVICES:
        for method, template in _routes(system, service):
            r = _call(system, service, method, _concrete(template, "demo", ids), NO_TOKEN)
            assert r.status_code == 401, (service, method, template, r.status_code, r.text[:200])
            tried += 1
    assert tried >= 60  # every service's routes were found and tried


def test_another_tenants_token_reads_and_changes_nothing(system, seeded):
    """A supervision office of county B, with guessed and real ids of county A's resources."""
    ids, rows = seeded
    before = ledger(system)["total"], httpx.get(f"{system.url('tasking')}/v1/tenants/demo/tasks", timeout=10).json()["total"]
    intruder = {"Authorization": f"Bearer {system.token('supervision_office', tenant='countyb')}"}
    tried = 0
    for service in SERVICES:
        for method, template in _routes(system, service):
            if "{tenant}" not in template:
                continue
            r = _call(system, service, method, _concrete(template, "demo", ids), intruder)
            assert r.status_code == 403, (service, method, template, r.status_code, r.text[:200])
            assert "countyb" in r.json()["detail"] and "demo" in r.json()["detail"]
            tried += 1
    assert tried >= 55
    after = ledger(system)["total"], httpx.get(f"{system.url('tasking')}/v1/tenants/demo/tasks", timeout=10).json()["total"]
    assert after == before  # nothing changed


def test_the_admin_api_is_for_operators_only(system):
    for role in ("supervision_office", "leader", "integrator", "discipline"):
        headers = {"Authorization": f"Bearer {system.token(role)}"}
        for method, template in _routes(system, "intake"):
            if template.startswith("/v1/admin"):
                r = _call(system, "intake", method, _concrete(template, "demo", {}), headers)
                assert r.status_code == 403, (role, method, template, r.text)


def test_roles_are_held_to_their_routes(system, seeded):
    ids, _ = seeded
    integrator = {"Authorization": f"Bearer {system.token('integrator')}"}
    leader = {"Authorization": f"Bearer {system.token('leader')}"}
    tasks = f"{system.url('tasking')}/v1/tenants/demo"
    assert httpx.get(f"{system.url('reporting')}/v1/tenants/demo/ledger", headers=integrator, timeout=10).status_code == 403
    assert httpx.post(f"{tasks}/tasks/{ids['task_id']}/accept", headers=leader, timeout=10).status_code == 403
    assert httpx.get(f"{system.url('reporting')}/v1/tenants/demo/dashboard", headers=leader, timeout=10).status_code == 200
    r = httpx.post(f"{system.url('intake')}/v1/tenants/demo/submissions", json=meeting_decision("acl-int"), headers=integrator, timeout=10)
    assert r.status_code == 201  # an integrator submits, and does nothing else


def test_a_unit_handler_sees_its_own_units_tasks_only(system, seeded):
    ids, rows = seeded
    mine, other = rows[0], rows[1]
    assert mine["lead_unit"] != other["lead_unit"]
    me = {"Authorization": f"Bearer {system.token('unit', unit=mine['lead_unit'])}"}
    tasks = f"{system.url('tasking')}/v1/tenants/demo/tasks"
    listed = httpx.get(tasks, headers=me, params={"limit": 500}, timeout=10).json()["items"]
    assert listed and {t["lead_unit"] for t in listed if mine["lead_unit"] not in (t["co_units"] or [])} == {mine["lead_unit"]}
    assert httpx.get(f"{tasks}/{mine['task_id']}", headers=me, timeout=10).status_code == 200
    assert httpx.get(f"{tasks}/{other['task_id']}", headers=me, timeout=10).status_code == 404
    assert httpx.get(f"{tasks}/{other['task_id']}/notice.docx", headers=me, timeout=10).status_code == 404
    r = httpx.post(f"{tasks}/{other['task_id']}/acknowledge", headers=me, timeout=10)
    assert r.status_code in (403, 409), r.text  # the state machine refuses another unit's task
    seen = httpx.get(f"{system.url('reporting')}/v1/tenants/demo/ledger", headers=me, params={"q": "acl-1"}, timeout=10).json()["items"]
    assert [i["matter_id"] for i in seen] == [mine["matter_id"]]
