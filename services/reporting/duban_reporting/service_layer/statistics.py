"""Statistics of a period per unit and per kind, from the read models with SQL aggregates."""

from __future__ import annotations

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
    t = task_states.c
    start, end = period.starts_at, period.ends_before
    units: dict[str, Figures] = {}
    kinds: dict[str, Figures] = {}

    def both(unit, kind) -> tuple[Figures, Figures]:
        return units.setdefault(unit or "", Figures()), kinds.setdefault(kind or "", Figures())

    assigned = (
        select(t.lead_unit, t.kind, func.count())
        .where(t.tenant == tenant, t.assigned_at >= start, t.assigned_at < end)
        .group_by(t.lead_unit, t.kind)
    )
    for unit, kind, n in (await session.execute(assigned)).all():
        for f in both(unit, kind):
            f.add("assigned", n)
    on_time = case((or_(t.due_at.is_(None), t.completed_at <= t.due_at), 1), else_=0)
    completed = (
        select(
            t.lead_unit,
            t.kind,
            func.count(),
            func.sum(on_time),
            func.sum(t.handling_workdays),
            func.count(t.handling_workdays),
        )
        .where(t.tenant == tenant, t.completed_at >= start, t.completed_at < end, t.status == "completed")
        .group_by(t.lead_unit, t.kind)
    )
    for unit, kind, n, n_on_time, days, days_n in (await session.execute(completed)).all():
        for f in both(unit, kind):
            f.add("completed", n)
            f.add("completed_on_time", n_on_time)
            f.handling_days_total += float(days or 0)
            f.handling_days_n += int(days_n or 0)
    # a fact counts for the unit it names (the one urged, the one that lost points), else the task's lead unit
    fact_unit = func.coalesce(task_facts.c.unit, t.lead_unit)
    facts = (
        select(fact_unit, t.kind, task_facts.c.fact, func.count(), func.sum(task_facts.c.points))
        .join(task_states, t.task_id == task_facts.c.task_id)
        .where(
            task_facts.c.tenant == tenant,
            task_facts.c.at >= start,
            task_facts.c.at < end,
            task_facts.c.fact.in_(FACT_COUNTS),
        )
        .group_by(fact_unit, t.kind, task_facts.c.fact)
    )
    for unit, kind, fact, n, points in (await session.execute(facts)).all():
        for f in both(unit, kind):
            if fact == "deducted":
                f.deductions += float(points or 0)
            else:
                f.add(FACT_COUNTS[fact], n)
    return units, kinds


ISSUER_LABEL = {"supervision_office": "督查室", "special_body": "专门机构办公室"}


async def notices_late(session, tenant: str, period: Period) -> list[dict]:
    """Assignment notices issued later than their limit in the period, per issuer (交办超时)."""
    f = task_facts.c
    q = (
        select(f.unit, func.count())
        .where(f.tenant == tenant, f.fact == "notice_late", f.at >= period.starts_at, f.at < period.ends_before)
        .group_by(f.unit)
        .order_by(f.unit)
    )
    return [
        {
            "issued_by": u or "supervision_office",
            "issued_by_label": ISSUER_LABEL.get(u or "supervision_office", u),
            "count": n,
        }
        for u, n in (await session.execute(q)).all()
    ]


async def rejected_by_kind(session, tenant: str, period: Period) -> dict[str, int]:
    r = rejected_submissions.c
    q = (
        select(r.kind, func.count())
        .where(r.tenant == tenant, r.rejected_at >= period.starts_at, r.rejected_at < period.ends_before)
        .group_by(r.kind)
    )
    return dict((await session.execute(q)).all())


async def report(session, tenant: str, period: Period, *, as_of: datetime, names: dict[str, str], bottom: int) -> dict:
    units, kinds = await figures(session, tenant, period)
    rejected = await rejected_by_kind(session, tenant, period)
    order = ranked(units)
    flagged = admonitions(order, units, bottom)
    rank = {code: i + 1 for i, code in enumerate(order)}
    by_unit = [
        {
            "unit": code,
            "unit_name": names.get(code, code),
            **f.as_dict(),
            "rank": rank.get(code),
            "admonition": code in flagged,
        }
        for code, f in sorted(units.items(), key=lambda kv: (rank.get(kv[0], 10**6), kv[0]))
    ]
    by_kind = [
        {"kind": k, "kind_label": KIND_LABEL.get(k, k), **f.as_dict(), "rejected": rejected.get(k, 0)}
        for k, f in sorted(kinds.items())
    ]
    total = Figures()
    for f in units.values():
        for name, n in f.counts.items():
            total.add(name, n)
        total.handling_days_total += f.handling_days_total
        total.handling_days_n += f.handling_days_n
        total.deductions += f.deductions
    ranking = [
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
    late = await notices_late(session, tenant, period)
    return {
        "tenant": tenant,
        "period": period.as_dict(),
        "as_of": as_of,
        "totals": {
            **total.as_dict(),
            "rejected": sum(rejected.values()),
            "notices_late": sum(x["count"] for x in late),
        },
        "notices_late": late,
        "by_unit": by_unit,
        "by_kind": by_kind,
        "ranking": ranking,
        "admonition_bottom": bottom,
        "definitions": DEFINITIONS,
    }
