"""Setting and moving a task's deadline, with its timers and its ``deadline.set`` event.

Everything here runs inside the caller's unit of work: the row, its history, its timers
and its events commit together (STYLE.md 6).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from duban_common.calendar import WorkCalendar
from duban_common.contracts.events import DEADLINE_SET, DeadlineSet
from duban_common.outbox import UnitOfWork

from ..adapters import repository as repo
from ..domain import policy, timers
from ..domain.settings import TenantPolicy

# What a revision of a deadline copies from its row into its history and its deadline.set (with
# the note, the previous day, the reason and the extension that moved it).
MOVED_COLUMNS = ("task_id", "revision", "due_on", "due_at", "provisional")


async def emit_set(
    uow: UnitOfWork,
    row: dict,
    cal: WorkCalendar,
    tenant_policy: TenantPolicy,
    *,
    reason: str,
    previous_due_on: date | None,
    extension_id: str | None = None,
) -> None:
    """``deadline.set`` with what the others need of the tenant's policy: when the rule counts from and
    what meets it, the sign-for and decline limits, when the light turns yellow."""
    rule = policy.Basis.from_json(row["basis"]).rule
    limits = await repo.assignment_limits(uow.session, row["tenant"], row["task_id"])
    moved = {name: row[name] for name in MOVED_COLUMNS} | dict(
        note=row.get("note"), previous_due_on=previous_due_on, reason=reason, extension_id=extension_id
    )
    event = DeadlineSet(
        **moved,
        matter_id=row["matter_id"],
        start_on=row["start_on"],
        rule=row["rule"],
        lead_unit=row.get("lead_unit"),
        counted_from=rule.counted_from,
        satisfied_by=rule.satisfied_by,
        rule_label=policy.label_of(rule, (row.get("origin") or {}).get("kind")),
        acknowledge_by=limits.get(timers.ACKNOWLEDGEMENT),
        decline_until=limits.get(timers.DECLINE),
        yellow_from=timers.yellow_from(cal, row["due_on"], tenant_policy),
    )
    await uow.emit(row["tenant"], DEADLINE_SET, event)
    await repo.add_history(uow.session, dict(moved, tenant=row["tenant"], at=uow.now()))


async def replan_deadline_timers(
    uow: UnitOfWork, row: dict, cal: WorkCalendar, tenant_policy: TenantPolicy, note: str
) -> None:
    """Cancel the pending reminder, progress and overdue timers and plan them for the current
    deadline; one that already fired for the same day (or report number) is not planned again."""
    session, tenant, task_id = uow.session, row["tenant"], row["task_id"]
    await repo.cancel_timers(session, tenant, task_id, timers.DEADLINE_KINDS, uow.now(), note)
    if row["status"] != "open":  # declined (until reassigned), or done: nothing to remind of
        return
    done = await repo.fired_keys(session, tenant, task_id)
    planned = timers.deadline_timers(cal, row["start_on"], row["due_on"], row["due_at"], tenant_policy, uow.now())
    await repo.insert_timers(session, tenant, task_id, [t for t in planned if t.key not in done], uow.now())


@dataclass(frozen=True)
class Change:
    task_id: str
    matter_id: str
    previous_due_on: date
    due_on: date
    provisional: bool
    was_provisional: bool

    @property
    def moved(self) -> bool:
        return self.due_on != self.previous_due_on


async def apply(
    uow: UnitOfWork,
    row: dict,
    cal: WorkCalendar,
    tenant_policy: TenantPolicy,
    basis: policy.Basis,
    *,
    reason: str,
    extension_id: str | None = None,
    force_event: bool = False,
    replan_unchanged: bool = True,
) -> Change:
    """Evaluate ``basis`` on ``cal``; when the deadline (or its provisional mark) changes, store it,
    move its timers and emit ``deadline.set``. Timers are re-planned either way (a calendar
    change can move a reminder without moving the due day)."""
    evaluated = policy.evaluate(cal, basis)
    due_at = timers.due_instant(evaluated.due_on, tenant_policy.due_time)
    change = Change(
        row["task_id"], row["matter_id"], row["due_on"], evaluated.due_on, evaluated.provisional, row["provisional"]
    )
    changed = (
        evaluated.due_on != row["due_on"] or evaluated.provisional != row["provisional"] or due_at != row["due_at"]
    )
    if changed or force_event:
        await _store_revision(uow, row, evaluated, due_at, basis)
        await emit_set(
            uow,
            row,
            cal,
            tenant_policy,
            reason=reason,
            previous_due_on=change.previous_due_on,
            extension_id=extension_id,
        )
    if changed or force_event or replan_unchanged:
        await replan_deadline_timers(uow, row, cal, tenant_policy, note=reason)
    return change


REVISION_COLUMNS = ("due_on", "due_at", "provisional", "rule", "note", "basis", "revision", "set_at")


async def _store_revision(
    uow: UnitOfWork, row: dict, evaluated: policy.Deadline, due_at: datetime, basis: policy.Basis
) -> None:
    """Write the re-evaluated deadline as the next revision, into ``row`` and the database."""
    row.update(
        due_on=evaluated.due_on,
        due_at=due_at,
        provisional=evaluated.provisional,
        rule=evaluated.rule,
        note=evaluated.note,
        basis=basis.to_json(),
        revision=row["revision"] + 1,
        set_at=uow.now(),
    )
    await repo.update_deadline(uow.session, row["task_id"], **{name: row[name] for name in REVISION_COLUMNS})
