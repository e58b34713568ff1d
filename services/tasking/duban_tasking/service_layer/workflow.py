"""A unit's and the office's actions on a task: every one checked by the state machine,
written with its history row and its event in one transaction."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select

from duban_common.calendar import TZ, WorkCalendar
from duban_common.contracts import events as ev
from duban_common.outbox import UnitOfWork
from duban_common.signoff import Desk, SignoffError

from ..adapters.orm import matters, reports, task_history, tasks
from ..config import TaskingSettings
from ..domain.states import Action, Actor, IllegalTransition, Role, State, check, role_on
from . import attachments, replies
from .assignment import Assignment, history, locked_row, next_notice_number, roll_up, validate_units
from .reports import resent

COMPLETION_REPORT = "completion_report"  # the sign-off document type of a unit's completion report (单位办结报告)
# history rows of the unit's own sign-off: nothing leaves the unit, so no event (the draft's id names them)
AWAITING_UNIT_HEAD = "tasking.signoff.awaiting_unit_head.v1"
REFUSED_BY_UNIT_HEAD = "tasking.signoff.refused_by_unit_head.v1"


async def load_task(uow: UnitOfWork, tenant: str, task_id: str) -> dict:
    return await locked_row(uow, tasks, tenant, task_id, f"任务 {task_id} 不存在")


def about(task: dict) -> dict:
    """What every event of one task's lead unit says first: the task, its matter and the unit."""
    return {"task_id": task["id"], "matter_id": task["matter_id"], "unit": task["lead_unit"]}


async def _apply(
    uow: UnitOfWork, actor: Actor, task: dict, new_state: State, event_type: str, event, detail: dict, **changes
) -> None:
    event.version = task["version"] + 1
    emitted = await uow.emit(task["tenant"], event_type, event)
    await _move(uow, actor, task, new_state, event_type, emitted.id, detail, **changes)


async def _move(
    uow: UnitOfWork,
    actor: Actor,
    task: dict,
    new_state: State,
    history_type: str,
    history_id: str,
    detail: dict,
    **changes,
) -> None:
    """The task's new state and version, with its history row (``history_id``: the event's id, or
    the sign-off draft's for a change inside the unit that publishes nothing)."""
    await uow.session.execute(
        tasks.update().where(tasks.c.id == task["id"]).values(status=new_state, version=task["version"] + 1, **changes)
    )
    by = {"by": actor.person} if actor.person else {}  # who acted: the token's name (and unit)
    await history(uow, task["tenant"], task["id"], history_type, history_id, {"state": new_state.value, **detail, **by})


async def _report(
    uow: UnitOfWork, task: dict, type_: str, unit: str, text: str, progress: int | None = None, files=()
) -> str:
    report_id = str(uuid.uuid4())
    await uow.session.execute(
        reports.insert(),
        dict(
            id=report_id,
            tenant=task["tenant"],
            task_id=task["id"],
            type=type_,
            unit=unit,
            text=text,
            progress=progress,
            attachments=[f.id for f in files],
            at=uow.now(),
        ),
    )
    return report_id


async def _resent(
    uow: UnitOfWork, task: dict, actor: Actor, type_: str, text: str, progress: int | None, ids: Sequence[str]
) -> bool:
    """The lead unit sent this report again (see reports.resent); checked before the state, which
    the first one changed."""
    return role_on(actor, task["lead_unit"], task["co_units"]) == Role.lead_unit and await resent(
        uow, task["id"], type_, task["lead_unit"], text, progress, list(dict.fromkeys(ids))
    )


def _state(task: dict) -> State:
    return State(task["status"])


def _allowed(action: Action, task: dict, actor: Actor) -> State:
    """The state ``actor``'s ``action`` takes the task to; IllegalTransition when it may not be taken."""
    return check(action, _state(task), actor, task["lead_unit"], task["co_units"])


async def acknowledge(uow: UnitOfWork, tenant: str, task_id: str, actor: Actor) -> None:
    task = await load_task(uow, tenant, task_id)
    new = _allowed(Action.acknowledge, task, actor)
    now = uow.now()
    event = ev.TaskAcknowledged(**about(task), acknowledged_at=now)
    await _apply(uow, actor, task, new, ev.TASK_ACKNOWLEDGED, event, {}, acknowledged_at=now)


async def decline(
    uow: UnitOfWork, tenant: str, task_id: str, actor: Actor, reason: str, settings: TaskingSettings, cal: WorkCalendar
) -> None:
    task = await load_task(uow, tenant, task_id)
    new = _allowed(Action.decline, task, actor)
    if task["declines"] >= settings.max_declines:
        raise IllegalTransition(
            f"该任务已退回 {task['declines']} 次，达到上限 {settings.max_declines} 次，不能再退回；请与督查室联系"
        )
    # the window is the deadline service's, per tenant (deadline.set decline_until); not known yet: just assigned, open
    if task["decline_until"] is not None and uow.now() > task["decline_until"]:
        limit = task["decline_until"].astimezone(TZ)
        raise IllegalTransition(f"退回须在 {limit:%Y-%m-%d %H:%M} 前提出，已超过退回时限")
    declines = task["declines"] + 1
    event = ev.TaskDeclined(**about(task), reason=reason, declined_at=uow.now(), declines=declines)
    await _apply(uow, actor, task, new, ev.TASK_DECLINED, event, {"reason": reason}, declines=declines)


