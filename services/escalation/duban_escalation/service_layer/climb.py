"""Urging and climbing the ladder. Every urge has a trigger key (unique), every rung is
taken once per task (primary key), so redelivery and restarts never escalate twice."""

from __future__ import annotations

import uuid
from datetime import time, timedelta, timezone

from sqlalchemy import select

from duban_common import sequences
from duban_common.calendar import TZ, WorkCalendar, at_local, local_day
from duban_common.contracts import events as ev
from duban_common.outbox import UnitOfWork

from ..adapters.orm import cases, deductions, explanations, ladders, notice_sequences, steps_taken, timers, urges, watched_tasks
from ..domain.ladder import ACTIONS, DEFAULT_LADDER, URGE_REASONS, Ladder, steps_reached
from . import dossier, notify


async def ladder_of(uow: UnitOfWork, tenant: str) -> Ladder:
    row = (await uow.session.execute(select(ladders.c.definition).where(ladders.c.tenant == tenant))).first()
    return Ladder.model_validate(row.definition) if row else DEFAULT_LADDER


async def schedule(uow: UnitOfWork, tenant: str, task_id: str, kind: str, key: str, due_at) -> None:
    if (await uow.session.execute(select(timers.c.key).where(timers.c.key == key))).first() is None:
        await uow.session.execute(timers.insert(), dict(key=key, tenant=tenant, task_id=task_id, kind=kind, due_at=due_at, cancelled=False))


async def cancel_timers(uow: UnitOfWork, task_id: str, kind: str | None = None) -> None:
    q = timers.update().where(timers.c.task_id == task_id, timers.c.fired_at.is_(None))
    if kind:
        q = q.where(timers.c.kind == kind)
    await uow.session.execute(q.values(cancelled=True))


def due_time_of(task: dict) -> time:
    """The tenant's time of day things are due, as the deadline service announced it with the task's
    deadline (deadline.set due_at); 17:30 until one is known."""
    return task["due_at"].astimezone(TZ).time().replace(tzinfo=None) if task.get("due_at") else time(17, 30)


def _workdays_later(cal: WorkCalendar, instant, n: int, at: time = time(9, 0)):
    return at_local(cal.add_workdays(local_day(instant), n).day, at).astimezone(timezone.utc)


async def urge(uow: UnitOfWork, task: dict, reason: str, trigger_key: str, cal: WorkCalendar, ctx: notify.Context,
               note: str | None = None, by: str | None = None) -> bool:
    """Urge a task once per trigger; climb every rung the new count reaches. False: already done.
    ``note``: what the office wrote (a manual urge), ``by``: who urged by hand."""
    if (await uow.session.execute(select(urges.c.id).where(urges.c.trigger_key == trigger_key))).first():
        return False
    tenant, now = task["tenant"], uow.now()
    ladder = await ladder_of(uow, tenant)
    count = task["urges"] + 1
    year = local_day(now).year
    notice_no = sequences.format_number("催办", year, await sequences.next_value(uow.session, notice_sequences, tenant, year, "urge"))
    urge_id = str(uuid.uuid4())
    await uow.session.execute(urges.insert(), dict(id=urge_id, tenant=tenant, task_id=task["task_id"], urge_no=count, notice_no=notice_no,
                                                    reason=reason, note=note, urged_by=by, trigger_key=trigger_key, at=now))
    await uow.session.execute(watched_tasks.update().where(watched_tasks.c.task_id == task["task_id"]).values(urges=count, updated_at=now))
    common = dict(task_id=task["task_id"], matter_id=task["matter_id"], unit=task["unit"])
    await uow.emit(tenant, ev.ESCALATION_URGED, ev.EscalationUrged(urge_id=urge_id, urge_no=count, notice_no=notice_no, reason=reason,
                                                                  note=note, urged_by=by, urged_at=now, **common))
    await dossier.add(uow, tenant, task["matter_id"], task["task_id"], "urge", {"urge_no": count, "notice_no": notice_no, "reason": reason, "note": note, "by": by})
    if ladder.urge_deduction:
        await deduct(uow, task, ladder.urge_deduction, f"催办（{notice_no}）")
    await notify.send(uow, ctx, task, "urge", f"【督办提醒】{{unit}}：您单位承办的“{{title}}”{_braces(note) or URGE_REASONS[reason]}，"
                      f"现予第{count}次催办（{notice_no}），请立即办理并反馈。", copies=True)
    taken = set((await uow.session.execute(select(steps_taken.c.step).where(steps_taken.c.task_id == task["task_id"]))).scalars())
    for n, step in steps_reached(ladder, count, taken):
        await take_step(uow, task, n, step, count, cal, ctx)
    return True


