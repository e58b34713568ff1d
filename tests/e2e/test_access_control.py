"""Every route of every running service, tried without a token, with another tenant's token
and with roles it is not open to: refused, nothing read, nothing changed. A unit handler
sees its own unit's tasks only: every route of every service, tried with a second unit's
token on the first unit's task, its urge and its supervision order, answers as for a task
that does not exist, or lists nothing of them."""

from __future__ import annotations

import asyncio
import importlib
import io
import re
from datetime import date, timedelta

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
    rows = wait_for(
        lambda: (lambda r: r if len(r) == 2 and all(i["lead_unit"] and i["due_on"] for i in r) else None)(
            ledger(system, q="acl-1")["items"]
        ),
        what="two assigned matters",
    )
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


def _intruder_role(service: str, method: str, template: str) -> str:
    """A role of county B that the route is open to (the office's where it is), so that the tenant is what refuses it."""
    allowed = importlib.import_module(f"duban_{service}.entrypoints.access").ACCESS[(method, template)]
    return next(role for role in ("supervision_office", "leader", "unit", "discipline") if role in allowed)


def test_another_tenants_token_reads_and_changes_nothing(system, seeded):
    """A supervision office of county B (a leader where only leaders may), with guessed and real ids of county A's resources."""
    ids, rows = seeded
    before = (
        ledger(system)["total"],
        httpx.get(f"{system.url('tasking')}/v1/tenants/demo/tasks", timeout=10).json()["total"],
    )
    tried = 0
    for service in SERVICES:
        for method, template in _routes(system, service):
            if "{tenant}" not in template:
                continue
            role = _intruder_role(service, method, template)
            intruder = {
                "Authorization": f"Bearer {system.token(role, tenant='countyb', unit='zjj' if role == 'unit' else None)}"
            }
            r = _call(system, service, method, _concrete(template, "demo", ids), intruder)
            assert r.status_code == 403, (service, method, template, r.status_code, r.text[:200])
            assert "countyb" in r.json()["detail"] and "demo" in r.json()["detail"]
            tried += 1
    assert tried >= 55
    after = (
        ledger(system)["total"],
        httpx.get(f"{system.url('tasking')}/v1/tenants/demo/tasks", timeout=10).json()["total"],
    )
    assert after == before  # nothing changed


def test_the_admin_api_is_for_operators_only(system):
    for role in ("supervision_office", "leader", "integrator", "discipline"):
        headers = {"Authorization": f"Bearer {system.token(role, source='/platforms/oa-demo')}"}
        for method, template in _routes(system, "intake"):
            if template.startswith("/v1/admin"):
                r = _call(system, "intake", method, _concrete(template, "demo", {}), headers)
                assert r.status_code == 403, (role, method, template, r.text)


def test_roles_are_held_to_their_routes(system, seeded):
    ids, _ = seeded
    integrator = {"Authorization": f"Bearer {system.token('integrator', source='/platforms/oa-demo')}"}
    leader = {"Authorization": f"Bearer {system.token('leader')}"}
    tasks = f"{system.url('tasking')}/v1/tenants/demo"
    assert (
        httpx.get(f"{system.url('reporting')}/v1/tenants/demo/ledger", headers=integrator, timeout=10).status_code
        == 403
    )
    assert httpx.post(f"{tasks}/tasks/{ids['task_id']}/accept", headers=leader, timeout=10).status_code == 403
    assert (
        httpx.get(f"{system.url('reporting')}/v1/tenants/demo/dashboard", headers=leader, timeout=10).status_code == 200
    )
    r = httpx.post(
        f"{system.url('intake')}/v1/tenants/demo/submissions",
        json=meeting_decision("acl-int"),
        headers=integrator,
        timeout=10,
    )
    assert r.status_code == 201  # an integrator submits, and does nothing else


