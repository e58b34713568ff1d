"""Supervision orders (督办单): drafted by the office, then its sign-off chain (by default 分管副主任
提出 → 县政府领导同意 → 主任签发); only the last step numbers, issues and copies it."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from duban_common import sequences
from duban_common.calendar import local_day
from duban_common.contracts import events as ev
from duban_common.outbox import UnitOfWork
from duban_common.signoff import Desk, SignoffError
from duban_common.signoff import repository as signoff_rows

from ..adapters.orm import notice_sequences, supervision_orders
from . import dossier, issuing, notify
from .rules import deduct, ladder_of

# The routes of the orders before sign-off chains: each names the step it takes.
STEP_ACTIONS = {"propose": "提出", "approve": "同意", "sign": "签发"}
AUTOMATIC = "（自动签发）"


async def propose(uow: UnitOfWork, desk: Desk, task: dict, requirement: str, drafted_by: str) -> dict:
    """The order and its draft; the chain's first step comes next (issued at once where automatic)."""
    order_id = str(uuid.uuid4())
    await uow.session.execute(
        supervision_orders.insert(),
        dict(
            id=order_id,
            tenant=task["tenant"],
            task_id=task["task_id"],
            requirement=requirement,
            status="proposed",
            proposed_by=drafted_by,
            proposed_at=uow.now(),
        ),
    )
    draft = await desk.create(
        uow,
        task["tenant"],
        "supervision_order",
        f"order:{order_id}",
        title=f"督办单：{task['title'] or ''}",
        payload={"order_id": order_id, "requirement": requirement},
        created_by=drafted_by,
        task_id=task["task_id"],
    )
    return {"order_id": order_id, "draft_id": draft["id"], "status": status_of(draft), "notice_no": draft["number"]}


def status_of(draft: dict) -> str:
    return {"issued": "issued", "refused": "refused"}.get(draft["status"], "proposed")


def signers(draft: dict, drafted_by: str) -> tuple[str, str, str]:
    """Who proposed, approved and signed, as the chain's steps name them."""
    by = {s["action"]: s["person_name"] for s in draft["steps"]}
    last = draft["steps"][-1]["person_name"] if draft["steps"] else AUTOMATIC
    return (
        by.get("提出", drafted_by),
        by.get("同意") or by.get("批准") or by.get("审核") or AUTOMATIC,
        by.get("签发", last),
    )


async def issue(uow: UnitOfWork, draft: dict, ctx: notify.Context) -> str:
    tenant, order_id, now = draft["tenant"], draft["payload"]["order_id"], uow.now()
    order = (
        (await uow.session.execute(select(supervision_orders).where(supervision_orders.c.id == order_id)))
        .mappings()
        .one()
    )
    task = await issuing.task_of(uow, draft)
    if (
        task["unit"] is None or task["title"] is None
    ):  # heard of the task before its task.assigned: no unit to order yet
        raise SignoffError(409, "该任务尚未交办到承办单位，督办单暂不能签发，请稍后再试")
    year = local_day(now).year
    number = sequences.format_number(
        "督办单", year, await sequences.next_value(uow.session, notice_sequences, tenant, year, "order")
    )
    proposed_by, approved_by, signed_by = signers(draft, order["proposed_by"])
    await uow.session.execute(
        supervision_orders.update()
        .where(supervision_orders.c.id == order_id)
        .values(
            status="issued",
            proposed_by=proposed_by,
            approved_by=approved_by,
            approved_at=now,
            signed_by=signed_by,
            signed_at=now,
            notice_no=number,
        )
    )
    await uow.emit(
        tenant,
        ev.ESCALATION_ORDER_ISSUED,
        ev.SupervisionOrderIssued(
            order_id=order_id,
            task_id=task["task_id"],
            matter_id=task["matter_id"],
            unit=task["unit"],
            notice_no=number,
            requirement=order["requirement"],
            proposed_by=proposed_by,
            approved_by=approved_by,
            signed_by=signed_by,
            issued_at=now,
        ),
    )
    await dossier.add(
        uow,
        tenant,
        task["matter_id"],
        task["task_id"],
        "order",
        {
            "notice_no": number,
            "requirement": order["requirement"],
            "proposed_by": proposed_by,
            "approved_by": approved_by,
            "signed_by": signed_by,
        },
    )
    await deduct(uow, task, (await ladder_of(uow, tenant)).urge_deduction, f"督办单（{number}）")
    await notify.send(
        uow,
        ctx,
        task,
        "order",
        f"【督办单 {number}】{{unit}}：请就“{{title}}”按要求办理：{issuing.braces(order['requirement'])}",
        copies=True,
    )
    return number


async def refused(uow: UnitOfWork, draft: dict, _ctx: notify.Context) -> None:
    await uow.session.execute(
        supervision_orders.update()
        .where(supervision_orders.c.id == draft["payload"]["order_id"])
        .values(status="refused")
    )


async def draft_of(session, desk: Desk, tenant: str, order_id: str) -> dict:
    """The draft of an order (404 as for a missing order)."""
    found = await signoff_rows.draft_by_key(session, desk.tables, tenant, f"order:{order_id}")
    if found is None:
        raise SignoffError(404, f"督办单 {order_id} 不存在")
    return found
