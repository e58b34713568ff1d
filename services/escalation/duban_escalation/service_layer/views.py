"""What escalation's routes read: a task's escalation history, the cases, the deliveries."""

from __future__ import annotations

from duban_common import attachment_rows
from duban_common.db import Database

from ..adapters import repository
from ..adapters.orm import attachments, cases, deductions, explanations, steps_taken, urges
from . import assessment
from .delivery import masked


async def task_escalation(db: Database, tenant: str, task_id: str) -> dict | None:
    """The task as escalation watches it, with its urges, steps, explanations, deductions, case,
    assessment and drafts; None when escalation does not know it."""
    async with db.read() as session:
        task = await repository.watched_task(session, tenant, task_id)
        if task is None:
            return None
        files = await attachment_rows.of_task(session, attachments, tenant, task_id)
        explained = [
            {**row, "attachments": attachment_rows.resolved(row["attachments"], files)}
            for row in await repository.task_rows(session, explanations, task_id, explanations.c.step)
        ]
        opened = await repository.task_rows(session, cases, task_id, cases.c.opened_at)
        return {
            **task,
            "urge_list": await repository.task_rows(session, urges, task_id, urges.c.urge_no),
            "steps": await repository.task_rows(session, steps_taken, task_id, steps_taken.c.step),
            "explanations": explained,
            "deductions": await repository.task_rows(session, deductions, task_id, deductions.c.at),
            "case": next(({"id": case["id"], "opened_at": case["opened_at"]} for case in opened), None),
            "assessment": await assessment.of_task(session, task_id),
            "drafts": await repository.drafts_of(session, tenant, task_id),
        }


async def waiting_assessments(db: Database, tenant: str) -> list[dict]:
    async with db.read() as session:
        return await assessment.waiting(session, tenant)


async def list_cases(db: Database, tenant: str) -> list[dict]:
    async with db.read() as session:
        return await repository.list_cases(session, tenant)


async def get_case(db: Database, tenant: str, case_id: str) -> dict | None:
    async with db.read() as session:
        return await repository.get_case(session, tenant, case_id)


async def list_deliveries(db: Database, tenant: str, limit: int) -> list[dict]:
    """The tenant's latest deliveries, the recipient masked and the reference left out."""
    async with db.read() as session:
        rows = await repository.list_deliveries(session, tenant, limit)
    return [
        {
            **{key: value for key, value in row.items() if key not in ("recipient", "ref")},
            "recipient": masked(row["ref"]["recipient"]),
        }
        for row in rows
    ]
