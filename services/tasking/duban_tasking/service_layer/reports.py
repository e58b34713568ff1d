"""A report sent again: the same report, answered as before and applied once."""

from __future__ import annotations

from sqlalchemy import select

from duban_common.outbox import UnitOfWork

from ..adapters.orm import reports, task_history


async def resent(
    uow: UnitOfWork, task_id: str, type_: str, unit: str, text: str, progress: int | None, attachment_ids: list[str]
) -> bool:
    """Whether the task's last change was a report equal to this one (type, unit, text, progress,
    files): a client's retry, or a second click, after the first was applied. Anything that
    happened to the task since (a return, another report) makes it a new report."""
    last = (
        await uow.session.execute(
            select(task_history.c.detail)
            .where(task_history.c.task_id == task_id)
            .order_by(task_history.c.id.desc())
            .limit(1)
        )
    ).scalar()
    report_id = (last or {}).get("report_id")
    if report_id is None:
        return False
    row = (await uow.session.execute(select(reports).where(reports.c.id == report_id))).mappings().first()
    return row is not None and (row["type"], row["unit"], row["text"], row["progress"], list(row["attachments"])) == (
        type_,
        unit,
        text,
        progress,
        attachment_ids,
    )
