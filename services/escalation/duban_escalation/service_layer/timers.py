"""Escalation's own timers: urge again while overdue without a report; a missed explanation.
Fired when the clock moves (before the service confirms the new simulated time) and every
second; each in its own transaction, marked fired with its effects (so once, ever)."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from duban_common import periodic, tenancy
from duban_common.calendar import WorkCalendar

from ..adapters.orm import explanations, timers, watched_tasks
from . import climb, dossier, notify, reminders, rules


class EscalationTimers:
    def __init__(self, runtime, cal: WorkCalendar, contexts: notify.Contexts) -> None:
        self.runtime, self.cal, self.contexts = runtime, cal, contexts
        self._lock = asyncio.Lock()

    async def fire_due(self, now=None) -> int:
        async with self._lock:
            now = now or self.runtime.clock.now()
            with tenancy.scoped(tenancy.ALL):  # which are due, in every tenant; each fires in its tenant's scope
                async with self.runtime.db.read() as session:
                    due = (
                        await session.execute(
                            select(timers.c.key, timers.c.tenant)
                            .where(timers.c.fired_at.is_(None), timers.c.cancelled.is_(False), timers.c.due_at <= now)
                            .order_by(timers.c.due_at)
                        )
                    ).all()
            for key, tenant in due:
                with tenancy.scoped(tenant):
                    async with self.runtime.unit_of_work() as uow:
                        await self._fire(uow, key, await self.contexts(uow.session, tenant))
            if self.runtime.signoff is not None:
                await reminders.remind(self.runtime, self.cal, now)
            return len(due)

    async def _fire(self, uow, key: str, ctx) -> None:
        timer = (
            (await uow.session.execute(select(timers).where(timers.c.key == key).with_for_update())).mappings().first()
        )
        if timer is None or timer["fired_at"] is not None or timer["cancelled"]:
            return  # another replica fired it
        await uow.session.execute(timers.update().where(timers.c.key == key).values(fired_at=uow.now()))
        task = (
            (await uow.session.execute(select(watched_tasks).where(watched_tasks.c.task_id == timer["task_id"])))
            .mappings()
            .first()
        )
        if task is None or task["closed"]:
            return
        if timer["kind"] == "reurge" and task["overdue"]:
            await climb.escalate(uow, dict(task), "overdue_again", key, self.cal, ctx)
        elif timer["kind"] == "explanation":
            step = int(key.rsplit(":", 1)[1])
            explanation = (
                await uow.session.execute(
                    select(explanations.c.submitted_at).where(
                        explanations.c.task_id == timer["task_id"], explanations.c.step == step
                    )
                )
            ).first()
            if explanation is not None and explanation.submitted_at is None:
                await dossier.add(
                    uow, task["tenant"], task["matter_id"], task["task_id"], "explanation_missing", {"step": step}
                )
                if (await rules.ladder_of(uow, task["tenant"])).explanation_missing_urges:
                    await climb.escalate(uow, dict(task), "explanation_missing", key, self.cal, ctx)

    async def on_clock_change(self, _now) -> None:
        await self.fire_due()

    async def run(self) -> None:
        await periodic.repeat(self.fire_due, self.runtime.settings.timer_poll_s, "escalation timers failed; will retry")
