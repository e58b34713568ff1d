"""Urging and climbing the ladder. Every urge has a trigger key (unique), every rung is
taken once per task (primary key), so redelivery and restarts never escalate twice."""

from __future__ import annotations

import uuid
from datetime import time, timedelta, timezone

from sqlalchemy import select

from duban_common.calendar import TZ, WorkCalendar, at_local, local_day
from duban_common.contracts import events as ev
from duban_common.outbox import UnitOfWork

from ..adapters.orm import explanation_assessments, explanations, steps_taken, timers, urges, watched_tasks
from ..domain.ladder import ACTIONS, steps_reached
from . import assessment, dossier, drafting, notify
from .rules import deduct, ladder_of

BY_THE_RULES = "督办升级规则"  # who drafts what the ladder drafts by itself


async def schedule(uow: UnitOfWork, tenant: str, task_id: str, kind: str, key: str, due_at) -> None:
    if (await uow.session.execute(select(timers.c.key).where(timers.c.key == key))).first() is None:
        await uow.session.execute(
            timers.insert(), dict(key=key, tenant=tenant, task_id=task_id, kind=kind, due_at=due_at, cancelled=False)
        )


async def cancel_timers(uow: UnitOfWork, task_id: str, kind: str | None = None) -> None:
    statement = timers.update().where(timers.c.task_id == task_id, timers.c.fired_at.is_(None))
    if kind:
        statement = statement.where(timers.c.kind == kind)
    await uow.session.execute(statement.values(cancelled=True))


def due_time_of(task: dict) -> time:
    """The tenant's time of day things are due, as the deadline service announced it with the task's
    deadline (deadline.set due_at); 17:30 until one is known."""
    return task["due_at"].astimezone(TZ).time().replace(tzinfo=None) if task.get("due_at") else time(17, 30)


def _workdays_later(cal: WorkCalendar, instant, workdays: int, at: time = time(9, 0)):
    return at_local(cal.add_workdays(local_day(instant), workdays).day, at).astimezone(timezone.utc)


async def escalate(
    uow: UnitOfWork,
    task: dict,
    reason: str,
    trigger_key: str,
    cal: WorkCalendar,
    ctx: notify.Context,
    note: str | None = None,
    by: str | None = None,
    *,
    again: bool = True,
) -> bool:
    """Urge a task once per trigger; climb every rung the new count reaches; and, with ``again``,
    while the task stays overdue, urge again after the ladder's interval. False: already done.
    The urge counts at once (the count is the ladder's clock); its 催办单 is a draft that takes its
    number, goes out and deducts when signed off (issuing.urge_notice). ``note``: what the office
    wrote (a manual urge), ``by``: who urged by hand."""
    if (await uow.session.execute(select(urges.c.id).where(urges.c.trigger_key == trigger_key))).first():
        return False
    count, urge_id = task["urges"] + 1, str(uuid.uuid4())
    urge_row = dict(id=urge_id, urge_no=count, reason=reason, note=note, urged_by=by, trigger_key=trigger_key)
    await _record_urge(uow, task, urge_row)
    await dossier.draft_about(
        drafting.desk_with(ctx),
        uow,
        task,
        "urge_notice",
        f"urge:{urge_id}",
        title=f"第{count}次催办：{task['title'] or ''}",
        payload={"urge_id": urge_id, "urge_no": count, "reason": reason, "note": note},
        by=by or BY_THE_RULES,
    )
    await _climb(uow, task, count, cal, ctx)
    if again:
        await _urge_again_later(uow, task, cal)
    return True


async def _record_urge(uow: UnitOfWork, task: dict, urge_row: dict) -> None:
    """The urge row (its notice number comes at sign-off) and the task's new urge count."""
    now = uow.now()
    await uow.session.execute(
        urges.insert(),
        dict(urge_row, tenant=task["tenant"], task_id=task["task_id"], notice_no=None, at=now),
    )
    await uow.session.execute(
        watched_tasks.update()
        .where(watched_tasks.c.task_id == task["task_id"])
        .values(urges=urge_row["urge_no"], updated_at=now)
    )