def test_a_unit_handler_sees_its_own_units_tasks_only(system, seeded):
    ids, rows = seeded
    mine, other = rows[0], rows[1]
    assert mine["lead_unit"] != other["lead_unit"]
    me = {"Authorization": f"Bearer {system.token('unit', unit=mine['lead_unit'])}"}
    tasks = f"{system.url('tasking')}/v1/tenants/demo/tasks"
    listed = httpx.get(tasks, headers=me, params={"limit": 500}, timeout=10).json()["items"]
    assert listed and {t["lead_unit"] for t in listed if mine["lead_unit"] not in (t["co_units"] or [])} == {
        mine["lead_unit"]
    }
    assert httpx.get(f"{tasks}/{mine['task_id']}", headers=me, timeout=10).status_code == 200
    assert httpx.get(f"{tasks}/{other['task_id']}", headers=me, timeout=10).status_code == 404
    assert httpx.get(f"{tasks}/{other['task_id']}/notice.docx", headers=me, timeout=10).status_code == 404
    r = httpx.post(f"{tasks}/{other['task_id']}/acknowledge", headers=me, timeout=10)
    missing = httpx.post(f"{tasks}/no-such-task/acknowledge", headers=me, timeout=10)
    # as for a task that does not exist: not 「只有牵头单位（…）可以签收」, which tells that it exists
    assert (r.status_code, r.json()["detail"]) == (
        404,
        missing.json()["detail"].replace("no-such-task", other["task_id"]),
    ), r.text
    seen = httpx.get(
        f"{system.url('reporting')}/v1/tenants/demo/ledger", headers=me, params={"q": "acl-1"}, timeout=10
    ).json()["items"]
    assert [i["matter_id"] for i in seen] == [mine["matter_id"]]


def _records_of(system, row: dict) -> dict[str, str]:
    """The lead unit's task with an urge and an issued supervision order, for the walk below."""
    base = f"{system.url('escalation')}/v1/tenants/demo"
    wait_for(
        lambda: httpx.get(f"{base}/tasks/{row['task_id']}/escalation", timeout=10).status_code == 200,
        what="escalation knows the task",
    )
    assert httpx.post(f"{base}/tasks/{row['task_id']}/urge", json={}, timeout=10).status_code == 200
    urge = httpx.get(f"{base}/tasks/{row['task_id']}/escalation", timeout=10).json()["urge_list"][0]["id"]
    order = httpx.post(
        f"{base}/tasks/{row['task_id']}/supervision-orders",
        json={"requirement": "本周内完成整改", "proposed_by": "孙丽"},
        timeout=10,
    ).json()["order_id"]
    for step, role in (
        ("propose", "office_deputy"),
        ("approve", "leader"),
        ("sign", "office_director"),
    ):  # its sign-off chain
        assert (
            httpx.post(
                f"{base}/supervision-orders/{order}/{step}", headers={"X-Duban-Role": role}, timeout=20
            ).status_code
            == 200
        )
    return {
        "task_id": row["task_id"],
        "matter_id": row["matter_id"],
        "urge_id": urge,
        "order_id": order,
        "code": row["lead_unit"],
    }


def _text(r: httpx.Response) -> str:
    """What an answer shows, a workbook's cells included."""
    if r.headers.get("content-type", "").startswith("application/vnd.openxmlformats-officedocument.spreadsheetml"):
        from openpyxl import load_workbook

        return " ".join(
            str(c)
            for ws in load_workbook(io.BytesIO(r.content), read_only=True).worksheets
            for row in ws.iter_rows(values_only=True)
            for c in row
            if c is not None
        )
    return r.text


def test_another_units_token_reads_and_changes_nothing_of_a_task_on_every_route(system, seeded):
    """A unit handler of the second task's lead unit, on every route of every service, with the
    first task's ids: never a 2xx that shows them; where the route names one of them, the very
    404 a task that does not exist gets (it does not learn that the task exists)."""
    _, rows = seeded
    theirs = _records_of(system, rows[0])
    intruder_unit = rows[1]["lead_unit"]
    assert intruder_unit != rows[0]["lead_unit"] and intruder_unit not in (rows[0]["co_units"] or [])
    intruder = {"Authorization": f"Bearer {system.token('unit', unit=intruder_unit)}"}
    before = httpx.get(
        f"{system.url('deadline')}/v1/tenants/demo/tasks/{theirs['task_id']}/deadline", timeout=10
    ).json()
    ids = {k: v for k, v in theirs.items() if k != "code"}
    tried = named = 0
    for service in SERVICES:
        for method, template in _routes(system, service):
            if "{tenant}" not in template:
                continue
            r = _call(system, service, method, _concrete(template, "demo", theirs), intruder)
            what = (service, method, template, r.status_code, r.text[:200])
            tried += 1
            if r.is_success:
                shown = _text(r)
                assert not any(v in shown for v in ids.values()), what
                continue
            names = [k for k in ids if f"{{{k}}}" in template]
            if names and r.status_code != 403:  # 403: the route is not open to unit handlers at all
                missing = _call(system, service, method, _concrete(template, "demo", {}), intruder)
                nobody = "00000000-0000-0000-0000-000000000000"
                assert r.status_code == missing.status_code == 404, (*what, missing.status_code, missing.text[:200])
                assert r.json()["detail"] == missing.json()["detail"].replace(nobody, theirs[names[0]]), (
                    *what,
                    missing.text,
                )
                named += 1
    assert (
        tried >= 55 and named >= 14
    )  # every route, and each of the 14 open to units that name a task, an urge or an order
    after = httpx.get(f"{system.url('deadline')}/v1/tenants/demo/tasks/{theirs['task_id']}/deadline", timeout=10).json()
    assert (
        after["extensions"] == before["extensions"] == [] and after["revision"] == before["revision"]
    )  # nothing changed
    tasks = httpx.get(f"{system.url('tasking')}/v1/tenants/demo/tasks/{theirs['task_id']}", timeout=10).json()
    assert tasks["status"] == "assigned"  # not acknowledged, declined or reported on by the intruder


