"""What counts as an urge, as the reference documents count it: escalation's handlers and timers
on a real database (no broker)."""

from __future__ import annotations

import json
from datetime import datetime

from test_escalation_order import (  # noqa: F401 - the fixture
    NOW,
    assigned,
    contexts,
    deadline_overdue,
    deadline_set,
    deliver,
    runtime,
)

from duban_common.calendar import TZ, WorkCalendar
from duban_common.contracts import events as ev
from duban_escalation.adapters import orm
from duban_escalation.domain.ladder import DEFAULT_LADDER
from duban_escalation.service_layer.timers import EscalationTimers
from service_support import rows


def published(outbox: list[dict], type_: str) -> list[dict]:
    return [e["data"] for e in (json.loads(r["payload"]) for r in outbox) if e["type"] == type_]


def overdue(task_id: str, n: int) -> ev.DeadlineOverdue:
    return deadline_overdue(task_id, "m", timer_id=f"{task_id}:overdue:{n}")


async def test_three_returns_take_the_first_rung_once_and_are_not_urges(runtime):  # noqa: F811
    """Bozhou: 「逾期不报被催办1次或因办理质量不高退回重办的，由…督查室予以通报」. A return triggers the
    first rung's bulletin, once; it is not counted as an urge, issues no 催办单 and no urge
    deduction. Three returns do not reach the third rung."""
    await deliver(runtime, "tasks", ev.TASK_ASSIGNED, assigned("t1", "m"))
    for n in range(3):
        await deliver(
            runtime,
            "tasks",
            ev.TASK_RETURNED,
            ev.TaskReturned(task_id="t1", matter_id="m", reason=f"材料不全{n}", returned_at=NOW),
        )
    [task] = await rows(runtime, orm.watched_tasks)
    assert (task["returns"], task["urges"]) == (3, 0)
    assert [s["step"] for s in await rows(runtime, orm.steps_taken)] == [1]
    assert await rows(runtime, orm.urges) == []
    outbox = await rows(runtime, orm.infra.outbox)
    assert published(outbox, ev.ESCALATION_URGED) == []
    [bulletin] = published(outbox, ev.ESCALATION_BULLETINED)
    assert (
        bulletin["issued_by"] == "supervision_office"
        and "退回重办" in bulletin["text"]
        and "催办" not in bulletin["text"]
    )
    assert [d["points"] for d in await rows(runtime, orm.deductions)] == [
        DEFAULT_LADDER.steps[0].deduction
    ]  # the rung's, no urge's

    await deliver(
        runtime, "deadlines", ev.DEADLINE_OVERDUE, overdue("t1", 1)
    )  # the first real urge takes no rung again
    [task] = await rows(runtime, orm.watched_tasks)
    assert task["urges"] == 1 and [s["step"] for s in await rows(runtime, orm.steps_taken)] == [1]


async def test_a_missed_explanation_is_recorded_and_is_an_urge_only_where_the_ladder_says_so(runtime):  # noqa: F811
    """Issue: 「a missed written explanation is recorded (and goes into any dossier); it is not an urge
    unless a tenant's ladder says so」."""
    await deliver(runtime, "tasks", ev.TASK_ASSIGNED, assigned("t2", "m"))
    for n in (1, 2):  # two urges: the second rung asks the unit head for a written explanation in 3 working days
        await deliver(runtime, "deadlines", ev.DEADLINE_OVERDUE, overdue("t2", n))
    [expl] = await rows(runtime, orm.explanations)
    assert expl["submitted_at"] is None
    later = datetime(
        2026, 11, 27, 10, 0, tzinfo=TZ
    )  # past the explanation's limit (Thu 26th 17:30), before the re-urge (30th)
    runtime.clock.set(later)
    await EscalationTimers(runtime, WorkCalendar(), contexts(runtime)).fire_due(later)
    [task] = await rows(runtime, orm.watched_tasks)
    assert task["urges"] == 2, "not an urge"
    assert [e["data"] for e in await rows(runtime, orm.dossier_entries) if e["type"] == "explanation_missing"] == [
        {"step": 2}
    ]

    with_urge = DEFAULT_LADDER.model_copy(update={"explanation_missing_urges": True})
    await runtime_ladder(runtime, with_urge)
    await deliver(runtime, "tasks", ev.TASK_ASSIGNED, assigned("t3", "m"))
    for n in (1, 2):
        await deliver(runtime, "deadlines", ev.DEADLINE_OVERDUE, overdue("t3", n))
    await EscalationTimers(runtime, WorkCalendar(), contexts(runtime)).fire_due(datetime(2026, 12, 4, 10, 0, tzinfo=TZ))
    t3 = next(t for t in await rows(runtime, orm.watched_tasks) if t["task_id"] == "t3")
    assert [u["reason"] for u in await rows(runtime, orm.urges) if u["task_id"] == "t3"][:3] == [
        "overdue",
        "overdue",
        "explanation_missing",
    ]
    assert t3["urges"] >= 3


