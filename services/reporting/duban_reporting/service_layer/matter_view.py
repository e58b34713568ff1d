"""The ledger row of a matter, derived from its tasks.

Every projection handler changes a task (or the matter's own fields) and then calls
:func:`refresh`, which recomputes everything derived: the same events give the same row
whatever order they came in, and a replay gives the live ledger back.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import bindparam, select

from duban_common.outbox import UnitOfWork

from ..adapters import ledger_search
from ..adapters.orm import ledger, ledger_units, task_states
from ..domain.model import matter_status, task_status

_NEVER = datetime.min.replace(tzinfo=timezone.utc)
COUNTERS = ("urges", "returns", "extensions")  # per task in task_states, summed per matter in the ledger
_NEW_MATTER = {
    "status": "registered",
    "progress": 0,
    "urges": 0,
    "returns": 0,
    "extensions": 0,
    "lead_units": [],
    "co_units": [],
}

# The projections' statements, built once: building one costs more than running it (on
# SQLite). The row to touch is a parameter (b_*), an UPDATE's
# columns are the other parameters it is executed with.
_LEDGER_ROW = (
    select(ledger.c.submitted_lead_unit, ledger.c.submitted_co_units, ledger.c.lead_units, ledger.c.co_units)
    .where(ledger.c.matter_id == bindparam("b_matter"))
    .with_for_update()
)
_LEDGER_UPDATE = ledger.update().where(ledger.c.matter_id == bindparam("b_matter"))
_MATTER_OF_TASK = select(task_states.c.matter_id).where(task_states.c.task_id == bindparam("b_task"))
_TASK_UPDATE = task_states.update().where(task_states.c.task_id == bindparam("b_task"))
_TASKS_OF = select(task_states).where(task_states.c.matter_id == bindparam("b_matter"))
_TASKS_OF_LOCKED = _TASKS_OF.with_for_update()
_COUNT_UP = {c: _TASK_UPDATE.values({task_states.c[c]: task_states.c[c] + 1}) for c in COUNTERS}
_UNITS_DELETE = ledger_units.delete().where(ledger_units.c.matter_id == bindparam("b_matter"))


async def _ledger_row(uow: UnitOfWork, matter_id: str):
    return (await uow.session.execute(_LEDGER_ROW, {"b_matter": matter_id})).first()


async def upsert_matter(uow: UnitOfWork, tenant: str, matter_id: str, *, exists: bool | None = None, **values) -> None:
    if exists is None:
        exists = await _ledger_row(uow, matter_id) is not None
    if not exists:
        await uow.session.execute(
            ledger.insert(), dict(matter_id=matter_id, tenant=tenant, **{**_NEW_MATTER, **values})
        )
        ledger_search.catch_up_before_commit(uow.session)  # its search row (SQLite), with the group's others
    elif values:
        await uow.session.execute(_LEDGER_UPDATE, {"b_matter": matter_id, **values})
        if not ledger_search.SEARCHED.isdisjoint(values):  # its search row is stale now (SQLite)
            ledger_search.catch_up_before_commit(uow.session)


@dataclass
class MatterTasks:
    """The task rows of one matter, read (and locked) once per event. A handler changes a task
    through :meth:`update`, which writes the row and keeps this copy equal to it, so that
    :func:`refresh` derives the ledger row from it without reading the tasks again."""

    matter_id: str
    tasks: list[dict]
    task: dict  # the event's task
    _new: bool = False  # the event's task is not written yet (its first event)

    async def update(self, uow: UnitOfWork, **values) -> None:
        if self._new:
            await uow.session.execute(
                task_states.insert(), {k: v for k, v in self.task.items() if v is not None} | values
            )
            self._new = False
        elif values:
            await uow.session.execute(_TASK_UPDATE, {"b_task": self.task["task_id"], **values})
        self.task.update(values)

    async def count_up(self, uow: UnitOfWork, counter: str) -> None:
        """Add one to a counter of the task (once per event: the inbox makes it idempotent). The
        task's row is written already (:meth:`update` first, for a new task)."""
        await uow.session.execute(_COUNT_UP[counter], {"b_task": self.task["task_id"]})
        self.task[counter] = (self.task[counter] or 0) + 1


async def matter_tasks(uow: UnitOfWork, tenant: str, task_id: str, matter_id: str | None) -> MatterTasks:
    """The event's task among its matter's tasks; a placeholder (version 0), written with the
    handler's first change, when a fact about it comes before its assignment. A task's matter
    never changes, so the event's matter is the task's."""
    if matter_id is None:
        matter_id = (await uow.session.execute(_MATTER_OF_TASK, {"b_task": task_id})).scalar()
        if matter_id is None:
            raise LookupError(
                f"task {task_id} is not known yet and the event names no matter; retried until its assignment arrives"
            )
    tasks = [dict(r) for r in (await uow.session.execute(_TASKS_OF_LOCKED, {"b_matter": matter_id})).mappings()]
    task = next((t for t in tasks if t["task_id"] == task_id), None)
    if task is not None:
        return MatterTasks(matter_id, tasks, task)
    task = dict.fromkeys(task_states.c.keys()) | {
        "task_id": task_id,
        "matter_id": matter_id,
        "tenant": tenant,
        "status": "assigned",
        "version": 0,
        "co_units": [],
        **dict.fromkeys(COUNTERS, 0),
    }
    return MatterTasks(matter_id, [*tasks, task], task, _new=True)


