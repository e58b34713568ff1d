"""The case file: every fact about a task in order, and the transfer to the discipline body."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from duban_common import attachment_rows
from duban_common.contracts import events as ev
from duban_common.outbox import UnitOfWork
from duban_common.signoff import Desk

from ..adapters.orm import attachments, cases, dossier_entries, explanation_assessments, explanations


async def add(
    uow: UnitOfWork, tenant: str, matter_id: str, task_id: str | None, type_: str, data: dict, at=None
) -> None:
    await uow.session.execute(
        dossier_entries.insert(),
        dict(tenant=tenant, matter_id=matter_id, task_id=task_id, type=type_, at=at or uow.now(), data=data),
    )


async def add_about(uow: UnitOfWork, tenant: str, task: dict, type_: str, data: dict) -> None:
    """A dossier entry about a watched task (its row: task_id, matter_id)."""
    await add(uow, tenant, task["matter_id"], task["task_id"], type_, data)


async def draft_about(
    desk: Desk, uow: UnitOfWork, task: dict, doc_type: str, key: str, *, title: str, payload: dict, by: str
) -> dict:
    """A draft of ``doc_type`` about a watched task (its tenant, its task id) on ``desk``, once per ``key``."""
    return await desk.create(
        uow, task["tenant"], doc_type, key, title=title, payload=payload, created_by=by, task_id=task["task_id"]
    )


def about(task: dict) -> dict:
    """The task, matter and unit an escalation event is about, from the watched task's row."""
    return {"task_id": task["task_id"], "matter_id": task["matter_id"], "unit": task["unit"]}


async def _entries(uow: UnitOfWork, matter_id: str) -> list[dict]:
    """The matter's dossier entries in order, each its type, time, task and data."""
    rows = (
        (
            await uow.session.execute(
                select(dossier_entries)
                .where(dossier_entries.c.matter_id == matter_id)
                .order_by(dossier_entries.c.at, dossier_entries.c.id)
            )
        )
        .mappings()
        .all()
    )
    return [{"type": r["type"], "at": r["at"].isoformat(), "task_id": r["task_id"], **r["data"]} for r in rows]


def _units(tasks: list[dict], unit: str, ctx) -> list[dict]:
    """Every unit the matter's tasks name (lead and co-units) and the task's own, with its contacts."""
    unit_codes = sorted({c for t in tasks for c in [t.get("lead_unit"), *t.get("co_units", [])] if c} | {unit})
    return [
        {"code": c, **{k: ctx.units.get(c, {}).get(k) for k in ("name", "head", "contact", "phone")}}
        for c in unit_codes
    ]


async def _explanations(uow: UnitOfWork, task: dict) -> list[dict]:
    rows = (
        (await uow.session.execute(select(explanations).where(explanations.c.task_id == task["task_id"])))
        .mappings()
        .all()
    )
    files = await attachment_rows.of_task(uow.session, attachments, task["tenant"], task["task_id"])
    return [
        {
            "step": e["step"],
            "unit": e["unit"],
            "required_at": e["required_at"].isoformat(),
            "due_at": e["due_at"].isoformat(),
            "submitted_at": e["submitted_at"].isoformat() if e["submitted_at"] else None,
            "text": e["text"],
            "attachments": attachment_rows.resolved(e["attachments"], files),
        }
        for e in rows
    ]


async def build(uow: UnitOfWork, task: dict, ctx) -> dict:
    entries = await _entries(uow, task["matter_id"])

    def of(entry_type: str) -> list[dict]:
        return [e for e in entries if e["type"] == entry_type]

    return {
        "matter": (of("matter") or [{}])[0],
        "tasks": of("assigned"),
        "units": _units(of("assigned"), task["unit"], ctx),
        "deadlines": of("deadline"),
        "extensions": of("extension"),
        "urges": of("urge"),
        "bulletins": of("bulletin"),
        "explanations": await _explanations(uow, task),
        "timeline": entries,
        "assessment": await _assessment(uow, task["task_id"]),
    }


async def _assessment(uow: UnitOfWork, task_id: str) -> dict | None:
    """The office's assessment of the unit's written explanation (充分 / 不充分, its reason, who, when)."""
    row = (
        (await uow.session.execute(select(explanation_assessments).where(explanation_assessments.c.task_id == task_id)))
        .mappings()
        .first()
    )
    if row is None or row["adequate"] is None:
        return None
    return {
        "adequate": row["adequate"],
        "assessment": "充分" if row["adequate"] else "不充分",
        "reason": row["reason"],
        "assessed_by": row["assessed_by"],
        "assessed_at": row["assessed_at"].isoformat(),
    }


async def transfer(uow: UnitOfWork, task: dict, ctx, approvals: list[dict] | None = None) -> str:
    """The case and its dossier to the discipline body, with the sign-off that approved it."""
    case_id, now = str(uuid.uuid4()), uow.now()
    content = {**await build(uow, task, ctx), "approvals": approvals or []}
    await uow.session.execute(
        cases.insert(), dict(id=case_id, tenant=task["tenant"], task_id=task["task_id"], opened_at=now, dossier=content)
    )
    # the dossier goes out on duban.out.<tenant>.discipline.transfer (events.OUTBOUND_TOPICS)
    await uow.emit(
        task["tenant"], ev.DISCIPLINE_TRANSFER, ev.DisciplineTransfer(case_id=case_id, transferred_at=now, **content)
    )
    await uow.emit(
        task["tenant"],
        ev.ESCALATION_TRANSFERRED,
        ev.EscalationTransferred(case_id=case_id, transferred_at=now, **about(task)),
    )
    await add_about(uow, task["tenant"], task, "transfer", {"case_id": case_id})
    return case_id
