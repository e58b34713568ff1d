"""What escalation does when one of its drafts is signed off (or refused): the 催办单 takes its number
and goes to the unit, a bulletin is published, the transfer goes to the discipline body. Each runs
in the unit of work of the step that ends the chain (duban_common.signoff)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select

from duban_common import sequences
from duban_common.calendar import local_day
from duban_common.contracts import events as ev
from duban_common.contracts.events import URGE_REASONS
from duban_common.outbox import UnitOfWork
from duban_common.signoff import SignoffError

from ..adapters.orm import explanation_assessments, notice_sequences, urges, watched_tasks
from . import dossier, notify
from .rules import deduct, ladder_of

PREFIX = {"bulletin": "【督查通报】", "special_report": "【督查专报】"}


async def task_of(uow: UnitOfWork, draft: dict) -> dict:
    row = (
        (await uow.session.execute(select(watched_tasks).where(watched_tasks.c.task_id == draft["task_id"])))
        .mappings()
        .first()
    )
    if row is None:
        raise SignoffError(404, f"任务 {draft['task_id']} 不存在")
    return dict(row)


def braces(text: str | None) -> str | None:
    """The office's words inside a notice template: its braces stay text."""
    return text.replace("{", "{{").replace("}", "}}") if text else None


async def next_notice_no(uow: UnitOfWork, tenant: str, now: datetime, prefix: str, kind: str) -> str:
    """The next number of the tenant's notices of a kind this (local) year, e.g. 催办〔2026〕3号."""
    year = local_day(now).year
    return sequences.format_number(
        prefix, year, await sequences.next_value(uow.session, notice_sequences, tenant, year, kind)
    )


async def _record_urged(uow: UnitOfWork, tenant: str, task: dict, urge: dict, number: str, now: datetime) -> None:
    """The escalation.urged event and the dossier entry of a numbered urge."""
    await uow.emit(
        tenant,
        ev.ESCALATION_URGED,
        ev.EscalationUrged(
            urge_id=urge["id"],
            urge_no=urge["urge_no"],
            notice_no=number,
            reason=urge["reason"],
            note=urge["note"],
            urged_by=urge["urged_by"],
            urged_at=now,
            **dossier.about(task),
        ),
    )
    await dossier.add_about(
        uow,
        tenant,
        task,
        "urge",
        {
            "urge_no": urge["urge_no"],
            "notice_no": number,
            "reason": urge["reason"],
            "note": urge["note"],
            "by": urge["urged_by"],
        },
    )


async def urge_notice(uow: UnitOfWork, draft: dict, ctx: notify.Context) -> str:
    """The 催办单 of an urge already counted: numbered now, published, deducted and sent."""
    task, tenant, now = await task_of(uow, draft), draft["tenant"], uow.now()
    urge = (await uow.session.execute(select(urges).where(urges.c.id == draft["payload"]["urge_id"]))).mappings().one()
    number = await next_notice_no(uow, tenant, now, "催办", "urge")
    await uow.session.execute(urges.update().where(urges.c.id == urge["id"]).values(notice_no=number))
    await _record_urged(uow, tenant, task, urge, number, now)
    ladder = await ladder_of(uow, tenant)
    if ladder.urge_deduction:
        await deduct(uow, task, ladder.urge_deduction, f"催办（{number}）")
    await notify.send(
        uow,
        ctx,
        task,
        "urge",
        f"【督办提醒】{{unit}}：您单位承办的“{{title}}”{braces(urge['note']) or URGE_REASONS[urge['reason']]}，"
        f"现予第{urge['urge_no']}次催办（{number}），请立即办理并反馈。",
        copies=True,
    )
    return number


async def urge_refused(uow: UnitOfWork, draft: dict, _ctx: notify.Context) -> None:
    """The urge stays counted (the ladder's clock); its notice is not sent."""
    await _record_refusal(uow, draft, "urge_notice_refused", urge_id=draft["payload"]["urge_id"])


async def _record_refusal(uow: UnitOfWork, draft: dict, type_: str, **about_draft: str) -> dict:
    """The dossier's entry for a draft refused in its chain: ``about_draft`` and the refusal's reason."""
    task = await task_of(uow, draft)
    await dossier.add_about(uow, draft["tenant"], task, type_, {**about_draft, "reason": draft["steps"][-1]["reason"]})
    return task


async def bulletin(uow: UnitOfWork, draft: dict, ctx: notify.Context) -> None:
    """督查室通报, 政府办公室通报, 督查专报: published once signed, and sent."""
    task, payload = await _bulletined(uow, draft, draft["payload"]["issued_by"])
    prefix = PREFIX["special_report" if payload["issued_by"] == "special_report" else "bulletin"]
    await notify.send(uow, ctx, task, "bulletin", prefix + payload["text"])


async def public_censure(uow: UnitOfWork, draft: dict, _ctx: notify.Context) -> None:
    """公开通报批评: for the media or publicity platform (duban.out.<tenant>.publicity.censure), and
    recorded as a bulletin of the rung."""
    task, payload = await _bulletined(uow, draft, "public")
    await uow.emit(
        draft["tenant"],
        ev.PUBLIC_CENSURE,
        ev.PublicCensure(
            censure_id=str(uuid.uuid4()),
            unit_name=payload["unit_name"],
            title=task["title"],
            text=payload["text"],
            censured_at=uow.now(),
            **dossier.about(task),
            step=payload["step"],
        ),
    )


async def _bulletined(uow: UnitOfWork, draft: dict, issued_by: str) -> tuple[dict, dict]:
    """escalation.bulletined and the dossier's entry for a signed bulletin of the rung."""
    task, payload, now = await task_of(uow, draft), draft["payload"], uow.now()
    await uow.emit(
        draft["tenant"],
        ev.ESCALATION_BULLETINED,
        ev.EscalationBulletined(
            issued_by=issued_by,
            text=payload["text"],
            bulletined_at=now,
            **dossier.about(task),
            step=payload["step"],
        ),
    )
    await dossier.add_about(
        uow,
        draft["tenant"],
        task,
        "bulletin",
        {"step": payload["step"], "issued_by": issued_by, "text": payload["text"]},
    )
    return task, payload


async def transfer(uow: UnitOfWork, draft: dict, ctx: notify.Context) -> None:
    """The government's approval ends the chain: the case goes to the discipline body, once."""
    task = await task_of(uow, draft)
    approvals = [
        {"action": step["action"], "role": step["role"], "person": step["person_name"], "at": step["at"].isoformat()}
        for step in draft["steps"]
    ]
    await dossier.transfer(uow, task, ctx, approvals=approvals)


async def transfer_refused(uow: UnitOfWork, draft: dict, _ctx: notify.Context) -> None:
    """Not transferred: recorded, and the task stays with the office."""
    task = await _record_refusal(uow, draft, "transfer_refused", draft_id=draft["id"])
    await uow.session.execute(
        explanation_assessments.update()
        .where(explanation_assessments.c.task_id == task["task_id"])
        .values(draft_id=draft["id"])
    )
