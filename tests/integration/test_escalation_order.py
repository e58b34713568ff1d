"""Escalation consumes the task and deadline streams independently, so a deadline fact can come
before the task.assigned it follows. A deadline.set is kept; an overdue (or a return) is kept
as a waiting trigger, whatever the delay, and climbs once when the assignment names the unit
to urge."""

from __future__ import annotations

import json
from datetime import date, datetime

import httpx
import pytest
from fastapi import FastAPI

from duban_common import tenancy
from duban_common.calendar import TZ
from duban_common.clock import FixedClock
from duban_common.consumer import apply
from duban_common.contracts import events as ev
from duban_common.envelope import new_event
from duban_common.signoff import Decision, SignoffError, Turn
from duban_escalation.adapters import orm
from duban_escalation.bootstrap import bootstrap
from duban_escalation.config import EscalationSettings
from duban_escalation.entrypoints import http
from duban_escalation.service_layer import handlers, notify, orders
from service_support import rows

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=TZ)
DUE_AT = datetime(2026, 11, 20, 17, 30, tzinfo=TZ)
ORIGIN = {"kind": "leader_instruction", "source": "/platforms/oa", "submission_id": "s1", "external_id": "ps-1"}


def escalation_routes(rt) -> httpx.AsyncClient:
    """A client of escalation's routes on ``rt``, in the test's own loop (inside tenancy.scoped)."""
    app = FastAPI()
    app.state.runtime = rt
    for router in http.ROUTERS:
        app.include_router(router)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")


@pytest.fixture
async def runtime(tmp_path):
    rt = bootstrap(EscalationSettings(data_dir=tmp_path), clock=FixedClock(NOW))
    await rt.db.create_all(orm.metadata)
    await issued_at_once(rt)
    # tasking's units directory, as escalation keeps it from the unit events (no tasking process in this test)
    await deliver(rt, "units", ev.UNIT_REGISTERED, unit_fact(version=1))
    yield rt
    await rt.db.dispose()


def contexts(rt) -> notify.Contexts:
    return rt.collaborators["contexts"]  # what bootstrap gave the handlers and routes


AUTOMATIC = (
    "urge_notice",
    "supervision_order",
    "bulletin_office",
    "bulletin_government",
    "special_report",
    "public_censure",
)


async def issued_at_once(rt, tenant: str = "demo") -> None:
    """The tenant marks its notices and bulletins automatic (no sign-off chain): these tests are about
    the ladder's order of events, as before sign-off chains (test_escalation_signoff.py has the chains)."""
    with tenancy.scoped(tenant):
        async with rt.db.transaction() as s:
            await s.execute(
                orm.signoff.signoff_chains.insert(),
                [
                    dict(tenant=tenant, doc_type=t, definition={"steps": []}, updated_at=NOW, updated_by="test")
                    for t in AUTOMATIC
                ],
            )


async def deliver(rt, purpose: str, type_: str, data) -> None:
    env = new_event(tenant="demo", type=type_, source="/duban/test", data=data, time=NOW)
    with tenancy.scoped("demo"):  # as the consumer runner does
        async with rt.unit_of_work() as uow:
            await apply(rt.handlers[purpose][type_], env, f"duban.out.demo.{type_}", uow)


def unit_fact(*, version: int, phone: str | None = None) -> ev.UnitRegistered:
    return ev.UnitRegistered(
        code="zjj",
        name="县住房和城乡建设局",
        type="department",
        phone=phone,
        active=True,
        version=version,
        changed_at=NOW,
    )


def urged(outbox: list[dict]) -> list[tuple]:
    events = [json.loads(r["payload"]) for r in outbox]
    return [
        (e["data"]["task_id"], e["data"]["unit"], e["data"]["reason"])
        for e in events
        if e["type"] == ev.ESCALATION_URGED
    ]


def deadline_set(task_id: str, matter_id: str, *, due_at=DUE_AT, rule="working_days", **fields) -> ev.DeadlineSet:
    """The deadline of a task started Nov 10, due on ``due_at``'s day (by default Fri Nov 20, 17:30)."""
    return ev.DeadlineSet(
        task_id=task_id,
        matter_id=matter_id,
        start_on=date(2026, 11, 10),
        due_on=due_at.date(),
        due_at=due_at,
        rule=rule,
        **fields,
    )


