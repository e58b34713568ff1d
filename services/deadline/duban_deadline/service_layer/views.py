"""What deadline's read routes answer: a task's deadline with its light, the deadlines by light,
extension requests, the calendar's days and years. Each reads in one read session."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta

from duban_common.db import Database, plain

from ..adapters import repository
from ..domain.lights import light

LIGHTS = ("green", "yellow", "red")


def _public(row: dict, lamp: str) -> dict:
    out = {k: v for k, v in row.items() if k not in ("basis", "origin")}
    out["light"] = lamp
    out["notice_late"] = bool(row.get("notice_late_workdays"))
    return out


async def task_deadline(db: Database, now: datetime, tenant: str, task_id: str, default_due_time: time) -> dict | None:
    """The task's deadline with its light, basis, history, extensions and timers (None: no such task)."""
    async with db.read() as session:
        row = await repository.get_deadline(session, tenant, task_id)
        if row is None:
            return None
        calendar = await repository.load_calendar(session, tenant)
        policy = await repository.load_policy(session, tenant, default_due_time)
        history = await repository.deadline_history_of(session, tenant, task_id)
        requests = await repository.task_extensions(session, tenant, task_id)
        timers = await repository.task_timers(session, tenant, task_id)
    lamp = light(calendar, row["status"], row["due_on"], row["due_at"], now, policy.yellow_workdays)
    return {**_public(row, lamp), "basis": row["basis"], "history": history, "extensions": requests, "timers": timers}


async def deadlines_by_light(
    db: Database,
    now: datetime,
    tenant: str,
    default_due_time: time,
    *,
    status: str | None,
    provisional: bool | None,
    narrow: Callable | None,
) -> list[dict]:
    """The tenant's deadlines (open ones unless ``status`` says), soonest first, each with its light."""
    async with db.read() as session:
        rows = await repository.deadlines_of(session, tenant, status, provisional, narrow)
        calendar = await repository.load_calendar(session, tenant)
        policy = await repository.load_policy(session, tenant, default_due_time)
    return [
        _public(plain(row), light(calendar, row["status"], row["due_on"], row["due_at"], now, policy.yellow_workdays))
        for row in rows
    ]


def light_page(tenant: str, now: datetime, items: list[dict], wanted: str | None, limit: int, offset: int) -> dict:
    if wanted:
        items = [item for item in items if item["light"] == wanted]
    counts = {lamp: sum(1 for item in items if item["light"] == lamp) for lamp in LIGHTS}
    return {
        "tenant": tenant,
        "now": now,
        "total": len(items),
        "lights": counts,
        "items": items[offset : offset + limit],
    }


async def task_extensions(db: Database, tenant: str, task_id: str) -> list[dict]:
    async with db.read() as session:
        return await repository.task_extensions(session, tenant, task_id)


async def tenant_extensions(
    db: Database, tenant: str, status: str | None, limit: int, offset: int
) -> tuple[int, list[dict]]:
    async with db.read() as session:
        return await repository.tenant_extensions(session, tenant, status, limit, offset)


async def calendar_days(db: Database, tenant: str, start: date, end: date) -> list[dict]:
    async with db.read() as session:
        calendar = await repository.load_calendar(session, tenant)
    days, day = [], start
    while day <= end:
        days.append(
            {
                "date": day,
                "workday": calendar.is_workday(day),
                "kind": calendar.day_kind(day),
                "provisional": not calendar.is_known_year(day.year),
            }
        )
        day += timedelta(days=1)
    return days


async def local_holidays(db: Database, tenant: str) -> list[dict]:
    async with db.read() as session:
        return await repository.local_holidays_of(session, tenant)


async def calendar_years(db: Database, tenant: str, start: int, end: int) -> list[dict]:
    """Each year from ``start`` to ``end``: whose schedule it follows (loaded, the library's, none yet)."""
    async with db.read() as session:
        calendar = await repository.load_calendar(session, tenant)
        loaded = await repository.loaded_years(session, tenant)
    years = []
    for year in range(start, end + 1):
        source = "loaded" if year in loaded else ("chinese-calendar" if calendar.is_known_year(year) else None)
        years.append(
            {
                "year": year,
                "schedule": source,
                "provisional": source is None,
                "loaded_from": loaded[year].source if year in loaded else None,
                "loaded_at": loaded[year].loaded_at if year in loaded else None,
            }
        )
    return years


async def year_schedule(db: Database, tenant: str, year: int) -> dict | None:
    async with db.read() as session:
        return await repository.year_schedule(session, tenant, year)


async def policy_overrides(db: Database, tenant: str):
    async with db.read() as session:
        return await repository.load_overrides(session, tenant)
