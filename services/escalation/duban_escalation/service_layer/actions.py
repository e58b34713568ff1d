"""What people do to escalation over HTTP: set the ladder, urge by hand, report a rectification
demand unmet, submit a written explanation, propose and advance a supervision order."""

from __future__ import annotations

from duban_common import attachment_rows
from duban_common.calendar import WorkCalendar
from duban_common.contracts import events as ev
from duban_common.outbox import UnitOfWork
from duban_common.signoff import Decision, Desk, Turn

from ..adapters import repository
from ..adapters.orm import attachments
from ..domain.ladder import Ladder
from . import climb, handlers, notify, orders


class Refused(Exception):
    """The request cannot be done: ``status`` and ``detail`` as the HTTP answer gives them."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status, self.detail = status, detail


def _assigned(task: dict | None, tenant: str, task_id: str, action: str) -> dict:
    """The task, to urge or climb by hand: 404 if escalation does not know it, 409 while it has not
    applied its task.assigned yet (handlers.assigned: known from a deadline fact only, say)."""
    if task is None or task["tenant"] != tenant:
        raise Refused(404, f"任务 {task_id} 不存在")
    if not handlers.assigned(task):
        raise Refused(409, f"该任务尚未交办到承办单位，暂不能{action}，请稍后再试")
    return task


def _trigger_key(uow: UnitOfWork, kind: str, task_id: str, idempotency_key: str | None) -> str:
    """The trigger's key: the caller's idempotency key, else the moment (each call a new trigger)."""
    return f"{kind}:{task_id}:{idempotency_key or uow.now().isoformat()}"


async def replace_ladder(uow: UnitOfWork, tenant: str, ladder: Ladder) -> None:
    await repository.replace_ladder(uow.session, tenant, ladder.model_dump(), uow.now())


async def manual_urge(
    uow: UnitOfWork,
    contexts: notify.Contexts,
    calendar: WorkCalendar,
    tenant: str,
    task_id: str,
    *,
    note: str | None,
    by: str | None,
    idempotency_key: str | None,
) -> int:
    """Urge the task by hand (once per idempotency key); how many urges it has had since."""
    context = await contexts(uow.session, tenant)
    task = _assigned(await handlers.load(uow, task_id), tenant, task_id, "催办")
    if task["closed"]:
        raise Refused(409, "任务已办结，无需催办")
    key = _trigger_key(uow, "manual", task_id, idempotency_key)
    await climb.escalate(uow, task, "manual", key, calendar, context, note=note, by=by)
    return (await handlers.load(uow, task_id))["urges"]


async def rectification_unmet(
    uow: UnitOfWork,
    contexts: notify.Contexts,
    calendar: WorkCalendar,
    tenant: str,
    task_id: str,
    idempotency_key: str | None,
) -> list[int]:
    """A leader's rectification demand is still not met: the steps the ladder takes for it."""
    context = await contexts(uow.session, tenant)
    task = _assigned(await handlers.load(uow, task_id), tenant, task_id, "登记整改要求未落实")
    key = _trigger_key(uow, "rectification", task_id, idempotency_key)
    return await climb.rectification_unmet(uow, task, key, calendar, context)


async def submit_explanation(
    uow: UnitOfWork, tenant: str, task_id: str, acting_unit: str | None, text: str, attachment_ids: list[str]
) -> dict:
    """The unit's written explanation for the first step that asked for one, with its files."""
    pending = await repository.pending_explanation(uow.session, tenant, task_id)
    if pending is None:
        raise Refused(404, "该任务没有待提交的书面说明")
    if acting_unit != pending["unit"]:
        raise Refused(403, f"书面说明须由承办单位（{pending['unit']}）提交")
    try:
        files = await attachment_rows.refs(uow.session, attachments, tenant, task_id, attachment_ids)
    except attachment_rows.UnknownAttachments as error:
        raise Refused(422, str(error)) from None
    now, step = uow.now(), pending["step"]
    await repository.submit_explanation(uow.session, task_id, step, now, text, [file.id for file in files])
    task = await handlers.load(uow, task_id)
    await uow.emit(
        tenant,
        ev.ESCALATION_EXPLANATION_SUBMITTED,
        ev.EscalationExplanationSubmitted(
            task_id=task_id,
            matter_id=task["matter_id"],
            unit=pending["unit"],
            step=step,
            on_time=now <= pending["due_at"],
            submitted_at=now,
            attachments=[file.id for file in files],
            attachment_refs=[file.ref() for file in files],
        ),
    )
    return {"task_id": task_id, "step": step, "on_time": now <= pending["due_at"]}


async def propose_order(
    uow: UnitOfWork, desk: Desk, tenant: str, task_id: str, requirement: str, drafted_by: str
) -> dict:
    task = await handlers.load(uow, task_id)
    if task is None or task["tenant"] != tenant:
        raise Refused(404, f"任务 {task_id} 不存在")
    return await orders.propose(uow, desk, task, requirement, drafted_by)


async def advance_order(
    uow: UnitOfWork, desk: Desk, tenant: str, order_id: str, step: str, turn: Turn, person_name: str
) -> dict:
    """The order's next step by its name (orders.STEP_ACTIONS): the same as its draft's next step."""
    draft = await orders.draft_of(uow.session, desk, tenant, order_id)
    done = await desk.act(
        uow, tenant, draft["id"], turn, person_name, Decision("approve", None, orders.STEP_ACTIONS[step])
    )
    return {"order_id": order_id, "draft_id": done["id"], "status": orders.status_of(done), "notice_no": done["number"]}