def test_an_extension_names_who_asked_from_the_token_not_the_body(system, seeded):
    _, rows = seeded
    mine = rows[1]
    me = {
        "Authorization": f"Bearer {system.issuer.token(tenant='demo', roles=['unit'], unit=mine['lead_unit'], name='王五')}"
    }
    url = f"{system.url('deadline')}/v1/tenants/demo/tasks/{mine['task_id']}/extensions"
    due = (date.fromisoformat(mine["due_on"]) + timedelta(days=10)).isoformat()
    r = httpx.post(
        url,
        json={"reason": "需协调多部门", "requested_due_on": due, "requested_by": "督查室主任"},
        headers=me,
        timeout=10,
    )
    assert r.status_code == 201, r.text
    assert [x["requested_by"] for x in httpx.get(url, timeout=10).json()["items"]] == [f"王五（{mine['lead_unit']}）"]


def test_an_integrator_sees_and_submits_as_its_own_platform_only(system):
    url = f"{system.url('intake')}/v1/tenants/demo/submissions"
    oa = {"Authorization": f"Bearer {system.token('integrator', source='/platforms/oa-demo')}"}
    hotline = {"Authorization": f"Bearer {system.token('integrator', source='/platforms/hotline-12345')}"}
    r = httpx.post(url, json=meeting_decision("acl-src"), headers=oa, timeout=10)
    assert r.status_code == 201, r.text
    mine = r.json()["submission_id"]
    assert httpx.get(f"{url}/{mine}", headers=oa, timeout=10).json()["source"] == "/platforms/oa-demo"
    theirs, missing = (
        httpx.get(f"{url}/{mine}", headers=hotline, timeout=10),
        httpx.get(f"{url}/no-such-one", headers=hotline, timeout=10),
    )
    assert (theirs.status_code, theirs.json()["detail"]) == (404, missing.json()["detail"].replace("no-such-one", mine))
    r = httpx.post(url, json=meeting_decision("acl-src-2"), headers=hotline, timeout=10)  # as another platform: refused
    assert r.status_code == 403 and "/platforms/hotline-12345" in r.json()["detail"], r.text
    assert (
        httpx.get(f"{url}/{mine}", headers={"X-Duban-Role": "integrator"}, timeout=10).status_code == 401
    )  # no platform named


def test_a_token_in_the_query_opens_nothing_and_is_never_logged(system, seeded):
    """People use the workbench; no route takes ``?access_token=`` (a token in a URL leaks)."""
    ids, _ = seeded
    token = system.token("supervision_office")
    tried = 0
    for service in SERVICES:
        for method, template in _routes(system, service):
            if method != "GET":
                continue
            url = f"{system.url(service)}{_concrete(template, 'demo', ids)}"
            r = httpx.get(url, params={"access_token": token}, headers=NO_TOKEN, timeout=30)
            assert r.status_code == 401, (service, template, r.status_code, r.text[:200])
            tried += 1
    assert tried >= 30
    r = httpx.get(
        f"{system.url('reporting')}/v1/tenants/demo/reports/{ids['matter_id']}/document.pdf",
        params={"access_token": token},
        headers=NO_TOKEN,
        timeout=30,
    )
    assert r.status_code == 401
    logs = sorted((system.data_dir / "logs").glob("*.log"))
    assert logs and not [p.name for p in logs if token in p.read_text(errors="replace")]