async def reassign(
    uow: UnitOfWork, tenant: str, task_id: str, actor: Actor, assignment: Assignment, reason: str | None
) -> str:
    task = await load_task(uow, tenant, task_id)
    new = _allowed(Action.reassign, task, actor)
    if assignment.lead_unit == task["lead_unit"]:
        raise IllegalTransition("重新交办须选择另一个牵头单位", 422)
    await validate_units(uow, tenant, assignment)
    number = await next_notice_number(uow, tenant, "assignment", task_id)
    now = uow.now()
    # the event's and the task's
    handover = {"lead_unit": assignment.lead_unit, "co_units": assignment.co_units, "notice_no": number}
    event = ev.TaskReassigned(
        task_id=task_id,
        matter_id=task["matter_id"],
        previous_unit=task["lead_unit"],
        reason=reason,
        reassigned_at=now,
        **handover,
    )
    detail = {"from": task["lead_unit"], "to": assignment.lead_unit, "notice_no": number}
    # the new unit acknowledges afresh; its limits come with the deadline service's next deadline.set
    afresh = {"assigned_at": now, "acknowledged_at": None, "acknowledge_by": None, "decline_until": None}
    await _apply(
        uow,
        actor,
        task,
        new,
        ev.TASK_REASSIGNED,
        event,
        detail,
        **handover,
        **afresh,
        responsible_person=assignment.responsible_person or task["responsible_person"],
        requirement=assignment.requirement or task["requirement"],
    )
    return number


def _event_files(files) -> dict:
    """What an event says of a report's files: their ids and what they are."""
    return {"attachments": [f.id for f in files], "attachment_refs": [f.ref() for f in files]}


@dataclass(frozen=True)
class _LeadUnitReport:
    new_state: State
    files: list
    report_id: str

    def event_files(self) -> dict:
        return _event_files(self.files)

    def detail(self, **more) -> dict:
        return {**more, "report_id": self.report_id, "attachments": attachments.listed(self.files)}


async def _lead_unit_report(
    uow: UnitOfWork,
    task: dict,
    actor: Actor,
    action: Action,
    report_type: str,
    text: str,
    progress: int | None,
    attachment_ids: Sequence[str],
) -> _LeadUnitReport | None:
    """The lead unit's report recorded with its files; None when the same report was sent before."""
    if await _resent(uow, task, actor, report_type, text, progress, attachment_ids):
        return None
    new_state = _allowed(action, task, actor)
    files = await attachments.refs(uow, task["tenant"], task["id"], list(attachment_ids))
    return _LeadUnitReport(
        new_state, files, await _report(uow, task, report_type, task["lead_unit"], text, progress, files)
    )


async def report_progress(
    uow: UnitOfWork,
    tenant: str,
    task_id: str,
    actor: Actor,
    text: str,
    progress: int,
    attachment_ids: Sequence[str] = (),
) -> None:
    task = await load_task(uow, tenant, task_id)
    recorded = await _lead_unit_report(
        uow, task, actor, Action.report_progress, "progress", text, progress, attachment_ids
    )
    if recorded is None:
        return
    event = ev.TaskProgressReported(
        **about(task), summary=text[:500], reported_at=uow.now(), progress=progress, **recorded.event_files()
    )
    detail = recorded.detail(progress=progress)
    await _apply(uow, actor, task, recorded.new_state, ev.TASK_PROGRESS_REPORTED, event, detail, progress=progress)
    await roll_up(uow, tenant, task["matter_id"])


async def send_input(
    uow: UnitOfWork, tenant: str, task_id: str, actor: Actor, text: str, attachment_ids: list[str]
) -> None:
    """A co-unit's contribution, addressed to the lead unit; the task's state does not change."""
    task = await load_task(uow, tenant, task_id)
    _allowed(Action.send_input, task, actor)
    await _report(
        uow, task, "input", actor.unit, text, None, await attachments.refs(uow, tenant, task_id, attachment_ids)
    )


async def submit_completion(
    uow: UnitOfWork, tenant: str, task_id: str, actor: Actor, text: str, attachment_ids: list[str], desk: Desk
) -> str | None:
    """The lead unit's completion report: to the office at once where the tenant's chain for it is
    automatic, else first to the unit's head (待单位领导审签); then the sign-off draft's id."""
    task = await load_task(uow, tenant, task_id)
    recorded = await _lead_unit_report(
        uow, task, actor, Action.submit_completion, "completion", text, None, attachment_ids
    )
    if recorded is None:
        return await _open_draft(uow, task)
    chain, _ = await desk.chain(uow.session, tenant, COMPLETION_REPORT)
    if chain.automatic:
        await _completion_submitted(uow, actor, task, recorded.new_state, recorded.report_id, text, recorded.files)
        return None
    title = (await uow.session.execute(select(matters.c.title).where(matters.c.id == task["matter_id"]))).scalar()
    draft = await desk.create(
        uow,
        tenant,
        COMPLETION_REPORT,
        f"completion:{recorded.report_id}",
        title=f"办结报告：{title}",
        payload={"report_id": recorded.report_id, "previous_state": task["status"]},
        created_by=actor.person or task["lead_unit"],
        task_id=task_id,
        unit=task["lead_unit"],
    )
    await _move(
        uow,
        actor,
        task,
        State.awaiting_unit_head,
        AWAITING_UNIT_HEAD,
        draft["id"],
        recorded.detail(draft_id=draft["id"]),
    )
    return draft["id"]