async def runtime_ladder(rt, ladder) -> None:
    from duban_common import tenancy

    with tenancy.scoped("demo"):
        async with rt.unit_of_work() as uow:
            await uow.session.execute(
                orm.ladders.insert(), dict(tenant="demo", definition=ladder.model_dump(), updated_at=uow.now())
            )


async def test_a_progress_report_does_not_stop_the_urging_a_deadline_ahead_does(runtime):  # noqa: F811
    """Bozhou: the first trigger is 「逾期不报被催办1次」, late AND not reported. A progress report on a
    rule that asks for the completion does not end it (it used to cancel all further urging, even
    at 0 %); a deadline moved ahead (a feedback report met a feedback rule, an extension) does."""
    await deliver(runtime, "tasks", ev.TASK_ASSIGNED, assigned("t4", "m"))
    await deliver(runtime, "deadlines", ev.DEADLINE_OVERDUE, overdue("t4", 1))
    if ev.TASK_PROGRESS_REPORTED in runtime.handlers["tasks"]:  # else the consumer acks it unread
        await deliver(
            runtime,
            "tasks",
            ev.TASK_PROGRESS_REPORTED,
            ev.TaskProgressReported(task_id="t4", matter_id="m", unit="zjj", reported_at=NOW, progress=0),
        )
    [reurge] = [t for t in await rows(runtime, orm.timers) if t["kind"] == "reurge"]
    assert not reurge["cancelled"]
    ahead = deadline_set(
        "t4",
        "m",
        due_at=datetime(2026, 12, 21, 17, 30, tzinfo=TZ),
        rule="meeting_executive",
        reason="feedback_received",
    )
    await deliver(runtime, "deadlines", ev.DEADLINE_SET, ahead)
    [task] = await rows(runtime, orm.watched_tasks)
    [reurge] = [t for t in await rows(runtime, orm.timers) if t["kind"] == "reurge"]
    assert (task["overdue"], reurge["cancelled"]) == (False, True)


async def test_the_explanation_is_due_at_the_tenants_due_time_as_the_deadline_service_announced_it(runtime):  # noqa: F811
    """Issue: the 17:30 due time lived in escalation's climb.take_step as a literal too; the deadline
    service owns it per tenant and announces it with the deadline (deadline.set due_at)."""
    await deliver(runtime, "tasks", ev.TASK_ASSIGNED, assigned("t5", "m"))
    at_six = deadline_set("t5", "m", due_at=datetime(2026, 11, 20, 18, 0, tzinfo=TZ), rule="meeting_executive")
    await deliver(runtime, "deadlines", ev.DEADLINE_SET, at_six)  # a tenant whose day ends at 18:00
    for n in (1, 2):
        await deliver(runtime, "deadlines", ev.DEADLINE_OVERDUE, overdue("t5", n))
    [expl] = await rows(runtime, orm.explanations)
    assert expl["due_at"].astimezone(TZ) == datetime(
        2026, 11, 26, 18, 0, tzinfo=TZ
    )  # 3 working days after Mon 23rd, 18:00
