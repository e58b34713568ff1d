"""The owning service's record of a task's attachments: which task each file belongs to and what
it is (the bytes are in the Object Store, duban_common.attachments). Every service that takes
files for a task keeps this table in its own database."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, MetaData, String, Table, select
from sqlalchemy.ext.asyncio import AsyncSession

from .attachments import StoredFile
from .columns import instant, task_record
from .outbox import UnitOfWork

LISTED = ("id", "name", "size", "content_type")  # what a task's pages show of a file


class UnknownAttachments(ValueError):
    """A report names files that are not the task's; the message (Chinese) lists them."""


def attachment_table(metadata: MetaData) -> Table:
    return Table(
        "attachments",
        metadata,
        *task_record(),
        Column("name", String(255), nullable=False),  # the original file name
        Column("size", BigInteger, nullable=False),
        Column("content_type", String(100), nullable=False),
        Column("sha256", String(64), nullable=False),
        Column("unit", String(40)),  # the uploader's unit; none for the supervision office
        instant("uploaded_at"),
    )


async def record(
    uow: UnitOfWork, table: Table, tenant: str, task_id: str, unit: str | None, stored: StoredFile
) -> None:
    # the file's own fields (StoredFile.ref: id, name, size, content_type, sha256), then whose it is
    row = dict(stored.ref(), tenant=tenant, task_id=task_id, unit=unit, uploaded_at=uow.now())
    await uow.session.execute(table.insert(), row)
    uow.audit(
        tenant, "attachment.uploaded", task_id=task_id, attachment_id=stored.id, size=stored.size, sha256=stored.sha256
    )


async def find(session: AsyncSession, table: Table, tenant: str, task_id: str, attachment_id: str) -> dict | None:
    row = (
        (
            await session.execute(
                select(table).where(table.c.tenant == tenant, table.c.task_id == task_id, table.c.id == attachment_id)
            )
        )
        .mappings()
        .first()
    )
    return dict(row) if row else None


async def same_file(
    session: AsyncSession, table: Table, tenant: str, task_id: str, name: str, sha256: str
) -> StoredFile | None:
    """The task's file of this name and these bytes, if it has one already (an upload sent again)."""
    row = (
        (
            await session.execute(
                select(table)
                .where(
                    table.c.tenant == tenant, table.c.task_id == task_id, table.c.sha256 == sha256, table.c.name == name
                )
                .order_by(table.c.uploaded_at)
                .limit(1)
            )
        )
        .mappings()
        .first()
    )
    return StoredFile(row["id"], row["name"], row["size"], row["content_type"], row["sha256"]) if row else None


async def of_task(session: AsyncSession, table: Table, tenant: str, task_id: str) -> dict[str, dict]:
    """id → what a listing shows of each file of the task, in the order they were uploaded."""
    rows = (
        (
            await session.execute(
                select(*(table.c[c] for c in LISTED))
                .where(table.c.tenant == tenant, table.c.task_id == task_id)
                .order_by(table.c.uploaded_at, table.c.id)
            )
        )
        .mappings()
        .all()
    )
    return {r["id"]: dict(r) for r in rows}


async def refs(session: AsyncSession, table: Table, tenant: str, task_id: str, ids: list[str]) -> list[StoredFile]:
    """The files a report names, in its order (a repeated id once); :class:`UnknownAttachments`
    naming any that is not one of this task's files."""
    wanted = list(dict.fromkeys(ids))
    if not wanted:
        return []
    rows = (
        (
            await session.execute(
                select(table).where(table.c.tenant == tenant, table.c.task_id == task_id, table.c.id.in_(wanted))
            )
        )
        .mappings()
        .all()
    )
    found = {r["id"]: r for r in rows}
    unknown = [i for i in wanted if i not in found]
    if unknown:
        raise UnknownAttachments(
            f"附件 {'、'.join(unknown)} 不是本任务已上传的文件；请先上传文件，再在报告中引用它返回的 id"
        )
    return [
        StoredFile(i, found[i]["name"], found[i]["size"], found[i]["content_type"], found[i]["sha256"]) for i in wanted
    ]


def listed(files: list[StoredFile]) -> list[dict]:
    return [{k: getattr(f, k) for k in LISTED} for f in files]


def resolved(ids: list[str], files: dict[str, dict]) -> list[dict]:
    """A stored list of ids as a listing shows it (an id recorded before files were kept: the id alone)."""
    return [files.get(i, {"id": i}) for i in ids or []]
