"""Before columns transfer, people decide (「被催办3次仍没有落实又不能充分说明原因的，经市政府同意后移交」):
at the transfer rung the office judges the unit's written explanation 充分 or 不充分, with its
reason (none at all is 不充分). Only 不充分 drafts the transfer, whose chain the government's leader
ends; 充分 is recorded and the task stays with the office (the ladder has ended either way)."""

from __future__ import annotations

from sqlalchemy import select

from duban_common.outbox import UnitOfWork
from duban_common.signoff import Desk, SignoffError

from ..adapters.orm import explanation_assessments, explanations, watched_tasks
from . import dossier, notify

WORDS = {True: "充分", False: "不充分"}


async def require(uow: UnitOfWork, task: dict, step_no: int, ctx: notify.Context) -> None:
    """The transfer rung: ask the office for its assessment (once per task)."""
    columns = explanation_assessments.c
    if (await uow.session.execute(select(columns.task_id).where(columns.task_id == task["task_id"]))).first():
        return
    await uow.session.execute(
        explanation_assessments.insert(),
        dict(task_id=task["task_id"], tenant=task["tenant"], step=step_no, required_at=uow.now()),
    )
    await dossier.add(uow, task["tenant"], task["matter_id"], task["task_id"], "assessment_required", {"step": step_no})


async def explained(uow: UnitOfWork, task_id: str) -> bool:
    """Whether the unit gave any written explanation for the task."""
    query = select(explanations.c.step).where(
        explanations.c.task_id == task_id, explanations.c.submitted_at.is_not(None)
    )
    return (await uow.session.execute(query)).first() is not None


async def assess(uow: UnitOfWork, desk: Desk, task: dict, adequate: bool, reason: str, by: str) -> dict:
    """Record the office's assessment; 不充分 drafts the transfer. The same assessment again changes nothing."""
    columns = explanation_assessments.c
    query = select(explanation_assessments).where(columns.task_id == task["task_id"]).with_for_update()
    row = (await uow.session.execute(query)).mappings().first()
    if row is None:
        raise SignoffError(409, "该任务尚未到移交环节（第三次催办），无需评定书面说明")
    if row["adequate"] is not None:
        if row["adequate"] == adequate:
            return dict(row)
        raise SignoffError(409, f"书面说明已评定为“{WORDS[row['adequate']]}”，不能改为“{WORDS[adequate]}”")
    if adequate and not await explained(uow, task["task_id"]):
        raise SignoffError(422, "该单位没有提交书面说明，只能评定为“不充分”")
    values = dict(adequate=adequate, reason=reason, assessed_by=by, assessed_at=uow.now())
    await uow.session.execute(
        explanation_assessments.update().where(columns.task_id == task["task_id"]).values(**values)
    )
    await dossier.add_about(
        uow,
        task["tenant"],
        task,
        "explanation_assessed",
        {"adequate": adequate, "assessment": WORDS[adequate], "reason": reason, "by": by},
    )
    if not adequate:
        draft = await dossier.draft_about(
            desk,
            uow,
            task,
            "transfer",
            f"transfer:{task['task_id']}",
            title=f"移送函：{task['title'] or ''}",
            payload={"assessment": WORDS[adequate], "reason": reason, "assessed_by": by},
            by=by,
        )
        values["draft_id"] = draft["id"]
        await uow.session.execute(
            explanation_assessments.update().where(columns.task_id == task["task_id"]).values(draft_id=draft["id"])
        )
    return {**dict(row), **values}


async def of_task(session, task_id: str) -> dict | None:
    row = (
        (await session.execute(select(explanation_assessments).where(explanation_assessments.c.task_id == task_id)))
        .mappings()
        .first()
    )
    if row is None:
        return None
    out = dict(row)
    out["assessment"] = WORDS.get(out["adequate"]) if out["adequate"] is not None else None
    return out


async def assess_task(
    uow: UnitOfWork, desk: Desk, tenant: str, task_id: str, adequate: bool, reason: str, by: str
) -> dict:
    """The route's command: the task (404 as for columns missing one), then :func:`assess`."""
    query = (
        select(watched_tasks)
        .where(watched_tasks.c.tenant == tenant, watched_tasks.c.task_id == task_id)
        .with_for_update()
    )
    task = (await uow.session.execute(query)).mappings().first()
    if task is None:
        raise SignoffError(404, f"任务 {task_id} 不存在")
    return await assess(uow, desk, dict(task), adequate, reason, by)


async def waiting(session, tenant: str) -> list[dict]:
    """The office's queue: tasks at the transfer rung whose written explanation it has not judged
    yet, oldest first, each saying whether the unit gave an explanation at all."""
    judged, watched, given = explanation_assessments.c, watched_tasks.c, explanations.c
    explained = select(given.task_id).where(given.task_id == judged.task_id, given.submitted_at.is_not(None)).exists()
    query = (
        select(
            judged.task_id,
            judged.step,
            judged.required_at,
            watched.matter_id,
            watched.unit,
            watched.title,
            watched.due_on,
            explained.label("explained"),
        )
        .join_from(explanation_assessments, watched_tasks, watched.task_id == judged.task_id)
        .where(judged.tenant == tenant, judged.adequate.is_(None))
        .order_by(judged.required_at)
    )
    return [dict(row) for row in (await session.execute(query)).mappings()]
