"""What the dashboard shows, each part one bounded query (aggregates, LIMIT, indexed columns),
so the page stays fast with tens of thousands of matters."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ScalarSelect, and_, func, select, true

from duban_common.db import plain

from ..adapters.orm import ledger, task_facts, task_states
from ..domain.model import ESCALATION_LABEL, OPEN_STATUSES
from ..domain.periods import Period
from . import statistics
from .ledger_query import light_condition

LIGHTS = ("red", "yellow", "green", "none")


async def light_counts(session, tenant: str, now: datetime, yellow_day: date) -> dict[str, int]:
    """The tenant's matters and each light's, every count one range of an index, not one pass
    over all the tenant's matters with a CASE per light. Green is counted in two ranges: the
    completed matters with a deadline, and the open ones not yet due less the yellow ones (an
    open matter not yet due is yellow or green: light_condition's "near" is never NULL)."""

    def n(cond) -> ScalarSelect:
        return select(func.count()).select_from(ledger).where(ledger.c.tenant == tenant, cond).scalar_subquery()

    ahead = and_(ledger.c.status.in_(OPEN_STATUSES), ledger.c.due_at >= now)
    done = and_(ledger.c.status == "completed", ledger.c.due_at.is_not(None))
    cols = [
        n(true()).label("total"),
        *(n(light_condition(name, now, yellow_day)).label(name) for name in LIGHTS if name != "green"),
        n(ahead).label("ahead"),
        n(done).label("done"),
    ]
    row = {k: int(v or 0) for k, v in (await session.execute(select(*cols))).mappings().one().items()}
    row["green"] = row.pop("done") + row.pop("ahead") - row["yellow"]
    return {k: row[k] for k in ("total", *LIGHTS)}


async def overdue(session, tenant: str, now: datetime, yellow_day: date, *, limit: int, offset: int) -> list[dict]:
    query = (
        select(
            ledger.c.matter_id,
            ledger.c.notice_no,
            ledger.c.title,
            ledger.c.lead_units,
            ledger.c.lead_unit,
            ledger.c.due_on,
            ledger.c.due_at,
            ledger.c.status,
            ledger.c.progress,
            ledger.c.urges,
        )
        .where(ledger.c.tenant == tenant, light_condition("red", now, yellow_day))
        .order_by(ledger.c.due_at, ledger.c.matter_id)
        .limit(limit)
        .offset(offset)
    )
    return [plain(r) for r in (await session.execute(query)).mappings()]


async def recent_escalations(session, tenant: str, limit: int = 10) -> list[dict]:
    unit = func.coalesce(task_facts.c.unit, task_states.c.lead_unit).label("unit")
    query = (
        select(task_facts.c.fact, task_facts.c.at, task_facts.c.points, unit, ledger.c.title, ledger.c.notice_no)
        .join(task_states, task_states.c.task_id == task_facts.c.task_id)
        .join(ledger, ledger.c.matter_id == task_states.c.matter_id)
        .where(task_facts.c.tenant == tenant, task_facts.c.fact.in_(ESCALATION_LABEL))
        .order_by(task_facts.c.at.desc(), task_facts.c.fact_key)
        .limit(limit)
    )
    return [plain(r) for r in (await session.execute(query)).mappings()]


async def view(
    session,
    tenant: str,
    *,
    now: datetime,
    yellow_day: date,
    period: Period,
    names: dict[str, str],
    bottom: int,
    overdue_limit: int,
    overdue_offset: int,
) -> dict:
    counts = await light_counts(session, tenant, now, yellow_day)
    stats = await statistics.report(session, tenant, period, as_of=now, names=names, bottom=bottom)
    return {
        "tenant": tenant,
        "as_of": now,
        "period": period,
        "counts": counts,
        "overdue": await overdue(session, tenant, now, yellow_day, limit=overdue_limit, offset=overdue_offset),
        "overdue_offset": overdue_offset,
        "overdue_limit": overdue_limit,
        "ranking": stats["ranking"],
        "totals": stats["totals"],
        "notices_late": stats["notices_late"],
        "escalations": await recent_escalations(session, tenant),
    }
