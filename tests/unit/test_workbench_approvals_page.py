"""待我签批 with the services played by an httpx transport: the list gathered from three services,
one of them down; a refusal without its reason changes nothing; a service's refusal is shown."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta

import httpx
import pytest
from fastapi.testclient import TestClient

from duban_cli.embedded import demo_accounts_path
from duban_workbench.bootstrap import bootstrap
from duban_workbench.config import WorkbenchSettings

PORTS = {"8101": "intake", "8102": "tasking", "8103": "deadline", "8104": "escalation", "8105": "reporting"}
ORDER = {
    "id": "d-1",
    "doc_type": "supervision_order",
    "doc_name": "督办单",
    "title": "督办单：路灯维修",
    "task_id": "t-1",
    "period": None,
    "unit": None,
    "status": "pending",
    "status_name": "待签批",
    "waiting_for": "县政府领导同意",
    "number": None,
    "chain": "政府办公室分管副主任提出 → 县政府领导同意 → 政府办公室主任签发",
    "payload": {"requirement": "五日内修复"},
    "created_at": "2026-12-01T01:00:00Z",
    "created_by": "supervision_office:demo",
    "issued_at": None,
    "steps": [
        {
            "step": 1,
            "action": "提出",
            "role": "office_deputy",
            "role_name": "政府办公室分管副主任",
            "person": "李卫东",
            "decision": "approve",
            "decision_name": "同意",
            "reason": None,
            "at": "2026-12-02T01:00:00Z",
        },
        {
            "step": 2,
            "action": "同意",
            "role": "leader",
            "role_name": "县政府领导",
            "person": None,
            "decision": None,
            "decision_name": None,
            "reason": None,
            "at": None,
        },
    ],
}


SERVICES_TODAY = date(2026, 12, 4)  # a Friday, days after the real date the page knows nothing of


def calendar(start: str, end: str) -> dict:
    """deadline's answer: weekdays are working days; ``today`` is the services' (simulated) day."""
    first, last = date.fromisoformat(start), date.fromisoformat(end)
    days = [first + timedelta(days=offset) for offset in range((last - first).days + 1)]
    listed = [{"date": day.isoformat(), "workday": day.weekday() < 5} for day in days]
    return {"today": SERVICES_TODAY.isoformat(), "days": listed}


def services(down: set[str], sent: list, answer: httpx.Response | None = None) -> httpx.MockTransport:
    def handle(request: httpx.Request) -> httpx.Response:
        service = PORTS[str(request.url.port)]
        if service in down:
            raise httpx.ConnectError("refused", request=request)
        path = request.url.path
        if request.method == "POST":
            sent.append((service, path, json.loads(request.content)))
            return answer or httpx.Response(200, json={**ORDER, "waiting_for": "政府办公室主任签发"})
        if path.endswith("/approvals"):
            return httpx.Response(200, json=[ORDER] if service == "escalation" else [])
        if path.endswith("/calendar"):
            return httpx.Response(200, json=calendar(request.url.params["from"], request.url.params["to"]))
        if path.endswith("/units"):
            return httpx.Response(200, json={"items": []})
        return httpx.Response(404, json={"detail": "not found"})

    return httpx.MockTransport(handle)


@pytest.fixture
def settings(tmp_path) -> WorkbenchSettings:
    return WorkbenchSettings(data_dir=tmp_path, auth_dir=tmp_path / "auth", demo_accounts_file=demo_accounts_path())


def leader(app) -> TestClient:
    client = TestClient(app, follow_redirects=False)
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text).group(1)
    signed = client.post(
        "/login", data={"username": "leader", "password": "leader2026", "csrf_token": token, "next": "/approvals"}
    )
    assert signed.status_code == 303
    return client


def csrf(page: str) -> str:
    return re.search(r'"X-CSRF-Token": "([^"]+)"', page).group(1)


def test_the_list_shows_what_one_service_holds_while_another_is_down(settings):
    with leader(bootstrap(settings, transport=services({"reporting"}, []))) as client:
        page = client.get("/approvals")
    assert page.status_code == 200
    assert "台账统计服务暂时无法访问" in page.text
    assert "督办单：路灯维修" in page.text and "政府办公室分管副主任提出：李卫东，同意" in page.text
    assert 'id="approve-d-1">同意<' in page.text and "由 督查室 起草" in page.text


def test_a_refusal_without_a_reason_changes_nothing(settings):
    sent: list = []
    with leader(bootstrap(settings, transport=services(set(), sent))) as client:
        token = csrf(client.get("/approvals").text)
        refused = client.post(
            "/approvals/escalation/d-1", data={"csrf_token": token, "decision": "refuse", "reason": " "}
        )
        assert refused.status_code == 422 and 'id="e-reason-d-1">请填写退回理由' in refused.text
        assert sent == []
        done = client.post(
            "/approvals/escalation/d-1", data={"csrf_token": token, "decision": "approve", "action": "同意"}
        )
    assert done.status_code == 303 and done.headers["location"] == "/approvals?done=escalation:d-1"
    assert sent == [
        ("escalation", "/v1/tenants/demo/drafts/d-1/steps", {"decision": "approve", "reason": None, "action": "同意"})
    ]


def test_the_services_refusal_is_shown_as_it_comes(settings):
    conflict = httpx.Response(409, json={"detail": "同一人不能签批同一份督办单的两个步骤，请由另一位县政府领导办理"})
    with leader(bootstrap(settings, transport=services(set(), [], conflict))) as client:
        token = csrf(client.get("/approvals").text)
        page = client.post(
            "/approvals/escalation/d-1", data={"csrf_token": token, "decision": "approve", "action": "同意"}
        )
        unknown = client.post("/approvals/intake/d-1", data={"csrf_token": token, "decision": "approve"})
    assert page.status_code == 409 and "未能办理：同一人不能签批同一份督办单的两个步骤" in page.text
    assert unknown.status_code == 404


def test_days_waited_count_from_the_services_today_not_the_pages(settings):
    """The 同意 step waits since 提出 on Wednesday 2 December; for the services it is Friday the
    4th: two working days (Thursday and Friday), whatever the real date is."""
    with leader(bootstrap(settings, transport=services(set(), []))) as client:
        page = client.get("/approvals")
    assert "已等 <strong>2</strong> 个工作日" in page.text
