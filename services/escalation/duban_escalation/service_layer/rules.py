"""The tenant's ladder and the assessment points it takes: read by the climb, the notices and the orders."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from duban_common.contracts import events as ev
from duban_common.outbox import UnitOfWork

from ..adapters.orm import deductions, ladders
from ..domain.ladder import DEFAULT_LADDER, Ladder
from . import dossier


async def ladder_of(uow: UnitOfWork, tenant: str) -> Ladder:
    row = (await uow.session.execute(select(ladders.c.definition).where(ladders.c.tenant == tenant))).first()
    return Ladder.model_validate(row.definition) if row else DEFAULT_LADDER


async def deduct(uow: UnitOfWork, task: dict, points: float, reason: str) -> None:
    """Points off the task's lead unit: the deduction's row and escalation.deducted."""
    deduction = dict(id=str(uuid.uuid4()), points=points, reason=reason)
    await uow.session.execute(
        deductions.insert(),
        dict(deduction, tenant=task["tenant"], unit=task["unit"], task_id=task["task_id"], at=uow.now()),
    )
    event = ev.EscalationDeducted(
        deduction_id=deduction["id"], points=points, reason=reason, deducted_at=uow.now(), **dossier.about(task)
    )
    await uow.emit(task["tenant"], ev.ESCALATION_DEDUCTED, event)
