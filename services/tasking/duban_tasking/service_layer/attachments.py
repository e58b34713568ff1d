"""A task's attachments: who may add files to it, their rows, and the references a report
carries (the bytes are in the Object Store: duban_common.attachments)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from duban_common.attachments import StoredFile
from duban_common.outbox import UnitOfWork

from ..adapters.orm import attachments, tasks
from ..domain.states import Actor, IllegalTransition, role_on

LISTED = ("id", "name", "size", "content_type")  # what the task's pages show of a file


def _missing(task_id: str) -> IllegalTransition:
    return IllegalTransition(f"任务 {task_id} 不存在", 404)


async def visible_task(session: AsyncSession, tenant: str, task_id: str) -> dict | None:
    """The task's units, to decide who may see it (entrypoints.http.visible_to)."""
    row = (await session.execute(select(tasks.c.id, tasks.c.lead_unit, tasks.c.co_units)
                                 .where(tasks.c.tenant == tenant, tasks.c.id == task_id))).mappings().first()
    return dict(row) if row else None


async def task_for_upload(session: AsyncSession, tenant: str, task_id: str, actor: Actor) -> dict:
    """The task, if ``actor`` may report on it (its lead unit, a co-unit, the supervision office);
    to anyone else it does not exist."""
    row = await visible_task(session, tenant, task_id)
    if row is None or role_on(actor, row["lead_unit"], row["co_units"] or []) is None:
        raise _missing(task_id)
    return row


async def record(uow: UnitOfWork, tenant: str, task_id: str, actor: Actor, stored: StoredFile) -> None:
    await uow.session.execute(attachments.insert(), dict(
        id=stored.id, tenant=tenant, task_id=task_id, name=stored.name, size=stored.size, content_type=stored.content_type,
        sha256=stored.sha256, unit=actor.unit if actor.role == "unit" else None, uploaded_at=uow.now()))
    uow.audit(tenant, "attachment.uploaded", task_id=task_id, attachment_id=stored.id, size=stored.size, sha256=stored.sha256)


async def find(session: AsyncSession, tenant: str, task_id: str, attachment_id: str) -> dict | None:
    row = (await session.execute(select(attachments).where(attachments.c.tenant == tenant, attachments.c.task_id == task_id,
                                                           attachments.c.id == attachment_id))).mappings().first()
    return dict(row) if row else None


async def of_task(session: AsyncSession, tenant: str, task_id: str) -> dict[str, dict]:
    """id → what a listing shows of each file of the task, in the order they were uploaded."""
    rows = (await session.execute(select(*(attachments.c[c] for c in LISTED))
                                  .where(attachments.c.tenant == tenant, attachments.c.task_id == task_id)
                                  .order_by(attachments.c.uploaded_at, attachments.c.id))).mappings().all()
    return {r["id"]: dict(r) for r in rows}


async def refs(uow: UnitOfWork, tenant: str, task_id: str, ids: list[str]) -> list[StoredFile]:
    """The files a report names, in its order (a repeated id once); 422 naming any that is not
    one of this task's files."""
    wanted = list(dict.fromkeys(ids))
    if not wanted:
        return []
    rows = (await uow.session.execute(select(attachments).where(
        attachments.c.tenant == tenant, attachments.c.task_id == task_id, attachments.c.id.in_(wanted)))).mappings().all()
    found = {r["id"]: r for r in rows}
    unknown = [i for i in wanted if i not in found]
    if unknown:
        raise IllegalTransition(f"附件 {'、'.join(unknown)} 不是本任务已上传的文件；请先上传文件，再在报告中引用它返回的 id", 422)
    return [StoredFile(i, found[i]["name"], found[i]["size"], found[i]["content_type"], found[i]["sha256"]) for i in wanted]


def listed(files: list[StoredFile]) -> list[dict]:
    return [{k: getattr(f, k) for k in LISTED} for f in files]