def _braces(text: str | None) -> str | None:
    """The office's words inside a notice template: its braces stay text."""
    return text.replace("{", "{{").replace("}", "}}") if text else None


async def deduct(uow: UnitOfWork, task: dict, points: float, reason: str) -> None:
    deduction_id = str(uuid.uuid4())
    await uow.session.execute(deductions.insert(), dict(id=deduction_id, tenant=task["tenant"], unit=task["unit"], task_id=task["task_id"],
                                                         points=points, reason=reason, at=uow.now()))
    await uow.emit(task["tenant"], ev.ESCALATION_DEDUCTED, ev.EscalationDeducted(
        deduction_id=deduction_id, task_id=task["task_id"], matter_id=task["matter_id"], unit=task["unit"], points=points,
        reason=reason, deducted_at=uow.now()))


async def returned(uow: UnitOfWork, task: dict, cal: WorkCalendar, ctx: notify.Context) -> bool:
    """「…或因办理质量不高退回重办的，由…督查室予以通报」: a return for rework takes the first rung's
    bulletin, once per task. It is not an urge: no urge notice, no urge deduction, the count stays
    (three returns never reach the third rung). False: the rung was taken already, or it transfers."""
    ladder = await ladder_of(uow, task["tenant"])
    first = ladder.steps[0]
    taken = set((await uow.session.execute(select(steps_taken.c.step).where(steps_taken.c.task_id == task["task_id"]))).scalars())
    if 1 in taken or "transfer" in first.actions:
        return False
    await take_step(uow, task, 1, first, task["urges"], cal, ctx, why="因办理质量不高被退回重办")
    return True


async def take_step(uow: UnitOfWork, task: dict, n: int, step, count: int, cal: WorkCalendar, ctx: notify.Context,
                    why: str | None = None) -> None:
    tenant, now = task["tenant"], uow.now()
    await uow.session.execute(steps_taken.insert(), dict(task_id=task["task_id"], step=n, tenant=tenant, actions=step.actions, at=now))
    common = dict(task_id=task["task_id"], matter_id=task["matter_id"], unit=task["unit"], step=n)
    await uow.emit(tenant, ev.ESCALATION_STEP_TAKEN, ev.EscalationStepTaken(urges=count, actions=step.actions, taken_at=now, **common))
    if step.deduction:
        await deduct(uow, task, step.deduction, f"第{n}级：" + "、".join(ACTIONS[a] for a in step.actions))
    for action in step.actions:
        if action in ("bulletin_office", "bulletin_government"):
            by = "supervision_office" if action == "bulletin_office" else "government_office"
            text = f"{ctx.unit_name(task)}承办的“{task['title']}”{why or f'经{count}次催办仍未按期办结'}，予以{ACTIONS[action]}。"
            await uow.emit(tenant, ev.ESCALATION_BULLETINED, ev.EscalationBulletined(issued_by=by, text=text, bulletined_at=now, **common))
            await dossier.add(uow, tenant, task["matter_id"], task["task_id"], "bulletin", {"step": n, "issued_by": by, "text": text})
            await notify.send(uow, ctx, task, "bulletin", "【督查通报】" + text)
        elif action == "censure_in_special_report":
            text = f"{ctx.unit_name(task)}承办的“{task['title']}”{why or f'经{count}次催办仍未按期办结'}，在《督查专报》上予以通报批评。"
            await uow.emit(tenant, ev.ESCALATION_BULLETINED, ev.EscalationBulletined(issued_by="special_report", text=text, bulletined_at=now, **common))
            await dossier.add(uow, tenant, task["matter_id"], task["task_id"], "bulletin", {"step": n, "issued_by": "special_report", "text": text})
            await notify.send(uow, ctx, task, "bulletin", "【督查专报】" + text)
        elif action == "public_censure":
            await censure_publicly(uow, task, n, ctx, why or f"经{count}次催办仍未按期办结")
        elif action == "explanation":
            due_at = _workdays_later(cal, now, step.explanation_workdays, due_time_of(task))
            await uow.session.execute(explanations.insert(), dict(task_id=task["task_id"], step=n, tenant=tenant, unit=task["unit"],
                                                                   required_at=now, due_at=due_at))
            await uow.emit(tenant, ev.ESCALATION_EXPLANATION_REQUIRED, ev.EscalationExplanationRequired(due_at=due_at, required_at=now, **common))
            await dossier.add(uow, tenant, task["matter_id"], task["task_id"], "explanation_required", {"step": n, "due_at": due_at.isoformat()})
            await schedule(uow, tenant, task["task_id"], "explanation", f"explanation:{task['task_id']}:{n}", due_at + timedelta(seconds=1))
            await notify.send(uow, ctx, task, "explanation", "【督办提醒】{unit}：请单位主要负责人就“{title}”逾期未办结作出书面说明并提出整改措施，"
                              f"于{local_day(due_at).isoformat()}前提交。")
        elif action == "admonition":
            await dossier.add(uow, tenant, task["matter_id"], task["task_id"], "admonition", {"step": n})
            await notify.send(uow, ctx, task, "admonition", "【约谈通知】{unit}：因“{title}”多次催办未办结，请单位主要负责人按通知参加约谈。")
        elif action == "transfer":
            await dossier.transfer(uow, task, ctx)