def deadline_overdue(task_id: str, matter_id: str, *, timer_id: str | None = None) -> ev.DeadlineOverdue:
    """The overdue of a task due Fri Nov 20, 17:30, as its timer fired it."""
    timer_id = timer_id or f"{task_id}:overdue:2026-11-20"
    instants = {"scheduled_at": DUE_AT, "due_on": DUE_AT.date(), "due_at": DUE_AT}
    return ev.DeadlineOverdue(task_id=task_id, matter_id=matter_id, timer_id=timer_id, **instants)


def assigned(task_id: str, matter_id: str) -> ev.TaskAssigned:
    return ev.TaskAssigned(
        task_id=task_id,
        matter_id=matter_id,
        title="关于加快推进农村供水保障工程的批示",
        lead_unit="zjj",
        origin=ORIGIN,
        assigned_at=datetime(2026, 11, 10, 9, 0, tzinfo=TZ),
    )


async def test_a_deadline_before_the_assignment_is_kept_and_an_overdue_waits_for_it(runtime):
    await deliver(runtime, "deadlines", ev.DEADLINE_SET, deadline_set("t1", "m1"))
    [task] = await rows(runtime, orm.watched_tasks)
    assert (task["due_on"], task["unit"], task["overdue"], task["urges"]) == (date(2026, 11, 20), None, False, 0)

    overdue = deadline_overdue("t1", "m1")
    await deliver(runtime, "deadlines", ev.DEADLINE_OVERDUE, overdue)
    await deliver(runtime, "deadlines", ev.DEADLINE_OVERDUE, overdue)  # a redelivery, however late, waits once
    [task] = await rows(runtime, orm.watched_tasks)
    assert (task["overdue"], task["urges"], task["waiting"]) == (
        True,
        0,
        [{"reason": "overdue", "key": "overdue:t1:overdue:2026-11-20"}],
    )
    assert await rows(runtime, orm.infra.outbox) == [], "no unit to urge yet"

    await deliver(runtime, "tasks", ev.TASK_ASSIGNED, assigned("t1", "m1"))
    [task] = await rows(runtime, orm.watched_tasks)
    assert (task["unit"], task["overdue"], task["urges"], task["waiting"]) == ("zjj", True, 1, None)
    assert urged(await rows(runtime, orm.infra.outbox)) == [("t1", "zjj", "overdue")]

    await deliver(runtime, "deadlines", ev.DEADLINE_OVERDUE, overdue)  # a duplicate after the assignment
    assert urged(await rows(runtime, orm.infra.outbox)) == [("t1", "zjj", "overdue")], "urged once per trigger"


async def test_a_return_before_the_assignment_waits_for_it(runtime):
    returned = ev.TaskReturned(task_id="t2", matter_id="m2", reason="材料不全", returned_at=NOW)
    await deliver(runtime, "tasks", ev.TASK_RETURNED, returned)
    [task] = await rows(runtime, orm.watched_tasks)
    assert (task["unit"], task["returns"], task["urges"], [w["reason"] for w in task["waiting"]]) == (
        None,
        1,
        0,
        ["returned"],
    )
    assert await rows(runtime, orm.infra.outbox) == []

    await deliver(runtime, "tasks", ev.TASK_ASSIGNED, assigned("t2", "m2"))
    [task] = await rows(runtime, orm.watched_tasks)
    assert (task["unit"], task["returns"], task["urges"], task["waiting"]) == (
        "zjj",
        1,
        0,
        None,
    )  # a return is not an urge
    assert urged(await rows(runtime, orm.infra.outbox)) == []
    assert [(s["task_id"], s["step"]) for s in await rows(runtime, orm.steps_taken)] == [
        ("t2", 1)
    ]  # the first rung, once


async def test_an_overdue_whose_task_got_a_new_deadline_before_its_assignment_is_not_taken(runtime):
    await deliver(runtime, "deadlines", ev.DEADLINE_OVERDUE, deadline_overdue("t3", "m3"))
    extended = deadline_set("t3", "m3", due_at=DUE_AT.replace(day=4, month=12))  # meanwhile: no longer overdue
    await deliver(runtime, "deadlines", ev.DEADLINE_SET, extended)
    await deliver(runtime, "tasks", ev.TASK_ASSIGNED, assigned("t3", "m3"))
    [task] = await rows(runtime, orm.watched_tasks)
    assert (task["unit"], task["overdue"], task["urges"], task["waiting"]) == ("zjj", False, 0, None)
    assert urged(await rows(runtime, orm.infra.outbox)) == []


