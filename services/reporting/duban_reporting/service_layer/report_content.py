"""What a bulletin or a special report says, read from the read models and turned into the
domain's documents (the numbering and storing are in ``publishing``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from duban_common.calendar import local_day
from duban_common.problems import Refused

from ..adapters.orm import ledger, task_facts, task_states
from ..adapters.units import named
from ..domain.bulletin import EscalationLine
from ..domain.model import ESCALATION_LABEL, STATUS_LABEL, source_label
from ..domain.periods import Period
from ..domain.special_report import MatterLine, TaskLine
from . import ledger_query
from .ledger_query import LedgerFilter


class ReportRefused(Refused, ValueError):
    """The request cannot give a report; the message says why, in Chinese, for the caller."""


@dataclass(frozen=True)
class Selection:
    """The matters of a special report: one matter, or a campaign (a ledger filter)."""

    matter_id: str | None = None
    campaign: LedgerFilter | None = None


async def escalations(session, tenant: str, period: Period, names: dict[str, str]) -> list[EscalationLine]:
    unit = func.coalesce(task_facts.c.unit, task_states.c.lead_unit).label("unit")
    query = (
        select(task_facts.c.fact, task_facts.c.at, task_facts.c.points, unit, ledger.c.title, task_states.c.notice_no)
        .join(task_states, task_states.c.task_id == task_facts.c.task_id)
        .join(ledger, ledger.c.matter_id == task_states.c.matter_id)
        .where(
            task_facts.c.tenant == tenant,
            task_facts.c.fact.in_(ESCALATION_LABEL),
            task_facts.c.at >= period.starts_at,
            task_facts.c.at < period.ends_before,
        )
        .order_by(task_facts.c.at, task_facts.c.fact_key)
    )
    return [
        EscalationLine(local_day(r.at), r.fact, names.get(r.unit, r.unit or "—"), r.title or "", r.notice_no, r.points)
        for r in (await session.execute(query)).all()
    ]


async def selected_matters(session, tenant: str, sel: Selection, now: datetime, limit: int) -> list[dict]:
    if sel.matter_id:
        row = (
            (
                await session.execute(
                    select(ledger).where(ledger.c.tenant == tenant, ledger.c.matter_id == sel.matter_id)
                )
            )
            .mappings()
            .first()
        )
        if row is None:
            raise ReportRefused(f"事项 {sel.matter_id} 不存在", 404)
        return await _projected(session, [dict(row)])
    rows_q, count_q = ledger_query.query(tenant, sel.campaign, now, local_day(now))
    total = (await session.execute(count_q)).scalar_one()
    if total == 0:
        raise ReportRefused("没有符合筛选条件的督办事项，无法形成专报")
    if total > limit:
        raise ReportRefused(f"符合条件的事项有 {total} 项，超过专报上限 {limit} 项，请缩小筛选范围")
    return await _projected(session, [dict(r) for r in (await session.execute(rows_q)).mappings()])


async def _projected(session, rows: list[dict]) -> list[dict]:
    """The matters, refused (409) while one is known from its tasks' facts only (its matter.registered
    not projected yet: no title, no source) or one of its tasks from a deadline or another fact only
    (its task.assigned not projected yet: no unit, no notice). The events are projected in any order;
    the report would state the gaps as facts, under a number."""
    for row in rows:
        if row["registered_at"] is None:
            raise ReportRefused(f"事项 {row['matter_id']} 的立项信息尚未同步到报表，暂不能形成专报，请稍后再试", 409)
    ids = [r["matter_id"] for r in rows]
    query = (
        select(task_states.c.matter_id)
        .where(task_states.c.matter_id.in_(ids), task_states.c.assigned_at.is_(None))
        .limit(1)
    )
    if (waiting := (await session.execute(query)).scalar()) is not None:
        title = next(r["title"] for r in rows if r["matter_id"] == waiting)
        raise ReportRefused(f"事项“{title}”的交办信息尚未同步到报表，暂不能形成专报，请稍后再试", 409)
    return rows


async def matter_lines(session, rows: list[dict], now: datetime, names: dict[str, str]) -> list[MatterLine]:
    ids = [r["matter_id"] for r in rows]
    tasks = await _assigned_tasks(session, ids)
    facts = await _escalation_facts(session, ids)
    return [_matter_line(r, tasks, facts, now, names) for r in rows]


async def _assigned_tasks(session, ids: list[str]) -> list[dict]:
    """The matters' assigned tasks, in the order they were assigned."""
    tasks_query = (
        select(task_states)
        .where(task_states.c.matter_id.in_(ids), task_states.c.assigned_at.is_not(None))
        .order_by(task_states.c.assigned_at, task_states.c.notice_no, task_states.c.task_id)
    )
    return [dict(t) for t in (await session.execute(tasks_query)).mappings()]


async def _escalation_facts(session, ids: list[str]) -> list:
    """The matters' escalation facts, oldest first, each with the unit it concerns."""
    unit = func.coalesce(task_facts.c.unit, task_states.c.lead_unit).label("unit")
    facts_query = (
        select(
            task_facts.c.fact,
            task_facts.c.at,
            task_facts.c.points,
            unit,
            task_states.c.matter_id,
            task_states.c.notice_no,
        )
        .join(task_states, task_states.c.task_id == task_facts.c.task_id)
        .where(task_states.c.matter_id.in_(ids), task_facts.c.fact.in_(ESCALATION_LABEL))
        .order_by(task_facts.c.at, task_facts.c.fact_key)
    )
    return list((await session.execute(facts_query)).all())


def _task_line(task: dict, now: datetime, names: dict[str, str]) -> TaskLine:
    return TaskLine(
        unit=names.get(task["lead_unit"], task["lead_unit"] or "—"),
        co_units=named(task["co_units"], names),
        notice_no=task["notice_no"],
        status=STATUS_LABEL.get(task["status"], task["status"]),
        due_on=task["due_on"],
        completed_on=local_day(task["completed_at"])
        if task["status"] == "completed" and task["completed_at"]
        else None,
        overdue=task["status"] != "completed" and task["due_at"] is not None and task["due_at"] < now,
        late=task["status"] == "completed"
        and bool(task["due_at"] and task["completed_at"] and task["completed_at"] > task["due_at"]),
        urges=task["urges"] or 0,
    )


def _matter_line(matter: dict, tasks: list[dict], facts: list, now: datetime, names: dict[str, str]) -> MatterLine:
    lines = tuple(_task_line(t, now, names) for t in tasks if t["matter_id"] == matter["matter_id"])
    esc = tuple(
        EscalationLine(
            local_day(f.at), f.fact, names.get(f.unit, f.unit or "—"), matter["title"] or "", f.notice_no, f.points
        )
        for f in facts
        if f.matter_id == matter["matter_id"]
    )
    return MatterLine(
        title=matter["title"] or "",
        source=source_label(matter),
        registered_on=local_day(matter["registered_at"]) if matter["registered_at"] else None,
        status=STATUS_LABEL.get(matter["status"], matter["status"]),
        progress=matter["progress"] or 0,
        lead=named(matter["lead_units"] or [matter["lead_unit"]], names),
        co_units=named(matter["co_units"], names),
        notice_no=matter["notice_no"],
        due_on=matter["due_on"],
        tasks=lines,
        escalations=esc,
    )
