"""Assigning (交办): numbered notices, tasks for lead units, split, reassignment, roll-up."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Table, bindparam, select

from duban_common import sequences
from duban_common.calendar import local_day
from duban_common.contracts.events import MATTER_PROGRESSED, TASK_ASSIGNED, MatterOrigin, MatterProgressed, TaskAssigned
from duban_common.outbox import UnitOfWork

from ..adapters.orm import matters, notice_sequences, notices, task_history, tasks, units
from ..domain import model
from ..domain.states import IllegalTransition, State

_HANDLING = ("lead_unit", "co_units", "responsible_person", "requirement", "weight")  # all but due_on


@dataclass
class Assignment:
    lead_unit: str
    co_units: list[str] = field(default_factory=list)
    responsible_person: str | None = None
    requirement: str | None = None
    weight: float = 1.0
    due_on: str | None = None

    def handling(self) -> dict:
        """Who handles the task and how, as the task's row and ``task.assigned`` both say it."""
        return {name: getattr(self, name) for name in _HANDLING}


async def next_notice_number(uow: UnitOfWork, tenant: str, notice_type: str, task_id: str) -> str:
    """The next number of the tenant's sequence for this year and notice type, taken in this
    transaction (see duban_common.sequences: no gap, no repeat), and kept in ``notices``."""
    year = local_day(uow.now()).year
    seq = await sequences.next_value(uow.session, notice_sequences, tenant, year, notice_type)
    number = model.notice_number(notice_type, year, seq)
    taken = dict(number=number, year=year, seq=seq, notice_type=notice_type)  # the number and what it is made of
    await uow.session.execute(notices.insert(), dict(taken, tenant=tenant, task_id=task_id, issued_at=uow.now()))
    return number


_DIRECTORY = select(units.c.code, units.c.name, units.c.type, units.c.active).where(
    units.c.tenant == bindparam("b_tenant"), units.c.code.in_(bindparam("b_codes", expanding=True))
)  # built once


async def directory(uow: UnitOfWork, tenant: str, codes: list[str]) -> dict[str, model.Unit]:
    rows = await uow.session.execute(_DIRECTORY, {"b_tenant": tenant, "b_codes": codes})
    return {r.code: model.Unit(r.code, r.name, r.type, r.active) for r in rows}


async def validate_units(uow: UnitOfWork, tenant: str, assignment: Assignment) -> None:
    found = await directory(uow, tenant, [assignment.lead_unit, *assignment.co_units])
    if model.assignable_lead(assignment.lead_unit, found) is None:
        raise IllegalTransition(f"牵头单位“{assignment.lead_unit}”不在单位名录中、已停用或不能牵头", 422)
    bad = [c for c in assignment.co_units if c not in found or not found[c].active]
    if bad:
        raise IllegalTransition(f"协办单位 {bad} 不在单位名录中或已停用", 422)
    if assignment.lead_unit in assignment.co_units:
        raise IllegalTransition(f"“{assignment.lead_unit}”不能既是牵头单位又是协办单位", 422)


async def history(uow: UnitOfWork, tenant: str, task_id: str, event_type: str, event_id: str, detail: dict) -> None:
    await uow.session.execute(
        task_history.insert(),
        dict(tenant=tenant, task_id=task_id, event_type=event_type, event_id=event_id, at=uow.now(), detail=detail),
    )


async def create_task(uow: UnitOfWork, tenant: str, matter: dict, assignment: Assignment) -> str:
    task_id, now = str(uuid.uuid4()), uow.now()
    number = await next_notice_number(uow, tenant, "assignment", task_id)
    await _insert_task(uow, tenant, matter, assignment, task_id=task_id, number=number, assigned_at=now)
    requested = assignment.due_on or matter["requested_due_on"]
    event = TaskAssigned(
        task_id=task_id,
        matter_id=matter["id"],
        title=matter["title"],
        origin=MatterOrigin.model_validate(matter["origin"]),
        requested_due_on=requested,
        assigned_at=now,
        notice_no=number,
        version=1,
        **assignment.handling(),
    )
    assigned_event = await uow.emit(tenant, TASK_ASSIGNED, event)
    detail = {"lead_unit": assignment.lead_unit, "co_units": assignment.co_units, "notice_no": number}
    await history(uow, tenant, task_id, TASK_ASSIGNED, assigned_event.id, detail)
    return task_id


