"""What tasking's read routes answer, read through the repository in one read session each."""

from __future__ import annotations

from datetime import datetime

from duban_common import attachment_rows
from duban_common.calendar import local_day
from duban_common.db import Database
from duban_common.documents.issuing import IssuingLookup, office_fallback

from ..adapters import repository
from ..adapters.repository import TaskFilter
from ..domain.model import notice_number
from ..domain.notice import assignment_notice
from ..domain.states import LABELS, State
from . import attachments, signoffs, spot_checks


async def units(db: Database, tenant: str) -> list[dict]:
    async with db.read() as session:
        return await repository.list_units(session, tenant)


async def tasks_page(db: Database, tenant: str, wanted: TaskFilter, limit: int, offset: int) -> dict:
    async with db.read() as session:
        total, items = await repository.list_tasks(session, tenant, wanted, limit, offset)
    return {"total": total, "items": [{**item, "status_label": LABELS[State(item["status"])]} for item in items]}


async def matters_page(db: Database, tenant: str, status: str | None, limit: int, offset: int) -> dict:
    async with db.read() as session:
        total, items = await repository.list_matters(session, tenant, status, limit, offset)
    return {"total": total, "items": items}


async def next_notice_number(db: Database, tenant: str, notice_type: str, now: datetime) -> dict:
    """The number the next notice of this type will take this year: a preview, not a reservation."""
    year = local_day(now).year
    async with db.read() as session:
        last = await repository.last_notice_value(session, tenant, year, notice_type)
    return {"notice_type": notice_type, "year": year, "number": notice_number(notice_type, year, (last or 0) + 1)}


async def _task_and_matter(session, tenant: str, task_id: str) -> tuple[dict, dict | None] | None:
    """The task and its matter's title and content; None when there is no such task."""
    item = await repository.get_task(session, tenant, task_id)
    return None if item is None else (item, await repository.matter_text(session, item["matter_id"]))


async def task(db: Database, tenant: str, task_id: str, max_declines: int) -> dict | None:
    """The task with its matter, history, reports, files and unit sign-off; None when there is none."""
    async with db.read() as session:
        found = await _task_and_matter(session, tenant, task_id)
        if found is None:
            return None
        item, matter = found
        history = await repository.task_history_of(session, task_id)
        task_reports = await repository.reports_of(session, task_id)
        files = await attachments.of_task(session, tenant, task_id)
        unit_signoff = await signoffs.unit_signoff(session, tenant, task_id)
    return {
        **item,
        **(matter or {}),
        "status_label": LABELS[State(item["status"])],
        "declines_left": max(max_declines - item["declines"], 0),
        "unit_signoff": unit_signoff,
        "history": history,
        "attachments": list(files.values()),
        "reports": [
            {**report, "attachments": attachment_rows.resolved(report["attachments"], files)} for report in task_reports
        ],
    }


async def notice(db: Database, issuing: IssuingLookup, tenant: str, task_id: str):
    """The task's assignment notice (交办单) as a document, None when there is no such task."""
    async with db.read() as session:
        directory = await repository.unit_directory(session, tenant)
        found = await _task_and_matter(session, tenant, task_id)
    if found is None:
        return None
    item, matter = found
    names = {code: unit["name"] for code, unit in directory.items()}
    return assignment_notice(
        number=item["notice_no"],
        issuing=await issuing.of(tenant, office_fallback(directory)),
        title=matter["title"],
        content=matter["content"],
        lead_unit=names.get(item["lead_unit"], item["lead_unit"]),
        co_units=[names.get(code, code) for code in item["co_units"]],
        responsible=item["responsible_person"],
        requirement=item["requirement"],
        due_on=item["due_on"],
        issued_on=local_day(item["assigned_at"]),
    )


async def spot_check_rate(db: Database, tenant: str, default: float) -> float:
    async with db.read() as session:
        return await spot_checks.min_rate(session, tenant, default)


async def spot_check(db: Database, tenant: str, check_id: str) -> dict | None:
    async with db.read() as session:
        check = await repository.get_spot_check(session, tenant, check_id)
        if check is None:
            return None
        draws = await repository.spot_check_draws_of(session, check_id)
    return {**check, "draws": draws}