def _notice_order(notice_no: str | None) -> tuple[int, int]:
    """督办〔2026〕17号 → (2026, 17): tasks of one split share their assignment instant."""
    match = re.search(r"〔(\d+)〕(\d+)号", notice_no or "")
    return (int(match[1]), int(match[2])) if match else (0, 0)


def _unique(items) -> list:
    return list(dict.fromkeys(i for i in items if i))


def _deadline_of(tasks: list[dict]) -> dict:
    """The nearest deadline of the open tasks; the latest one once every task is closed."""
    dated = [t for t in tasks if t["due_at"] is not None]
    open_ = [t for t in dated if t["status"] != "completed"]
    pick = min(open_, key=lambda t: t["due_at"]) if open_ else max(dated, key=lambda t: t["due_at"], default=None)
    if pick is None:
        return {
            "due_on": None,
            "due_at": None,
            "deadline_rule": None,
            "deadline_label": None,
            "yellow_from": None,
            "provisional": None,
        }
    return {
        k: pick.get(k) for k in ("due_on", "due_at", "deadline_rule", "deadline_label", "yellow_from", "provisional")
    }


def derived(tasks: list[dict], submitted_lead: str | None, submitted_co: list[str] | None) -> dict:
    """What the ledger shows of a matter's tasks. Pure."""
    tasks = sorted(
        tasks,
        key=lambda t: (
            t["assigned_at"] is None,
            t["assigned_at"] or _NEVER,
            _notice_order(t["notice_no"]),
            t["task_id"],
        ),
    )
    values: dict = {
        "status": matter_status([task_status(t["status"], t.get("transferred_at") is not None) for t in tasks])
    }
    if not tasks:
        return values | {
            "lead_unit": submitted_lead,
            "lead_units": [submitted_lead] if submitted_lead else [],
            "co_units": list(submitted_co or []),
        }
    leads = _unique(t["lead_unit"] for t in tasks)
    done = [t["completed_at"] for t in tasks]
    return (
        values
        | _deadline_of(tasks)
        | {c: sum(t[c] or 0 for t in tasks) for c in COUNTERS}
        | {
            "lead_unit": leads[0] if leads else None,
            "lead_units": leads,
            "co_units": [c for c in _unique(c for t in tasks for c in (t["co_units"] or [])) if c not in leads],
            "task_id": tasks[0]["task_id"] if len(tasks) == 1 else None,
            "notice_no": "、".join(_unique(t["notice_no"] for t in tasks)) or None,
            "assigned_at": min((t["assigned_at"] for t in tasks if t["assigned_at"]), default=None),
            "completed_at": max(done) if values["status"] == "completed" and all(done) else None,
        }
    )


async def _tasks_of(uow: UnitOfWork, matter_id: str) -> list[dict]:
    return [dict(r) for r in (await uow.session.execute(_TASKS_OF, {"b_matter": matter_id})).mappings()]


async def refresh(uow: UnitOfWork, tenant: str, matter_id: str, tasks: list[dict] | None = None) -> None:
    """Recompute the matter's ledger row from its tasks (``tasks``: as they are now in this
    transaction, when the caller has them)."""
    if tasks is None:
        tasks = await _tasks_of(uow, matter_id)
    current = await _ledger_row(uow, matter_id)
    values = derived(
        tasks, current.submitted_lead_unit if current else None, current.submitted_co_units if current else None
    )
    await upsert_matter(uow, tenant, matter_id, exists=current is not None, **values)
    await _write_units(uow, tenant, matter_id, current, values)


async def register(uow: UnitOfWork, tenant: str, matter_id: str, **own) -> None:
    """The matter's own fields (``own``, with its submitted units) and everything derived, in one
    write: :func:`upsert_matter` then :func:`refresh`, without reading back what it just wrote."""
    current = await _ledger_row(uow, matter_id)
    values = own | derived(
        await _tasks_of(uow, matter_id), own.get("submitted_lead_unit"), own.get("submitted_co_units")
    )
    await upsert_matter(uow, tenant, matter_id, exists=current is not None, **values)
    await _write_units(uow, tenant, matter_id, current, values)


async def _write_units(uow: UnitOfWork, tenant: str, matter_id: str, current, values: dict) -> None:
    """The matter's rows in ledger_units (the unit filter's index), rewritten when its units changed."""
    if current is not None and current.lead_units == values["lead_units"] and current.co_units == values["co_units"]:
        return
    if current is not None:  # a matter without a ledger row has no unit rows either
        await uow.session.execute(_UNITS_DELETE, {"b_matter": matter_id})
    rows = [{"matter_id": matter_id, "unit": u, "role": "lead", "tenant": tenant} for u in values["lead_units"]]
    rows += [{"matter_id": matter_id, "unit": u, "role": "co", "tenant": tenant} for u in values["co_units"]]
    if rows:
        await uow.session.execute(ledger_units.insert(), rows)