async def _open_draft(uow: UnitOfWork, task: dict) -> str | None:
    """The pending sign-off draft of the task's completion report, if it waits for one."""
    if task["status"] != State.awaiting_unit_head:
        return None
    last = (
        await uow.session.execute(
            select(task_history.c.detail)
            .where(task_history.c.task_id == task["id"])
            .order_by(task_history.c.id.desc())
            .limit(1)
        )
    ).scalar()
    return (last or {}).get("draft_id")


async def _completion_submitted(
    uow: UnitOfWork, actor: Actor, task: dict, new: State, report_id: str, text: str, files, **detail
) -> None:
    event = ev.TaskCompletionSubmitted(**about(task), submitted_at=uow.now(), summary=text[:500], **_event_files(files))
    history_detail = {"report_id": report_id, "attachments": attachments.listed(files), **detail}
    await _apply(uow, actor, task, new, ev.TASK_COMPLETION_SUBMITTED, event, history_detail)


def _signer(draft: dict) -> Actor:
    """The unit head who took the draft's last step, as the state machine sees them."""
    step = draft["steps"][-1]
    return Actor("unit_head", draft["unit"], step["person_name"])


async def completion_signed(uow: UnitOfWork, draft: dict) -> None:
    """The unit's head signed the completion report off (审签): it reaches the office now, as
    task.completion_submitted; the deadline is met by this moment."""
    try:
        task = await load_task(uow, draft["tenant"], draft["task_id"])
        new = _allowed(Action.sign_completion, task, _signer(draft))
    except IllegalTransition as error:
        raise SignoffError(error.status, str(error)) from None
    report = (
        (await uow.session.execute(select(reports).where(reports.c.id == draft["payload"]["report_id"])))
        .mappings()
        .one()
    )
    files = await attachments.refs(uow, task["tenant"], task["id"], list(report["attachments"]))
    await _completion_submitted(
        uow, _signer(draft), task, new, report["id"], report["text"], files, draft_id=draft["id"]
    )
    return None


async def completion_refused(uow: UnitOfWork, draft: dict) -> None:
    """The unit's head sent the completion report back to the handler, with the reason; the
    task returns to the state it was submitted from and the office hears nothing."""
    try:
        task = await load_task(uow, draft["tenant"], draft["task_id"])
        _allowed(Action.refuse_completion, task, _signer(draft))
    except IllegalTransition as error:
        raise SignoffError(error.status, str(error)) from None
    await _move(
        uow,
        _signer(draft),
        task,
        State(draft["payload"]["previous_state"]),
        REFUSED_BY_UNIT_HEAD,
        draft["id"],
        {"reason": draft["steps"][-1]["reason"], "report_id": draft["payload"]["report_id"], "draft_id": draft["id"]},
    )
    return None


async def accept(uow: UnitOfWork, tenant: str, task_id: str, actor: Actor, desk: Desk) -> None:
    task = await load_task(uow, tenant, task_id)
    new = _allowed(Action.accept, task, actor)
    now = uow.now()
    event = ev.TaskCompleted(**about(task), completed_at=now)
    await _apply(uow, actor, task, new, ev.TASK_COMPLETED, event, {}, completed_at=now, progress=100)
    if await roll_up(uow, tenant, task["matter_id"]):
        await replies.matter_closed(uow, tenant, task["matter_id"], actor.person, desk)


async def return_for_rework(uow: UnitOfWork, tenant: str, task_id: str, actor: Actor, reason: str) -> None:
    task = await load_task(uow, tenant, task_id)
    new = _allowed(Action.return_for_rework, task, actor)
    report = "progress" if _state(task) == State.in_progress else "completion"
    event = ev.TaskReturned(**about(task), reason=reason, returned_at=uow.now(), report=report)
    await _apply(uow, actor, task, new, ev.TASK_RETURNED, event, {"reason": reason, "report": report})


async def reopen(
    uow: UnitOfWork, tenant: str, task_id: str, actor: Actor, reason: str, spot_check_id: str | None
) -> None:
    task = await load_task(uow, tenant, task_id)
    new = _allowed(Action.reopen, task, actor)
    event = ev.TaskReopened(**about(task), reason=reason, reopened_at=uow.now(), spot_check_id=spot_check_id)
    await _apply(uow, actor, task, new, ev.TASK_REOPENED, event, {"reason": reason}, completed_at=None)
    await roll_up(uow, tenant, task["matter_id"])