async def test_a_supervision_order_is_signed_only_once_the_task_has_a_unit(runtime):
    """Known from its deadline.set only, a task has no unit yet: signing its order (the last step of
    its chain) is refused and changes nothing (no number taken, nothing sent); once assigned, it is
    signed as the first."""
    await deliver(runtime, "deadlines", ev.DEADLINE_SET, deadline_set("t4", "m4"))
    with tenancy.scoped("demo"):
        async with runtime.db.transaction() as s:  # this test is about the order's own chain (the default)
            await s.execute(
                orm.signoff.signoff_chains.delete().where(orm.signoff.signoff_chains.c.doc_type == "supervision_order")
            )
    people = {
        "approve": Turn("leader-1", frozenset({"leader"})),
        "sign": Turn("director-1", frozenset({"office_director"})),
        "propose": Turn("deputy-1", frozenset({"office_deputy"})),
    }

    async def step(name: str, order_id: str | None = None):
        with tenancy.scoped("demo"):
            async with runtime.unit_of_work() as uow:
                if order_id is None:
                    return await orders.propose(
                        uow, runtime.signoff, await handlers.load(uow, "t4"), "务必于本周内完成整改", "督查室 孙丽"
                    )
                draft = await orders.draft_of(uow.session, runtime.signoff, "demo", order_id)
                done = await runtime.signoff.act(
                    uow,
                    "demo",
                    draft["id"],
                    people[name],
                    people[name].person,
                    Decision("approve", None, orders.STEP_ACTIONS[name]),
                )
                return {"status": orders.status_of(done), "notice_no": done["number"]}

    order = (await step("propose"))["order_id"]
    await step("propose", order)
    await step("approve", order)
    with pytest.raises(SignoffError) as refused:
        await step("sign", order)
    assert refused.value.status == 409 and "尚未交办" in str(refused.value)
    [o] = await rows(runtime, orm.supervision_orders)
    assert (o["status"], o["notice_no"], o["signed_by"]) == ("proposed", None, None)
    assert await rows(runtime, orm.notice_sequences) == [] and await rows(runtime, orm.infra.outbox) == []

    await deliver(runtime, "tasks", ev.TASK_ASSIGNED, assigned("t4", "m4"))
    signed = await step("sign", order)
    assert (signed["status"], signed["notice_no"]) == ("issued", "督办单〔2026〕1号")
    issued = [json.loads(r["payload"]) for r in await rows(runtime, orm.infra.outbox)]
    assert [(e["data"]["unit"], e["data"]["notice_no"]) for e in issued if e["type"] == ev.ESCALATION_ORDER_ISSUED] == [
        ("zjj", "督办单〔2026〕1号")
    ]


async def test_an_urge_or_rectification_demand_before_the_assignment_is_refused_and_changes_nothing(runtime):
    await deliver(runtime, "deadlines", ev.DEADLINE_SET, deadline_set("t5", "m5"))
    url, leader = "/v1/tenants/demo/tasks/t5/rectification-unmet", {"X-Duban-Role": "leader", "Idempotency-Key": "r1"}
    with tenancy.scoped("demo"):
        async with escalation_routes(runtime) as client:
            refused = await client.post(url, json={"by": "王县长"}, headers=leader)
            assert refused.status_code == 409 and "尚未交办" in refused.json()["detail"]
            urge = await client.post(
                "/v1/tenants/demo/tasks/t5/urge", json={}, headers={"X-Duban-Role": "supervision_office"}
            )
            assert urge.status_code == 409 and "暂不能催办" in urge.json()["detail"]
            assert [(t["urges"], t["unit"]) for t in await rows(runtime, orm.watched_tasks)] == [(0, None)]
            assert await rows(runtime, orm.urges) == [] and await rows(runtime, orm.infra.outbox) == []
            await deliver(runtime, "tasks", ev.TASK_ASSIGNED, assigned("t5", "m5"))
            nameless = await client.post(url, json={}, headers={"Idempotency-Key": "r0"})  # no role, nobody named
            assert nameless.status_code == 422 and "签署人" in nameless.text
            assert await rows(runtime, orm.urges) == [] and await rows(runtime, orm.infra.outbox) == []
            taken = await client.post(url, json={"by": "王县长"}, headers=leader)
    assert taken.status_code == 200 and taken.json()["steps_taken"] == [
        2
    ]  # rung 1 came with the urge; rung 2 by the trigger
    assert sorted(s["step"] for s in await rows(runtime, orm.steps_taken)) == [1, 2]
    assert urged(await rows(runtime, orm.infra.outbox)) == [("t5", "zjj", "rectification_unmet")]