async def _climb(uow: UnitOfWork, task: dict, count: int, cal: WorkCalendar, ctx: notify.Context) -> None:
    """Take every rung of the tenant's ladder the urge count reaches and the task has not taken yet."""
    ladder = await ladder_of(uow, task["tenant"])
    taken = set(
        (
            await uow.session.execute(select(steps_taken.c.step).where(steps_taken.c.task_id == task["task_id"]))
        ).scalars()
    )
    for rung, step in steps_reached(ladder, count, taken):
        await take_step(uow, task, rung, step, count, cal, ctx)


async def returned(uow: UnitOfWork, task: dict, cal: WorkCalendar, ctx: notify.Context) -> bool:
    """「…或因办理质量不高退回重办的，由…督查室予以通报」: a return for rework takes the first rung's
    bulletin, once per task. It is not an urge: no urge notice, no urge deduction, the count stays
    (three returns never reach the third rung). False: the rung was taken already, or it transfers."""
    ladder = await ladder_of(uow, task["tenant"])
    first = ladder.steps[0]
    taken = set(
        (
            await uow.session.execute(select(steps_taken.c.step).where(steps_taken.c.task_id == task["task_id"]))
        ).scalars()
    )
    if 1 in taken or "transfer" in first.actions:
        return False
    await take_step(uow, task, 1, first, task["urges"], cal, ctx, why="因办理质量不高被退回重办")
    return True


async def take_step(
    uow: UnitOfWork,
    task: dict,
    step_no: int,
    step,
    count: int,
    cal: WorkCalendar,
    ctx: notify.Context,
    why: str | None = None,
) -> None:
    tenant, now = task["tenant"], uow.now()
    await uow.session.execute(
        steps_taken.insert(), dict(task_id=task["task_id"], step=step_no, tenant=tenant, actions=step.actions, at=now)
    )
    common = dict(dossier.about(task), step=step_no)
    await uow.emit(
        tenant,
        ev.ESCALATION_STEP_TAKEN,
        ev.EscalationStepTaken(urges=count, actions=step.actions, taken_at=now, **common),
    )
    if step.deduction:
        await deduct(uow, task, step.deduction, f"第{step_no}级：" + "、".join(ACTIONS[a] for a in step.actions))
    for action in step.actions:
        if action in drafting.BULLETIN_TYPES:
            await _draft_bulletin(uow, task, step_no, action, why or f"经{count}次催办仍未按期办结", ctx)
        elif action == "public_censure":
            await _draft_public_censure(uow, task, step_no, why or f"经{count}次催办仍未按期办结", ctx)
        elif action == "explanation":
            await _require_explanation(uow, task, step_no, step, cal, ctx)
        elif action == "admonition":
            await _admonish(uow, task, step_no, ctx)
        elif action == "transfer":
            await assessment.require(uow, task, step_no, ctx)


async def _draft_public_censure(uow: UnitOfWork, task: dict, step_no: int, why: str, ctx: notify.Context) -> None:
    """公开通报批评 waits for its sign-off chain like the other bulletins."""
    text = f"{ctx.unit_name(task)}承办的“{task['title']}”{why}，经《督查专报》通报批评后仍未办理，予以公开通报批评。"
    payload = {"step": step_no, "text": text, "unit_name": ctx.unit_name(task)}
    key = f"censure:{task['task_id']}:{step_no}"
    desk = drafting.desk_with(ctx)
    await dossier.draft_about(
        desk, uow, task, "public_censure", key, title=text[:300], payload=payload, by=BY_THE_RULES
    )


async def _admonish(uow: UnitOfWork, task: dict, step_no: int, ctx: notify.Context) -> None:
    await dossier.add_about(uow, task["tenant"], task, "admonition", {"step": step_no})
    await notify.send(
        uow, ctx, task, "admonition", "【约谈通知】{unit}：因“{title}”多次催办未办结，请单位主要负责人按通知参加约谈。"
    )


