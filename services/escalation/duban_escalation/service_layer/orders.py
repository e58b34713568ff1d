"""Supervision orders (督办单): drafted by the office, then its sign-off chain (by default 分管副主任
提出 → 县政府领导同意 → 主任签发); only the last step numbers, issues and copies it."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select

from duban_common.contracts import events as ev
from duban_common.outbox import UnitOfWork
from duban_common.signoff import Desk, SignoffError
from duban_common.signoff import repository as signoff_rows

from ..adapters.orm import supervision_orders
from . import dossier, issuing, notify
from .rules import deduct, ladder_of

# The routes of the orders before sign-off chains: each names the step it takes.
STEP_ACTIONS = {"propose": "提出", "approve": "同意", "sign": "签发"}
AUTOMATIC = "（自动签发）"


async def propose(uow: UnitOfWork, desk: Desk, task: dict, requirement: str, drafted_by: str) -> dict:
    """The order and its draft; the chain's first step comes next (issued at once where automatic)."""
    order_id = str(uuid.uuid4())
    proposal = dict(requirement=requirement, status="proposed", proposed_by=drafted_by, proposed_at=uow.now())
    await uow.session.execute(
        supervision_orders.insert(), dict(id=order_id, tenant=task["tenant"], task_id=task["task_id"], **proposal)
    )
    payload = {"order_id": order_id, "requirement": requirement}
    title = f"督办单：{task['title'] or ''}"
    draft = await dossier.draft_about(
        desk, uow, task, "supervision_order", f"order:{order_id}", title=title, payload=payload, by=drafted_by
    )
    return {"order_id": order_id, "draft_id": draft["id"], "status": status_of(draft), "notice_no": draft["number"]}


def status_of(draft: dict) -> str:
    return {"issued": "issued", "refused": "refused"}.get(draft["status"], "proposed")


def signers(draft: dict, drafted_by: str) -> dict[str, str]:
    """Who proposed, approved and signed (proposed_by, approved_by, signed_by), as the chain's steps name them."""
    by = {s["action"]: s["person_name"] for s in draft["steps"]}
    last = draft["steps"][-1]["person_name"] if draft["steps"] else AUTOMATIC
    return {
        "proposed_by": by.get("提出", drafted_by),
        "approved_by": by.get("同意") or by.get("批准") or by.get("审核") or AUTOMATIC,
        "signed_by": by.get("签发", last),
    }


async def _order_row(uow: UnitOfWork, order_id: str) -> dict:
    result = await uow.session.execute(select(supervision_orders).where(supervision_orders.c.id == order_id))
    return dict(result.mappings().one())


async def _mark_issued(uow: UnitOfWork, order_id: str, number: str, signed: dict[str, str], now: datetime) -> None:
    await uow.session.execute(
        supervision_orders.update()
        .where(supervision_orders.c.id == order_id)
        .values(status="issued", approved_at=now, signed_at=now, notice_no=number, **signed)
    )


async def _record_issued(
    uow: UnitOfWork, tenant: str, task: dict, order: dict, number: str, signed: dict[str, str], now: datetime
) -> None:
    """The order.issued event and the dossier entry of an issued order."""
    issued = {"notice_no": number, "requirement": order["requirement"], **signed}
    event = ev.SupervisionOrderIssued(order_id=order["id"], issued_at=now, **dossier.about(task), **issued)
    await uow.emit(tenant, ev.ESCALATION_ORDER_ISSUED, event)
    await dossier.add_about(uow, tenant, task, "order", issued)


async def issue(uow: UnitOfWork, draft: dict, ctx: notify.Context) -> str:
    tenant, order_id, now = draft["tenant"], draft["payload"]["order_id"], uow.now()
    order = await _order_row(uow, order_id)
    task = await issuing.task_of(uow, draft)
    if task["unit"] is None or task["title"] is None:
        # heard of the task before its task.assigned: no unit to order yet
        raise SignoffError(409, "该任务尚未交办到承办单位，督办单暂不能签发，请稍后再试")
    number = await issuing.next_notice_no(uow, tenant, now, "督办单", "order")
    signed = signers(draft, order["proposed_by"])
    await _mark_issued(uow, order_id, number, signed, now)
    await _record_issued(uow, tenant, task, order, number, signed, now)
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