async def _insert_task(
    uow: UnitOfWork,
    tenant: str,
    matter: dict,
    assignment: Assignment,
    *,
    task_id: str,
    number: str,
    assigned_at: datetime,
) -> None:
    """Store the new task, assigned to its lead unit under notice ``number``."""
    await uow.session.execute(
        tasks.insert(),
        dict(
            id=task_id,
            tenant=tenant,
            matter_id=matter["id"],
            status=State.assigned,
            progress=0,
            version=1,
            declines=0,
            notice_no=number,
            assigned_at=assigned_at,
            **assignment.handling(),
        ),
    )


async def locked_row(uow: UnitOfWork, table: Table, tenant: str, row_id: str, missing: str) -> dict:
    """The tenant's row of ``table`` with this id, locked until the transaction ends; 404 ``missing``
    when there is none."""
    query = select(table).where(table.c.tenant == tenant, table.c.id == row_id).with_for_update()
    row = (await uow.session.execute(query)).mappings().first()
    if row is None:
        raise IllegalTransition(missing, 404)
    return dict(row)


async def load_matter(uow: UnitOfWork, tenant: str, matter_id: str) -> dict:
    return await locked_row(uow, matters, tenant, matter_id, f"督办事项 {matter_id} 不存在")


async def assign(uow: UnitOfWork, tenant: str, matter_id: str, assignments: list[Assignment]) -> list[str]:
    """Assign a matter awaiting assignment: one task, or several when split (分解)."""
    matter = await load_matter(uow, tenant, matter_id)
    if matter["status"] != "awaiting_assignment":
        raise IllegalTransition("该事项已交办；如需调整请对任务进行重新交办")
    if not assignments:
        raise IllegalTransition("至少需要一个承办任务", 422)
    leads = [a.lead_unit for a in assignments]
    if len(set(leads)) != len(leads):
        raise IllegalTransition("分解任务的牵头单位不能重复", 422)
    for assignment in assignments:
        if assignment.weight <= 0:
            raise IllegalTransition("任务权重必须大于 0", 422)
        await validate_units(uow, tenant, assignment)
    ids = [await create_task(uow, tenant, matter, a) for a in assignments]
    await uow.session.execute(matters.update().where(matters.c.id == matter_id).values(status="assigned"))
    await roll_up(uow, tenant, matter_id)
    return ids


async def roll_up(uow: UnitOfWork, tenant: str, matter_id: str) -> bool:
    """Recompute the matter's weighted progress; emit matter.progressed when it changed. True
    when this closed the matter (its last task completed)."""
    rows = (
        await uow.session.execute(
            select(tasks.c.weight, tasks.c.progress, tasks.c.status).where(tasks.c.matter_id == matter_id)
        )
    ).all()
    progress, done = model.rolled_up_progress([(r.weight, r.progress, r.status == State.completed) for r in rows])
    current = (
        await uow.session.execute(select(matters.c.progress, matters.c.status).where(matters.c.id == matter_id))
    ).first()
    status = "completed" if done else "assigned"
    if current.progress == progress and current.status == status:
        return False
    await uow.session.execute(
        matters.update().where(matters.c.id == matter_id).values(progress=progress, status=status)
    )
    await uow.emit(
        tenant,
        MATTER_PROGRESSED,
        MatterProgressed(
            matter_id=matter_id,
            progress=progress,
            tasks=len(rows),
            tasks_completed=sum(r.status == State.completed for r in rows),
            completed=done,
            at=uow.now(),
        ),
    )
    return done and current.status != "completed"
