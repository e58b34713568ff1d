"""Escalation's drafts through their sign-off chains, through the service's app with real tokens:
the transfer waits for the office's assessment and the leader's approval; a 督办单 needs three
people; a refused 催办单 takes no number. The tenant keeps the reference documents' chains."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select
from test_escalation_order import NOW, assigned, deliver, unit_fact
from test_escalation_rules import overdue

from duban_common import audit, tenancy
from duban_common.calendar import WorkCalendar
from duban_common.clock import FixedClock
from duban_common.contracts import events as ev
from duban_escalation.adapters import orm
from duban_escalation.bootstrap import bootstrap
from duban_escalation.config import EscalationSettings
from duban_escalation.service_layer.timers import EscalationTimers
from service_support import rows


@pytest.fixture
async def service(tmp_path, duban_auth):
    settings = EscalationSettings(data_dir=tmp_path, notify_mail_to="dcs@demo.gov.cn")
    rt = bootstrap(settings, clock=FixedClock(NOW))  # its routes, the sign-off desk and routes among them
    await rt.db.create_all(orm.metadata)
    await deliver(
        rt, "units", ev.UNIT_REGISTERED, unit_fact(version=1, phone="13800000000")
    )  # escalation's copy of the units
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=rt.app("escalation")), base_url="http://t"
    ) as client:
        yield rt, client, duban_auth
    await rt.db.dispose()


def as_(auth, role: str, name: str, unit: str | None = None) -> dict:
    return {
        "Authorization": "Bearer "
        + auth.token(tenant="demo", roles=[role], subject=f"{role}:{name}", name=name, unit=unit)
    }


async def published(rt, type_: str) -> list[dict]:
    return [
        e["data"] for e in (json.loads(r["payload"]) for r in await rows(rt, orm.infra.outbox)) if e["type"] == type_
    ]


async def drafts(rt, doc_type: str) -> list[dict]:
    return [d for d in await rows(rt, orm.signoff.drafts) if d["doc_type"] == doc_type]


async def third_urge(rt, task_id: str) -> None:
    await deliver(rt, "tasks", ev.TASK_ASSIGNED, assigned(task_id, "m"))
    for n in (1, 2, 3):
        await deliver(rt, "deadlines", ev.DEADLINE_OVERDUE, overdue(task_id, n))


async def take(
    client, auth, draft_id: str, role: str, name: str, decision: str = "approve", reason: str | None = None
) -> httpx.Response:
    return await client.post(
        f"/v1/tenants/demo/drafts/{draft_id}/steps",
        json={"decision": decision, "reason": reason},
        headers=as_(auth, role, name),
    )


async def order_proposed(service, task_id: str) -> httpx.Response:
    """The office (李敏) proposes a supervision order on a task just assigned to zjj."""
    rt, client, auth = service
    await deliver(rt, "tasks", ev.TASK_ASSIGNED, assigned(task_id, "m"))
    url = f"/v1/tenants/demo/tasks/{task_id}/supervision-orders"
    return await client.post(
        url, json={"requirement": "务必于本周内完成整改"}, headers=as_(auth, "supervision_office", "李敏")
    )


async def test_inadequate_explanation_then_the_leaders_approval_transfers_once_with_the_assessment(service):
    rt, client, auth = service
    await third_urge(rt, "t1")
    url = "/v1/tenants/demo/tasks/t1"
    explained = await client.post(
        f"{url}/explanations",
        json={"text": "因资金未到位，工程无法按期完成，正在协调。"},
        headers=as_(auth, "unit", "王强", unit="zjj"),
    )
    assert explained.status_code == 200, explained.text
    state = (await client.get(f"{url}/escalation", headers=as_(auth, "supervision_office", "李敏"))).json()
    assert state["urges"] == 3 and state["assessment"]["adequate"] is None and state["case"] is None
    assert await published(rt, ev.DISCIPLINE_TRANSFER) == [] and await drafts(rt, "transfer") == []

    unit_tries = await client.post(
        f"{url}/explanation-assessment",
        json={"assessment": "充分", "reason": "理由"},
        headers=as_(auth, "unit", "王强", unit="zjj"),
    )
    assert unit_tries.status_code == 403
    r = await client.post(
        f"{url}/explanation-assessment",
        json={"assessment": "不充分", "reason": "未说明资金缺口及整改时限"},
        headers=as_(auth, "supervision_office", "李敏"),
    )
    assert r.status_code == 200, r.text
    draft_id = r.json()["transfer_draft_id"]
    assert await published(rt, ev.DISCIPLINE_TRANSFER) == []
    assert (await take(client, auth, draft_id, "leader", "王县长")).status_code == 403  # the office proposes first
    assert (await take(client, auth, draft_id, "supervision_office", "张华")).status_code == 200
    assert await published(rt, ev.DISCIPLINE_TRANSFER) == [], "not before the leader's approval"
    queue = (await client.get("/v1/tenants/demo/approvals?mine=1", headers=as_(auth, "leader", "王县长"))).json()
    assert [(d["id"], d["waiting_for"]) for d in queue] == [(draft_id, "县政府领导批准")]
    approved = await take(client, auth, draft_id, "leader", "王县长")
    assert approved.status_code == 200 and approved.json()["status"] == "issued"
    again = await take(client, auth, draft_id, "leader", "王县长")  # a retry changes nothing
    assert again.status_code == 200

    [transfer] = await published(rt, ev.DISCIPLINE_TRANSFER)
    assert (
        transfer["assessment"]["assessment"] == "不充分"
        and transfer["assessment"]["reason"] == "未说明资金缺口及整改时限"
    )
    assert transfer["explanations"][0]["text"] == "因资金未到位，工程无法按期完成，正在协调。"
    assert [(a["action"], a["person"]) for a in transfer["approvals"]] == [("提出", "张华"), ("批准", "王县长")]
    assert len(await published(rt, ev.ESCALATION_TRANSFERRED)) == 1


async def test_an_adequate_explanation_is_recorded_and_nothing_is_transferred(service):
    rt, client, auth = service
    await third_urge(rt, "t2")
    office = as_(auth, "supervision_office", "李敏")
    url = "/v1/tenants/demo/tasks/t2"
    queue = "/v1/tenants/demo/explanation-assessments"
    [waiting] = (await client.get(queue, headers=office)).json()["items"]
    assert (waiting["task_id"], waiting["unit"], waiting["explained"]) == ("t2", "zjj", False)
    assert (await client.get(queue, headers=as_(auth, "unit", "王强", unit="zjj"))).status_code == 403
    none_given = await client.post(
        f"{url}/explanation-assessment", json={"assessment": "充分", "reason": "情况属实"}, headers=office
    )
    assert (none_given.status_code, none_given.json()["detail"]) == (422, "该单位没有提交书面说明，只能评定为“不充分”")
    await client.post(
        f"{url}/explanations",
        json={"text": "系上级规划调整所致，已报请延期并落实整改措施。"},
        headers=as_(auth, "unit", "王强", unit="zjj"),
    )
    assert (await client.get(queue, headers=office)).json()["items"][0]["explained"] is True
    r = await client.post(
        f"{url}/explanation-assessment",
        json={"assessment": "充分", "reason": "规划调整属实，整改措施具体"},
        headers=office,
    )
    assert r.status_code == 200 and r.json()["transfer_draft_id"] is None
    assert (await client.get(queue, headers=as_(auth, "leader", "王县长"))).json()["items"] == []
    changed = await client.post(
        f"{url}/explanation-assessment", json={"assessment": "不充分", "reason": "改主意"}, headers=office
    )
    assert changed.status_code == 409
    assert await drafts(rt, "transfer") == [] and await published(rt, ev.DISCIPLINE_TRANSFER) == []
    state = (await client.get(f"{url}/escalation", headers=office)).json()
    assert (state["assessment"]["assessment"], state["case"]) == ("充分", None)
    assert not [
        t for t in await rows(rt, orm.timers) if t["fired_at"] is None and not t["cancelled"] and t["kind"] == "reurge"
    ]


async def test_a_supervision_order_is_proposed_approved_and_signed_by_three_people_and_numbered_at_signing(service):
    rt, client, auth = service
    made = await order_proposed(service, "t3")
    assert made.status_code == 201 and made.json()["status"] == "proposed"
    order = made.json()["order_id"]
    steps = f"/v1/tenants/demo/supervision-orders/{order}"
    wrong = await client.post(f"{steps}/propose", headers=as_(auth, "supervision_office", "李敏"))
    assert (wrong.status_code, wrong.json()["detail"]) == (403, "这一步（提出）须由政府办公室分管副主任办理")
    assert (
        await client.post(f"{steps}/sign", headers=as_(auth, "office_director", "赵明"))
    ).status_code == 409  # out of order
    assert (await client.post(f"{steps}/propose", headers=as_(auth, "office_deputy", "孙丽"))).json()[
        "notice_no"
    ] is None
    both = {
        "Authorization": "Bearer "
        + auth.token(tenant="demo", roles=["office_deputy", "leader"], subject="office_deputy:孙丽", name="孙丽")
    }
    twice = await client.post(f"{steps}/approve", headers=both)
    assert twice.status_code == 409 and "同一人不能签批" in twice.json()["detail"]
    assert (await client.post(f"{steps}/approve", headers=as_(auth, "leader", "王县长"))).json()["notice_no"] is None
    assert await published(rt, ev.ESCALATION_ORDER_ISSUED) == []
    signed = await client.post(f"{steps}/sign", headers=as_(auth, "office_director", "赵明"))
    assert signed.json() == {
        "order_id": order,
        "draft_id": made.json()["draft_id"],
        "status": "issued",
        "notice_no": "督办单〔2026〕1号",
    }
    [issued] = await published(rt, ev.ESCALATION_ORDER_ISSUED)
    assert (issued["proposed_by"], issued["approved_by"], issued["signed_by"]) == ("孙丽", "王县长", "赵明")
    with tenancy.scoped("demo"):
        async with rt.db.read() as s:
            logged = (
                (await s.execute(select(audit.audit_log.c.refs).where(audit.audit_log.c.action == "signoff.step")))
                .scalars()
                .all()
            )
    assert [(json.loads(r)["step_action"], json.loads(r)["person"]) for r in logged] == [
        ("提出", "孙丽"),
        ("同意", "王县长"),
        ("签发", "赵明"),
    ]


async def test_a_refused_urge_notice_takes_no_number_and_the_next_issued_one_is_gapless(service):
    rt, client, auth = service
    await deliver(rt, "tasks", ev.TASK_ASSIGNED, assigned("t4", "m"))
    for n in (1, 2):
        await deliver(rt, "deadlines", ev.DEADLINE_OVERDUE, overdue("t4", n))
    first, second = sorted(await drafts(rt, "urge_notice"), key=lambda d: d["payload"]["urge_no"])
    assert (await rows(rt, orm.watched_tasks))[0]["urges"] == 2, "the urges count while their notices wait"
    assert (await take(client, auth, first["id"], "office_deputy", "孙丽")).status_code == 200
    no_reason = await take(client, auth, first["id"], "leader", "王县长", "refuse")
    assert (no_reason.status_code, no_reason.json()["detail"]) == (422, "退回须写明理由")
    refused = await take(client, auth, first["id"], "leader", "王县长", "refuse", "催办理由不充分")
    assert (refused.json()["status"], refused.json()["number"]) == ("refused", None)
    for role, name in (("office_deputy", "孙丽"), ("leader", "王县长"), ("office_director", "赵明")):
        done = await take(client, auth, second["id"], role, name)
    assert done.json()["number"] == "催办〔2026〕1号"
    assert [(u["urge_no"], u["notice_no"]) for u in await published(rt, ev.ESCALATION_URGED)] == [
        (2, "催办〔2026〕1号")
    ]


async def test_an_approver_is_reminded_once_a_draft_waits_more_than_two_working_days(service):
    rt, client, auth = service
    made = await order_proposed(service, "t5")
    assert made.status_code == 201
    timers = EscalationTimers(rt, WorkCalendar(), rt.collaborators["contexts"])

    async def reminders() -> list[dict]:
        return [n for n in await published(rt, ev.NOTIFICATION_REQUESTED) if n["template"] == "approval_reminder"]

    async def at(later) -> None:
        rt.clock.set(later)
        await timers.fire_due(later)

    await at(NOW + timedelta(days=2))  # Monday 23rd to Wednesday 25th: two working days, not more
    assert await reminders() == []
    later, replica = NOW + timedelta(days=3), EscalationTimers(rt, WorkCalendar(), rt.collaborators["contexts"])
    rt.clock.set(later)
    await asyncio.gather(timers.fire_due(later), replica.fire_due(later))  # two replicas look at once
    [reminder] = await reminders()
    assert reminder["recipient"]["address"] == "dcs@demo.gov.cn" and "政府办公室分管副主任" in reminder["text"]
    await at(NOW + timedelta(days=3, hours=1))  # once per period of waiting
    assert len(await reminders()) == 1
    with tenancy.scoped("demo"):
        async with rt.db.read() as s:
            assert (
                await s.execute(select(audit.audit_log.c.id).where(audit.audit_log.c.action == "signoff.reminded"))
            ).all()