async def test_a_reassignment_processed_before_the_assignment_keeps_its_unit_and_triggers_wait_for_the_assignment(
    runtime,
):
    """task.assigned failed once and waits for its redelivery while the same stream's task.reassigned
    goes through: the later unit stays when the assignment comes, and what came meanwhile (an overdue,
    an urge by hand) waits for the assignment, which alone carries the title."""
    reassigned = ev.TaskReassigned(
        task_id="t6", matter_id="m6", previous_unit="zjj", lead_unit="fgj", reassigned_at=NOW, version=2
    )
    await deliver(runtime, "tasks", ev.TASK_REASSIGNED, reassigned)
    await deliver(runtime, "deadlines", ev.DEADLINE_OVERDUE, deadline_overdue("t6", "m6"))
    [task] = await rows(runtime, orm.watched_tasks)
    assert (task["unit"], task["title"], task["urges"], [w["reason"] for w in task["waiting"]]) == (
        "fgj",
        None,
        0,
        ["overdue"],
    )
    with tenancy.scoped("demo"):
        async with escalation_routes(runtime) as client:
            urge = await client.post(
                "/v1/tenants/demo/tasks/t6/urge", json={}, headers={"X-Duban-Role": "supervision_office"}
            )
    assert urge.status_code == 409 and await rows(runtime, orm.infra.outbox) == []

    await deliver(
        runtime, "tasks", ev.TASK_ASSIGNED, assigned("t6", "m6")
    )  # names zjj, the unit before the reassignment
    [task] = await rows(runtime, orm.watched_tasks)
    assert (task["unit"], task["title"], task["urges"], task["waiting"]) == (
        "fgj",
        "关于加快推进农村供水保障工程的批示",
        1,
        None,
    )
    assert urged(await rows(runtime, orm.infra.outbox)) == [("t6", "fgj", "overdue")]

    for version, unit in ((4, "jyj"), (3, "wjj")):  # the fourth version's reassignment processed before the third's
        await deliver(
            runtime,
            "tasks",
            ev.TASK_REASSIGNED,
            ev.TaskReassigned(task_id="t6", matter_id="m6", lead_unit=unit, reassigned_at=NOW, version=version),
        )
    [task] = await rows(runtime, orm.watched_tasks)
    assert (task["unit"], task["unit_version"]) == ("jyj", 4)


async def test_a_manual_urge_keeps_the_offices_words_and_who_urged(runtime, duban_auth):
    """Through the service's app with real tokens: the reason the office typed is stored, sent in the
    event, the notice and the message; who urged and who proposed an order come from the token."""
    await deliver(runtime, "deadlines", ev.DEADLINE_SET, deadline_set("t9", "m9"))
    await deliver(runtime, "tasks", ev.TASK_ASSIGNED, assigned("t9", "m9"))
    await deliver(
        runtime, "units", ev.UNIT_UPDATED, unit_fact(version=2, phone="13800000000")
    )  # the unit gets the urge by SMS
    office = {"Authorization": "Bearer " + duban_auth.token(tenant="demo", roles=["supervision_office"], name="李敏")}
    words = "群众反映强烈，请于本周五前报送整改方案"
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=runtime.app("escalation")), base_url="http://t"
    ) as client:
        r = await client.post(
            "/v1/tenants/demo/tasks/t9/urge", json={"reason": words}, headers={**office, "Idempotency-Key": "u1"}
        )
        assert r.status_code == 200, r.text
        history = (await client.get("/v1/tenants/demo/tasks/t9/escalation", headers=office)).json()
        order = await client.post(
            "/v1/tenants/demo/tasks/t9/supervision-orders", json={"requirement": "务必于本周内完成整改"}, headers=office
        )
        assert order.status_code == 201, order.text
    [u] = history["urge_list"]
    assert (u["reason"], u["note"], u["urged_by"]) == ("manual", words, "李敏")
    events = [json.loads(r["payload"]) for r in await rows(runtime, orm.infra.outbox)]
    [event] = [e["data"] for e in events if e["type"] == ev.ESCALATION_URGED]
    assert (event["reason"], event["note"], event["urged_by"]) == ("manual", words, "李敏")
    texts = [e["data"]["text"] for e in events if e["type"] == ev.NOTIFICATION_REQUESTED]
    assert any(f"“关于加快推进农村供水保障工程的批示”{words}，现予第1次催办" in t for t in texts), texts
    [o] = await rows(runtime, orm.supervision_orders)
    assert o["proposed_by"] == "李敏"