async def censure_publicly(uow: UnitOfWork, task: dict, n: int, ctx: notify.Context, why: str) -> None:
    """公开通报批评: for the media or publicity platform (duban.out.<tenant>.publicity.censure), and
    recorded as a bulletin of the rung."""
    tenant, now = task["tenant"], uow.now()
    text = f"{ctx.unit_name(task)}承办的“{task['title']}”{why}，经《督查专报》通报批评后仍未办理，予以公开通报批评。"
    await uow.emit(tenant, ev.PUBLIC_CENSURE, ev.PublicCensure(
        censure_id=str(uuid.uuid4()), task_id=task["task_id"], matter_id=task["matter_id"], unit=task["unit"],
        unit_name=ctx.unit_name(task), title=task["title"], text=text, step=n, censured_at=now))
    await uow.emit(tenant, ev.ESCALATION_BULLETINED, ev.EscalationBulletined(
        issued_by="public", text=text, bulletined_at=now, task_id=task["task_id"], matter_id=task["matter_id"], unit=task["unit"], step=n))
    await dossier.add(uow, tenant, task["matter_id"], task["task_id"], "bulletin", {"step": n, "issued_by": "public", "text": text})


async def escalate(uow: UnitOfWork, task: dict, reason: str, key: str, cal: WorkCalendar, ctx: notify.Context,
                   note: str | None = None, by: str | None = None) -> None:
    """Urge for this trigger and, while the task stays overdue, urge again after the ladder's interval."""
    if not await urge(uow, task, reason, key, cal, ctx, note, by):
        return
    row = (await uow.session.execute(select(watched_tasks).where(watched_tasks.c.task_id == task["task_id"]))).mappings().first()
    transferred = (await uow.session.execute(select(cases.c.id).where(cases.c.task_id == task["task_id"]))).first()
    if transferred:
        await cancel_timers(uow, task["task_id"])  # the ladder ends with the transfer
    elif row["overdue"] and not row["closed"]:
        ladder = await ladder_of(uow, task["tenant"])
        await schedule(uow, task["tenant"], task["task_id"], "reurge", f"reurge:{task['task_id']}:{row['urges']}",
                       _workdays_later(cal, uow.now(), ladder.reurge_workdays))


async def rectification_unmet(uow: UnitOfWork, task: dict, key: str, cal: WorkCalendar, ctx: notify.Context) -> list[int]:
    """A leader's rectification demand is still not met: take the rungs that answer it, once."""
    if (await uow.session.execute(select(urges.c.id).where(urges.c.trigger_key == key))).first():
        return []
    await urge(uow, task, "rectification_unmet", key, cal, ctx)
    task = dict((await uow.session.execute(select(watched_tasks).where(watched_tasks.c.task_id == task["task_id"]))).mappings().first())
    ladder = await ladder_of(uow, task["tenant"])
    taken = set((await uow.session.execute(select(steps_taken.c.step).where(steps_taken.c.task_id == task["task_id"]))).scalars())
    reached = steps_reached(ladder, task["urges"], taken, "rectification_unmet")
    for n, step in reached:
        await take_step(uow, task, n, step, task["urges"], cal, ctx)
    return [n for n, _ in reached]
