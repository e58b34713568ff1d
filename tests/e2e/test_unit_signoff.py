"""The unit's own sign-off (审签) through the running services: a handler's completion report waits
for the unit's head (待单位领导审签) before it reaches the office; the head signs it or sends it
back with a reason; a tenant may turn it off."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime

import httpx
import pytest

from duban_common.calendar import TZ
from e2e_support import START, ledger, meeting_decision, publish, read_stream, set_clock, wait_for

pytestmark = pytest.mark.e2e
DEFAULT_BACKENDS = ["sqlite"]

OFFICE = {"X-Duban-Role": "supervision_office"}
HANDLER = {"X-Duban-Role": "unit", "X-Duban-Unit": "zjj"}


def head(code: str) -> dict:
    return {"X-Duban-Role": "unit_head", "X-Duban-Unit": code}


def assigned_task(system, nats_server, ext_id: str) -> str:
    asyncio.run(publish(nats_server.url, [meeting_decision(ext_id, decisions=1)]))
    row = wait_for(
        lambda: next((i for i in ledger(system, q=ext_id)["items"] if i["task_id"]), None), what=f"{ext_id} assigned"
    )
    assert row["lead_unit"] == "zjj"
    return row["task_id"]


def post(system, path: str, headers: dict, body: dict | None = None) -> httpx.Response:
    return httpx.post(f"{system.url('tasking')}/v1/tenants/demo/{path}", json=body, headers=headers, timeout=10)


def task(system, task_id: str, headers: dict = OFFICE) -> httpx.Response:
    return httpx.get(f"{system.url('tasking')}/v1/tenants/demo/tasks/{task_id}", headers=headers, timeout=10)


def submitted(nats_server, task_id: str) -> list[dict]:
    messages = asyncio.run(read_stream(nats_server.url, "duban.ev.demo.task.completion_submitted"))
    return [json.loads(m.data)["data"] for m in messages if json.loads(m.data)["data"]["task_id"] == task_id]


def test_a_completion_report_waits_for_the_unit_head_then_reaches_the_office(system, nats_server):
    task_id = assigned_task(system, nats_server, "md-signoff-1")
    assert post(system, f"tasks/{task_id}/acknowledge", HANDLER).status_code == 200
    sent = post(system, f"tasks/{task_id}/completion", HANDLER, {"text": "路灯已全部修复"})
    assert sent.status_code == 200 and sent.json()["status"] == "awaiting_unit_head"
    draft = sent.json()["draft_id"]
    shown = task(system, task_id).json()
    assert (shown["status"], shown["status_label"]) == ("awaiting_unit_head", "待单位领导审签")
    assert shown["unit_signoff"] == {"draft_id": draft, "status": "pending", "reason": None}
    listed = httpx.get(
        f"{system.url('tasking')}/v1/tenants/demo/tasks",
        params={"status": "awaiting_unit_head"},
        headers=HANDLER,
        timeout=10,
    ).json()["items"]
    assert [(t["id"], t["status_label"]) for t in listed if t["id"] == task_id] == [(task_id, "待单位领导审签")]

    # the office has nothing to review yet
    accept = post(system, f"tasks/{task_id}/accept", OFFICE)
    assert accept.status_code == 409 and "待单位领导审签" in accept.json()["detail"]
    # who may not sign: the handler (403), another unit's head (404, as if there were no such draft)
    assert post(system, f"drafts/{draft}/steps", HANDLER, {"decision": "approve"}).status_code == 403
    assert post(system, f"drafts/{draft}/steps", head("fgj"), {"decision": "approve"}).status_code == 404
    assert task(system, task_id, head("fgj")).status_code == 404
    assert submitted(nats_server, task_id) == []

    waiting = httpx.get(
        f"{system.url('tasking')}/v1/tenants/demo/approvals", params={"mine": 1}, headers=head("zjj"), timeout=10
    )
    assert draft in [d["id"] for d in waiting.json()]
    assert draft not in [
        d["id"]
        for d in httpx.get(
            f"{system.url('tasking')}/v1/tenants/demo/approvals", params={"mine": 1}, headers=head("fgj"), timeout=10
        ).json()
    ]
    signed = post(system, f"drafts/{draft}/steps", head("zjj"), {"decision": "approve"})
    assert signed.status_code == 200 and signed.json()["status"] == "issued"
    assert task(system, task_id).json()["status"] == "completion_submitted"
    events = wait_for(lambda: submitted(nats_server, task_id), what="task.completion_submitted after the sign-off")
    assert len(events) == 1 and events[0]["summary"] == "路灯已全部修复"
    assert post(system, f"tasks/{task_id}/accept", OFFICE).status_code == 200


def test_a_refused_report_goes_back_to_the_handler_with_the_reason(system, nats_server):
    task_id = assigned_task(system, nats_server, "md-signoff-2")
    assert post(system, f"tasks/{task_id}/acknowledge", HANDLER).status_code == 200
    draft = post(system, f"tasks/{task_id}/completion", HANDLER, {"text": "已处理"}).json()["draft_id"]
    assert (
        post(system, f"drafts/{draft}/steps", head("zjj"), {"decision": "refuse"}).status_code == 422
    )  # a reason is required
    refused = post(system, f"drafts/{draft}/steps", head("zjj"), {"decision": "refuse", "reason": "请补充整改前后照片"})
    assert refused.status_code == 200 and refused.json()["status"] == "refused"
    shown = task(system, task_id, HANDLER).json()
    assert shown["status"] == "acknowledged"  # where it was before the report
    assert shown["unit_signoff"] == {"draft_id": draft, "status": "refused", "reason": "请补充整改前后照片"}
    assert shown["history"][-1]["detail"]["reason"] == "请补充整改前后照片"
    assert submitted(nats_server, task_id) == []
    again = post(system, f"tasks/{task_id}/completion", HANDLER, {"text": "已处理，附整改前后照片"})
    assert again.status_code == 200 and again.json()["draft_id"] != draft


def test_a_tenant_that_turns_the_unit_signoff_off_sends_reports_straight_to_the_office(system, nats_server):
    chain = f"{system.url('tasking')}/v1/tenants/demo/signoff-chains/completion_report"
    assert (
        httpx.put(chain, json={"steps": []}, headers=HANDLER, timeout=10).status_code == 403
    )  # not the unit's to decide
    assert httpx.put(chain, json={"steps": []}, headers=OFFICE, timeout=10).status_code == 200
    try:
        task_id = assigned_task(system, nats_server, "md-signoff-3")
        assert post(system, f"tasks/{task_id}/acknowledge", HANDLER).status_code == 200
        sent = post(system, f"tasks/{task_id}/completion", HANDLER, {"text": "已办结"})
        assert sent.json() == {"task_id": task_id, "status": "completion_submitted"}
        assert task(system, task_id).json()["unit_signoff"] is None
    finally:  # the default again for the other tests of the module
        restored = httpx.put(
            chain, json={"steps": [{"action": "审签", "role": "unit_head"}]}, headers=OFFICE, timeout=10
        )
        assert restored.status_code == 200


def reminders_of(nats_server, draft: str) -> list[dict]:
    messages = asyncio.run(read_stream(nats_server.url, "duban.out.demo.notification.sms"))
    notes = [json.loads(m.data)["data"] for m in messages]
    return [n for n in notes if n["template"] == "approval_reminder" and n["ref"]["draft_id"] == draft]


def test_a_report_waiting_for_the_unit_head_reminds_the_unit_after_two_working_days(system, nats_server):
    """The report is drafted on Friday 20 November; Tuesday the 24th is two working days later
    (nothing yet), Wednesday the 25th more: one SMS to 住建局's contact, and no second within the
    same period of waiting."""
    task_id = assigned_task(system, nats_server, "md-signoff-4")
    assert post(system, f"tasks/{task_id}/acknowledge", HANDLER).status_code == 200
    draft = post(system, f"tasks/{task_id}/completion", HANDLER, {"text": "已修复"}).json()["draft_id"]
    try:
        asyncio.run(set_clock(nats_server.url, datetime(2026, 11, 24, 10, 0, tzinfo=TZ)))
        assert reminders_of(nats_server, draft) == []
        asyncio.run(set_clock(nats_server.url, datetime(2026, 11, 25, 10, 0, tzinfo=TZ)))
        [reminder] = wait_for(lambda: reminders_of(nats_server, draft), what="the approver's reminder")
        assert reminder["recipient"] == {"unit": "zjj", "name": "冯静", "address": "13800000004"}
        assert (
            reminder["text"]
            == "【签批提醒】“办结报告：md-signoff-4 议定事项1”等待单位领导审签已超过2个工作日，请及时办理。"
        )
        asyncio.run(set_clock(nats_server.url, datetime(2026, 11, 25, 16, 0, tzinfo=TZ)))
        assert len(reminders_of(nats_server, draft)) == 1
    finally:
        asyncio.run(set_clock(nats_server.url, START))
