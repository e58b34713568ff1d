"""Statistics of a period per unit and per kind, from the read models with SQL aggregates."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import case, func, or_, select

from ..adapters.orm import rejected_submissions, task_facts, task_states
from ..domain.model import KIND_LABEL
from ..domain.periods import Period
from ..domain.statistics import DEFINITIONS, Figures, admonitions, ranked

FACT_COUNTS = {
    "overdue": "overdue",
    "urged": "urges",
    "returned": "returns",
    "extension_approved": "extensions",
    "spot_check_satisfied": "spot_checks_satisfied",
    "spot_check_not_satisfied": "spot_checks_not_satisfied",
    "bulletined": "bulletins",
    "transferred": "transfers",
    "order_issued": "supervision_orders",
    "deducted": "deductions",
}


async def figures(session, tenant: str, period: Period) -> tuple[dict[str, Figures], dict[str, Figures]]:
    """The period's figures per unit (the task's current lead unit) and per kind (the matter's
    source kind). One pass of three aggregates grouped by (unit, kind) serves both: at a million
    tasks the scans, not the grouping, are what costs."""
    units: dict[str, Figures] = {}
    kinds: dict[str, Figures] = {}

    def both(unit: str | None, kind: str | None) -> tuple[Figures, Figures]:
        return units.setdefault(unit or "", Figures()), kinds.setdefault(kind or "", Figures())

    await _count_assigned(session, tenant, period, both)
    await _count_completed(session, tenant, period, both)
    await _count_facts(session, tenant, period, both)
    return units, kinds


FiguresOf = Callable[[str | None, str | None], tuple[Figures, Figures]]


async def _count_assigned(session, tenant: str, period: Period, both: FiguresOf) -> None:
    states = task_states.c
    assigned = (
        select(states.lead_unit, states.kind, func.count())
        .where(states.tenant == tenant, states.assigned_at >= period.starts_at, states.assigned_at < period.ends_before)
        .group_by(states.lead_unit, states.kind)
    )
    for unit, kind, count in (await session.execute(assigned)).all():
        for figures_of in both(unit, kind):
            figures_of.add("assigned", count)


async def _count_completed(session, tenant: str, period: Period, both: FiguresOf) -> None:
    states = task_states.c
    on_time = case((or_(states.due_at.is_(None), states.completed_at <= states.due_at), 1), else_=0)
    completed = (
        select(
            states.lead_unit,
            states.kind,
            func.count(),
            func.sum(on_time),
            func.sum(states.handling_workdays),
            func.count(states.handling_workdays),
        )
        .where(
            states.tenant == tenant,
            states.completed_at >= period.starts_at,
            states.completed_at < period.ends_before,
            states.status == "completed",
        )
        .group_by(states.lead_unit, states.kind)
    )
    for unit, kind, count, on_time_count, days, days_count in (await session.execute(completed)).all():
        for figures_of in both(unit, kind):
            figures_of.add("completed", count)
            figures_of.add("completed_on_time", on_time_count)
            figures_of.handling_days_total += float(days or 0)
            figures_of.handling_days_n += int(days_count or 0)


async def _count_facts(session, tenant: str, period: Period, both: FiguresOf) -> None:
    states = task_states.c
    # a fact counts for the unit it names (the one urged, the one that lost points), else the task's lead unit
    fact_unit = func.coalesce(task_facts.c.unit, states.lead_unit)
    facts = (
        select(fact_unit, states.kind, task_facts.c.fact, func.count(), func.sum(task_facts.c.points))
        .join(task_states, states.task_id == task_facts.c.task_id)
        .where(
            task_facts.c.tenant == tenant,
            task_facts.c.at >= period.starts_at,
            task_facts.c.at < period.ends_before,
            task_facts.c.fact.in_(FACT_COUNTS),
        )
        .group_by(fact_unit, states.kind, task_facts.c.fact)
    )
    for unit, kind, fact, count, points in (await session.execute(facts)).all():
        for figures_of in both(unit, kind):
            if fact == "deducted":
                figures_of.deductions += float(points or 0)
            else:
                figures_of.add(FACT_COUNTS[fact], count)


ISSUER_LABEL = {"supervision_office": "督查室", "special_body": "专门机构办公室"}


async def notices_late(session, tenant: str, period: Period) -> list[dict]:
    """Assignment notices issued later than their limit in the period, per issuer (交办超时)."""
    facts = task_facts.c
    query = (
        select(facts.unit, func.count())
        .where(
            facts.tenant == tenant,
            facts.fact == "notice_late",
            facts.at >= period.starts_at,
            facts.at < period.ends_before,
        )
        .group_by(facts.unit)
        .order_by(facts.unit)
    )
    return [
        {
            "issued_by": u or "supervision_office",
            "issued_by_label": ISSUER_LABEL.get(u or "supervision_office", u),
            "count": n,
        }
        for u, n in (await session.execute(query)).all()
    ]


async def rejected_by_kind(session, tenant: str, period: Period) -> dict[str, int]:
    rejected = rejected_submissions.c
    query = (
        select(rejected.kind, func.count())
        .where(
            rejected.tenant == tenant,
            rejected.rejected_at >= period.starts_at,
            rejected.rejected_at < period.ends_before,
        )
        .group_by(rejected.kind)
    )
    return dict((await session.execute(query)).all())


async def report(session, tenant: str, period: Period, *, as_of: datetime, names: dict[str, str], bottom: int) -> dict:
    units, kinds = await figures(session, tenant, period)
    rejected = await rejected_by_kind(session, tenant, period)
    order = ranked(units)
    flagged = admonitions(order, units, bottom)
    rank = {code: i + 1 for i, code in enumerate(order)}
    by_kind = [
        {"kind": k, "kind_label": KIND_LABEL.get(k, k), **f.as_dict(), "rejected": rejected.get(k, 0)}
        for k, f in sorted(kinds.items())
    ]
    late = await notices_late(session, tenant, period)
    return {
        "tenant": tenant,
        "period": period.as_dict(),
        "as_of": as_of,
        "totals": {
            **_totals(units).as_dict(),
            "rejected": sum(rejected.values()),
            "notices_late": sum(x["count"] for x in late),
        },
        "notices_late": late,
        "by_unit": _by_unit(units, rank, flagged, names),
        "by_kind": by_kind,
        "ranking": _ranking(order, units, rank, flagged, names),
        "admonition_bottom": bottom,
        "definitions": DEFINITIONS,
    }


def _by_unit(units: dict[str, Figures], rank: dict[str, int], flagged: set[str], names: dict[str, str]) -> list[dict]:
    return [
        {
            "unit": code,
            "unit_name": names.get(code, code),
            **f.as_dict(),
            "rank": rank.get(code),
            "admonition": code in flagged,
        }
        for code, f in sorted(units.items(), key=lambda kv: (rank.get(kv[0], 10**6), kv[0]))
    ]


def _totals(units: dict[str, Figures]) -> Figures:
    total = Figures()
    for unit_figures in units.values():
        for name, count in unit_figures.counts.items():
            total.add(name, count)
        total.handling_days_total += unit_figures.handling_days_total
        total.handling_days_n += unit_figures.handling_days_n
        total.deductions += unit_figures.deductions
    return total


def _ranking(
    order: list[str], units: dict[str, Figures], rank: dict[str, int], flagged: set[str], names: dict[str, str]
) -> list[dict]:
    return [
        {
            "rank": rank[c],
            "unit": c,
            "unit_name": names.get(c, c),
            "on_time_rate": units[c].on_time_rate,
            "avg_handling_workdays": units[c].avg_handling_workdays,
            "overdue": units[c].counts["overdue"],
            "score": units[c].as_dict()["score"],
            "satisfaction_rate": units[c].satisfaction_rate,
            "admonition": c in flagged,
        }
        for c in order
    ]
