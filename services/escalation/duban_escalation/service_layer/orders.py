"""Supervision orders (督办单): proposed → approved → signed, then numbered, issued, copied."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from duban_common import sequences
from duban_common.calendar import local_day
from duban_common.contracts import events as ev
from duban_common.outbox import UnitOfWork

from ..adapters.orm import notice_sequences, supervision_orders
from . import climb, dossier, notify
from .handlers import assigned

NEXT = {"approve": ("proposed", "approved"), "sign": ("approved", "issued")}


class OrderError(Exception):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status


async def propose(uow: UnitOfWork, task: dict, requirement: str, proposed_by: str) -> str:
    order_id = str(uuid.uuid4())
    await uow.session.execute(supervision_orders.insert(), dict(id=order_id, tenant=task["tenant"], task_id=task["task_id"],
                                                                 requirement=requirement, status="proposed", proposed_by=proposed_by,
                                                                 proposed_at=uow.now()))
    return order_id


async def advance(uow: UnitOfWork, tenant: str, order_id: str, step: str, person: str, task_of, ctx_of) -> dict:
    o = (await uow.session.execute(select(supervision_orders).where(supervision_orders.c.tenant == tenant, supervision_orders.c.id == order_id)
                                   .with_for_update())).mappings().first()
    if o is None:
        raise OrderError(404, f"督办单 {order_id} 不存在")
    source, target = NEXT[step]
    if o["status"] != source:
        raise OrderError(409, f"督办单当前状态为“{o['status']}”，不能{'审批' if step == 'approve' else '签发'}")
    now = uow.now()
    if step == "approve":
        await uow.session.execute(supervision_orders.update().where(supervision_orders.c.id == order_id).values(
            status=target, approved_by=person, approved_at=now))
        return {**o, "status": target}
    task = await task_of(uow, o["task_id"])
    if not assigned(task):  # escalation heard of the task (deadline.set, say) before its task.assigned: no unit to order yet
        raise OrderError(409, "该任务尚未交办到承办单位，督办单暂不能签发，请稍后再试")
    year = local_day(now).year
    number = sequences.format_number("督办单", year, await sequences.next_value(uow.session, notice_sequences, tenant, year, "order"))
    await uow.session.execute(supervision_orders.update().where(supervision_orders.c.id == order_id).values(
        status=target, signed_by=person, signed_at=now, notice_no=number))
    await uow.emit(tenant, ev.ESCALATION_ORDER_ISSUED, ev.SupervisionOrderIssued(
        order_id=order_id, task_id=task["task_id"], matter_id=task["matter_id"], unit=task["unit"], notice_no=number,
        requirement=o["requirement"], proposed_by=o["proposed_by"], approved_by=o["approved_by"], signed_by=person, issued_at=now))
    await dossier.add(uow, tenant, task["matter_id"], task["task_id"], "order", {"notice_no": number, "requirement": o["requirement"],
                      "proposed_by": o["proposed_by"], "approved_by": o["approved_by"], "signed_by": person})
    await climb.deduct(uow, task, (await climb.ladder_of(uow, tenant)).urge_deduction, f"督办单（{number}）")
    await notify.send(uow, await ctx_of(tenant), task, "order",
                      f"【督办单 {number}】{{unit}}：请就“{{title}}”按要求办理：{o['requirement']}", copies=True)
    return {**o, "status": target, "notice_no": number}