async def _draft_bulletin(
    uow: UnitOfWork, task: dict, step_no: int, action: str, why: str, ctx: notify.Context
) -> None:
    """A bulletin of the rung, drafted: published when its chain is signed off (issuing.bulletin)."""
    if action == "censure_in_special_report":
        issued_by, text = (
            "special_report",
            f"{ctx.unit_name(task)}承办的“{task['title']}”{why}，在《督查专报》上予以通报批评。",
        )
    else:
        issued_by = "supervision_office" if action == "bulletin_office" else "government_office"
        text = f"{ctx.unit_name(task)}承办的“{task['title']}”{why}，予以{ACTIONS[action]}。"
    payload = {"step": step_no, "issued_by": issued_by, "text": text}
    key, doc_type = f"bulletin:{task['task_id']}:{step_no}:{action}", drafting.BULLETIN_TYPES[action]
    desk = drafting.desk_with(ctx)
    await dossier.draft_about(desk, uow, task, doc_type, key, title=text[:300], payload=payload, by=BY_THE_RULES)


async def _require_explanation(
    uow: UnitOfWork, task: dict, step_no: int, step, cal: WorkCalendar, ctx: notify.Context
) -> None:
    tenant, now = task["tenant"], uow.now()
    common = dict(dossier.about(task), step=step_no)
    due_at = _workdays_later(cal, now, step.explanation_workdays, due_time_of(task))
    await uow.session.execute(
        explanations.insert(),
        dict(task_id=task["task_id"], step=step_no, tenant=tenant, unit=task["unit"], required_at=now, due_at=due_at),
    )
    await uow.emit(
        tenant,
        ev.ESCALATION_EXPLANATION_REQUIRED,
        ev.EscalationExplanationRequired(due_at=due_at, required_at=now, **common),
    )
    await dossier.add_about(uow, tenant, task, "explanation_required", {"step": step_no, "due_at": due_at.isoformat()})
    await schedule(
        uow,
        tenant,
        task["task_id"],
        "explanation",
        f"explanation:{task['task_id']}:{step_no}",
        due_at + timedelta(seconds=1),
    )
    await notify.send(
        uow,
        ctx,
        task,
        "explanation",
        "【督办提醒】{unit}：请单位主要负责人就“{title}”逾期未办结作出书面说明并提出整改措施，"
        f"于{local_day(due_at).isoformat()}前提交。",
    )


async def _urge_again_later(uow: UnitOfWork, task: dict, cal: WorkCalendar) -> None:
    """While the task stays overdue (and short of the transfer rung), the next urge after the ladder's interval."""
    row = (
        (await uow.session.execute(select(watched_tasks).where(watched_tasks.c.task_id == task["task_id"])))
        .mappings()
        .first()
    )
    at_the_end = (
        await uow.session.execute(
            select(explanation_assessments.c.task_id).where(explanation_assessments.c.task_id == task["task_id"])
        )
    ).first()
    if at_the_end:
        await cancel_timers(uow, task["task_id"])  # the ladder ends at its transfer rung: people decide from here
    elif row["overdue"] and not row["closed"]:
        ladder = await ladder_of(uow, task["tenant"])
        await schedule(
            uow,
            task["tenant"],
            task["task_id"],
            "reurge",
            f"reurge:{task['task_id']}:{row['urges']}",
            _workdays_later(cal, uow.now(), ladder.reurge_workdays),
        )


async def rectification_unmet(
    uow: UnitOfWork, task: dict, key: str, cal: WorkCalendar, ctx: notify.Context
) -> list[int]:
    """A leader's rectification demand is still not met: take the rungs that answer it, once."""
    if (await uow.session.execute(select(urges.c.id).where(urges.c.trigger_key == key))).first():
        return []
    await escalate(uow, task, "rectification_unmet", key, cal, ctx, again=False)
    task = dict(
        (await uow.session.execute(select(watched_tasks).where(watched_tasks.c.task_id == task["task_id"])))
        .mappings()
        .first()
    )
    ladder = await ladder_of(uow, task["tenant"])
    taken = set(
        (
            await uow.session.execute(select(steps_taken.c.step).where(steps_taken.c.task_id == task["task_id"]))
        ).scalars()
    )
    reached = steps_reached(ladder, task["urges"], taken, "rectification_unmet")
    for step_no, step in reached:
        await take_step(uow, task, step_no, step, task["urges"], cal, ctx)
    return [n for n, _ in reached]
