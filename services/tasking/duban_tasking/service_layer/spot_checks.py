"""Spot checks (复核/回访): a recorded random draw over completed tasks, and callbacks."""

from __future__ import annotations

import secrets
import uuid

from sqlalchemy import and_, select

from duban_common.contracts import events as ev
from duban_common.outbox import UnitOfWork

from ..adapters.orm import matters, spot_check_draws, spot_check_settings, spot_checks, tasks
from ..domain import model
from ..domain.states import Actor, IllegalTransition, State
from .assignment import history
from .workflow import about, load_task, reopen


async def min_rate(session, tenant: str, default: float) -> float:
    row = (
        await session.execute(select(spot_check_settings.c.min_rate).where(spot_check_settings.c.tenant == tenant))
    ).first()
    return row.min_rate if row else default


async def set_min_rate(uow: UnitOfWork, tenant: str, rate: float) -> None:
    await uow.session.execute(spot_check_settings.delete().where(spot_check_settings.c.tenant == tenant))
    await uow.session.execute(spot_check_settings.insert(), dict(tenant=tenant, min_rate=rate, updated_at=uow.now()))


async def draw(uow: UnitOfWork, tenant: str, kind: str, rate: float | None, default_rate: float) -> dict:
    """Draw at least ``rate`` of the completed tasks of ``kind`` not yet considered by a draw; never
    below the tenant's minimum (「复核率应在30%以上」), which is the rate when none is given."""
    floor = await min_rate(uow.session, tenant, default_rate)
    if rate is not None and rate < floor:
        raise IllegalTransition(f"抽查比例 {rate:.0%} 低于本单位规定的最低复核率 {floor:.0%}", 422)
    rate = floor if rate is None else rate
    already = select(spot_check_draws.c.task_id).where(spot_check_draws.c.tenant == tenant)
    candidates = (
        select(tasks.c.id)
        .join(matters, matters.c.id == tasks.c.matter_id)
        .where(tasks.c.tenant == tenant, tasks.c.status == State.completed, tasks.c.id.not_in(already))
    )
    population = [
        tid
        for tid, origin in (await uow.session.execute(candidates.add_columns(matters.c.origin))).all()
        if origin.get("kind") == kind
    ]
    if not population:
        raise IllegalTransition(f"没有尚未抽查的已办结“{kind}”任务", 409)
    seed = secrets.randbits(31)
    selected = set(model.draw_sample(population, rate, seed))
    check_id, now = str(uuid.uuid4()), uow.now()
    await uow.session.execute(
        spot_checks.insert(),
        dict(id=check_id, tenant=tenant, kind=kind, rate=rate, seed=seed, population=len(population), drawn_at=now),
    )
    await uow.session.execute(
        spot_check_draws.insert(),
        [{"check_id": check_id, "task_id": t, "tenant": tenant, "selected": t in selected} for t in population],
    )
    return {
        "id": check_id,
        "kind": kind,
        "rate": rate,
        "seed": seed,
        "population": len(population),
        "selected": sorted(selected),
        "drawn_at": now,
    }


async def record_callback(
    uow: UnitOfWork, tenant: str, check_id: str, task_id: str, satisfied: bool, note: str | None, actor: Actor
) -> None:
    key = and_(
        spot_check_draws.c.check_id == check_id,
        spot_check_draws.c.task_id == task_id,
        spot_check_draws.c.tenant == tenant,
    )
    row = (await uow.session.execute(select(spot_check_draws).where(key).with_for_update())).mappings().first()
    if row is None or not row["selected"]:
        raise IllegalTransition(f"任务 {task_id} 不在抽查 {check_id} 的抽中名单中", 404)
    if row["result"] is not None:
        raise IllegalTransition("该任务的回访结果已登记")
    result, now = ("satisfied" if satisfied else "not_satisfied"), uow.now()
    await uow.session.execute(spot_check_draws.update().where(key).values(result=result, note=note, result_at=now))
    # The outcome is a fact of its own, whatever it is; the row above (result set once, under the
    # row lock) makes a repeated callback fail before it could emit a second time.
    task = await load_task(uow, tenant, task_id)
    event = ev.TaskSpotChecked(**about(task), spot_check_id=check_id, satisfied=satisfied, note=note, checked_at=now)
    emitted = await uow.emit(tenant, ev.TASK_SPOT_CHECKED, event)
    detail = {"state": task["status"], "spot_check_id": check_id, "result": result, "note": note}
    await history(uow, tenant, task_id, ev.TASK_SPOT_CHECKED, emitted.id, detail)
    if not satisfied:
        await reopen(uow, tenant, task_id, actor, note or "回访不满意", check_id)
