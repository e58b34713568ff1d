"""Firing due timers, each exactly once, whatever the number of replicas.

A batch of due, pending timers is claimed, marked and its events written to the outbox in
ONE transaction. On PostgreSQL the claim is ``FOR UPDATE OF timers SKIP LOCKED``: replicas
take disjoint batches, and a replica killed mid-batch leaves its rows pending (its
transaction rolls back) for the others. On SQLite one process owns the file and its
write lock serializes the transactions. Firing runs when the simulated clock moves
(before the service acknowledges the new time), and on a short period with any clock,
which also fires, on start, what fell due while the service was down.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime, time

from duban_common import tenancy
from duban_common.calendar import WorkCalendar, local_day
from duban_common.contracts import events as ev
from duban_common.db import Database
from duban_common.logging import get_logger
from duban_common.outbox import BatchedUnitOfWork, InfraTables

from .. import metrics
from ..adapters import repository as repo
from ..domain import timers as timer_rules
from ..domain.settings import TenantPolicy

log = get_logger(__name__)

MIN_WAIT_S = 0.05  # the firing loop's shortest sleep (_next_wait)
EVENT_TYPES = {
    timer_rules.REMINDER: ev.DEADLINE_REMINDER,
    timer_rules.PROGRESS: ev.DEADLINE_PROGRESS_DUE,
    timer_rules.OVERDUE: ev.DEADLINE_OVERDUE,
    timer_rules.ACKNOWLEDGEMENT: ev.DEADLINE_ACKNOWLEDGEMENT_OVERDUE,
    timer_rules.DECLINE: ev.DEADLINE_DECLINE_WINDOW_CLOSED,
}


def fact(kind: str, timer, now: datetime, cal: WorkCalendar):
    common = dict(
        task_id=timer.task_id,
        matter_id=timer.matter_id,
        lead_unit=timer.lead_unit,
        timer_id=timer.id,
        scheduled_at=timer.due_at,
    )
    if kind == timer_rules.REMINDER:
        return ev.DeadlineReminder(
            **common,
            due_on=timer.deadline_due_on,
            due_at=timer.deadline_due_at,
            workdays_left=cal.workdays_between(local_day(now), timer.deadline_due_on),
        )
    if kind == timer_rules.PROGRESS:
        return ev.ProgressDue(
            **common,
            seq=timer.seq,
            report_due_on=timer.ref_on or local_day(timer.due_at),
            due_on=timer.deadline_due_on,
            last_reported_at=timer.last_progress_at,
        )
    if kind == timer_rules.OVERDUE:
        return ev.DeadlineOverdue(**common, due_on=timer.deadline_due_on, due_at=timer.deadline_due_at)
    if kind == timer_rules.ACKNOWLEDGEMENT:
        return ev.AcknowledgementOverdue(**common, assigned_at=timer.assigned_at, limit_at=timer.due_at)
    return ev.DeclineWindowClosed(**common, assigned_at=timer.assigned_at, closed_at=timer.due_at)


class TimerFiring:
    def __init__(
        self,
        db: Database,
        tables: InfraTables,
        clock,
        source: str,
        *,
        instance: str,
        default_due_time: time,
        simulated: bool = False,
        wake: Callable[[], None] = lambda: None,
        batch: int = 500,
        poll_s: float = 1.0,
        gauges_every_s: float = 5.0,
    ) -> None:
        self.db, self.tables, self.clock, self.source, self.instance = db, tables, clock, source, instance
        self.default_due_time, self.simulated, self.wake = default_due_time, simulated, wake
        self.batch, self.poll_s, self.gauges_every_s = batch, poll_s, gauges_every_s
        self._simulated_up_to: datetime | None = None  # the simulated time every due timer has been fired for
        self._jump: tuple[datetime | None, datetime] | None = None  # the last simulated change: (from, to)

    async def fire_due(self, now: datetime | None = None, *, since: datetime | None = None) -> int:
        """Fire every timer due at ``now`` (default: the clock's time) that no other replica holds.

        ``since``: time jumped from ``since`` to ``now`` (the simulated clock), so a timer due in
        between is treated as if the clock had reached it on its own: a reminder due 09:00 on a
        working day is delivered, not held back as if the service had been down."""
        total = 0
        with tenancy.scoped(tenancy.ALL):  # one batch holds many tenants' timers (tenancy.py)
            while claimed := await self._fire_batch(now or self.clock.now(), since):
                total += claimed
        return total

    async def on_clock_change(self, now: datetime) -> None:
        """The simulated clock's listener: runs before the service acknowledges the new time.
        Should it fail (database away), the periodic loop retries the same jump."""
        self._jump = (self._simulated_up_to, now)
        await self._catch_up()
        await self.refresh_gauges()

    async def _catch_up(self) -> None:
        since, now = self._jump
        await self.fire_due(now, since=since)
        self._simulated_up_to = now

    async def run(self) -> None:
        """The periodic loop (a Runtime background task). With the simulated clock it fires only
        up to the time the clock listener has handled (timers planned already due, e.g. overdue
        for a task returned late), so it never races the listener on a jump."""
        while True:
            try:
                if not self.simulated:
                    await self.fire_due()
                elif self._jump is not None and self._simulated_up_to != self._jump[1]:
                    await self._catch_up()
                elif self._simulated_up_to is not None:
                    await self.fire_due(self._simulated_up_to)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("timer firing failed; will retry")  # the database is away: rows stay pending
                await asyncio.sleep(self.poll_s)
                continue
            await asyncio.sleep(await self._next_wait())

    async def _next_wait(self) -> float:
        """Until the next pending timer is due, at most ``poll_s`` and at least ``MIN_WAIT_S``: a timer
        fires when it is due, not up to a poll interval later. The floor keeps a replica from
        spinning on timers another replica holds (claimed with SKIP LOCKED, not yet committed)."""
        if self.simulated:
            return self.poll_s
        try:
            with tenancy.scoped(tenancy.ALL):
                async with self.db.read() as session:
                    nxt = await repo.next_due(session)
        except Exception:  # noqa: BLE001 - the next round reports a database that stays away
            return self.poll_s
        if nxt is None:
            return self.poll_s
        return min(self.poll_s, max(MIN_WAIT_S, (nxt - self.clock.now()).total_seconds()))

    async def _fire_batch(self, now: datetime, since: datetime | None) -> int:
        async with self.db.transaction() as session:
            rows = await repo.claim_due_timers(session, now, self.batch)
            if not rows:
                return 0
            uow = BatchedUnitOfWork(session, self.tables, self.clock, self.source)
            references: dict[str, tuple[WorkCalendar, TenantPolicy]] = {}
            marks, defers, fired = [], [], []
            for row in rows:
                if row.tenant not in references:
                    references[row.tenant] = (
                        await repo.load_calendar(session, row.tenant),
                        await repo.load_policy(session, row.tenant, self.default_due_time),
                    )
                outcome = await self._dispose(uow, row, now, since, *references[row.tenant])
                (defers if "at" in outcome else marks).append(outcome)
                if outcome.get("st") == "fired":
                    fired.append((row.kind, row.due_at))
            await uow.flush()
            await repo.mark_timers(session, marks, now, self.instance)
            await repo.defer_timers(session, defers)
        for kind, due_at in fired:
            metrics.TIMERS_FIRED.labels(kind).inc()
            metrics.TIMER_LATENESS.labels(kind).observe(max(0.0, (now - due_at).total_seconds()))
        if fired:
            self.wake()
            log.info("timers fired", fired=len(fired), claimed=len(rows), now=now.isoformat())
        return len(rows)

    async def _dispose(
        self,
        uow: BatchedUnitOfWork,
        row,
        now: datetime,
        since: datetime | None,
        calendar: WorkCalendar,
        policy: TenantPolicy,
    ) -> dict:
        """What becomes of one claimed timer: a mark (fired with its event, skipped, cancelled) or a deferral (``at``)."""
        if row.status != "open":  # declined or done while the timer was claimable: nothing to say any more
            return dict(tid=row.id, st="cancelled", eid=None, note=f"task {row.status}")
        as_of = now if since is None else max(row.due_at, min(since, now))  # when it would have fired
        disposition = timer_rules.disposition(row.kind, as_of, calendar, policy, row.deadline_due_at)
        if disposition.action == "defer":
            return dict(tid=row.id, at=disposition.at, note=disposition.reason)
        if disposition.action == "skip":
            return dict(tid=row.id, st="skipped", eid=None, note=disposition.reason)
        envelope = await uow.emit(row.tenant, EVENT_TYPES[row.kind], fact(row.kind, row, as_of, calendar))
        return dict(tid=row.id, st="fired", eid=envelope.id, note=None)

    async def gauges(self) -> None:
        """The gauges' loop (a Runtime background task of its own). Counting a million pending
        timers takes a few hundred milliseconds; inside the firing loop that was a pause every
        few seconds in which nothing fired."""
        while True:
            try:
                await self.refresh_gauges()
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - the database is away; the next round tries again
                log.warning("timer gauges not refreshed", exc_info=True)
            await asyncio.sleep(self.gauges_every_s)

    async def refresh_gauges(self) -> None:
        # every tenant's timers: without a scope the data layer shows none (tenancy.py)
        # one table per transaction: a read that holds one table while asking for the next could
        # deadlock with a starting replica's migration (tenancy.enforce_row_level_security)
        with tenancy.scoped(tenancy.ALL):
            async with self.db.read() as session:
                pending = await repo.pending_timers_by_kind(session)
            async with self.db.read() as session:
                provisional = await repo.provisional_count(session)
        for kind in timer_rules.KINDS:
            metrics.TIMERS_PENDING.labels(kind).set(pending.get(kind, 0))
        metrics.PROVISIONAL_DEADLINES.set(provisional)
