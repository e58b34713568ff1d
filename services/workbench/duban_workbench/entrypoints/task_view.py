"""Fetching what a task page shows: the task from tasking (the page needs it), and the
parts other services hold (deadline, escalation, ledger row), each of which may be
missing when its service is down; the page then says which part is unavailable."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta

from duban_common.calendar import TZ
from duban_common.pii import mask_phones_in_text

from ..adapters.services import NotFound, Refused, Services, Unavailable
from ..adapters.session import Session
from . import timeline

WORKING = {"acknowledged", "in_progress", "returned", "reopened"}


async def optional(coro, down: list[str], what: str):
    """The answer, or None with a line in ``down`` saying what the page cannot show."""
    try:
        return await coro
    except Unavailable as error:
        down.append(f"{error.label}暂时无法访问：{what}暂不显示，其他内容和操作不受影响。")
    except NotFound:
        pass
    return None


async def load(services: Services, session: Session, task_id: str, names: dict[str, str]) -> dict:
    base = f"/v1/tenants/{session.tenant}"
    task = await services.get("tasking", f"{base}/tasks/{task_id}", session.token)  # NotFound: the 404 page
    task["content"] = mask_phones_in_text(task.get("content") or "")  # a citizen's number written into a message
    down: list[str] = []
    deadline, escalation, ledger = await asyncio.gather(
        optional(
            services.get("deadline", f"{base}/tasks/{task_id}/deadline", session.token), down, "办理期限和红黄绿灯"
        ),
        optional(services.get("escalation", f"{base}/tasks/{task_id}/escalation", session.token), down, "催办记录"),
        optional(
            services.get("reporting", f"{base}/ledger", session.token, q=task["notice_no"], limit=5), down, "来源信息"
        ),
    )
    row = next((i for i in (ledger or {}).get("items", []) if i.get("task_id") == task_id), None)
    lead, co_units = task["lead_unit"], task.get("co_units") or []
    my_role = (
        "office"
        if session.role == "supervision_office"
        else "lead"
        if session.unit == lead
        else "co"
        if session.unit in co_units
        else "reader"
    )
    pending_ext = [x for x in (deadline or {}).get("extensions", []) if x["status"] == "pending"]
    explanations_due = [e for e in (escalation or {}).get("explanations", []) if not e.get("submitted_at")]
    explained = [e for e in (escalation or {}).get("explanations", []) if e.get("submitted_at")]
    return {
        "task": task,
        "deadline": deadline,
        "escalation": escalation,
        "source": row,
        "down": down,
        "my_role": my_role,
        "names": names,
        "timeline": timeline.build(task, deadline, escalation, names),
        "working": task["status"] in WORKING,
        "pending_ext": pending_ext,
        "explanations_due": explanations_due,
        "explained": explained,  # the unit's written explanations, for the office's assessment
        "assessment": (escalation or {}).get("assessment"),  # at the transfer rung: 充分/不充分, or None yet
        "due_on": (deadline or {}).get("due_on") or task.get("due_on"),
        "light": (deadline or {}).get("light") or (row or {}).get("light"),
    }


async def services_today(services: Services, session: Session) -> date | None:
    """The day it is for the services: their clock, which the demo and the tests simulate (the
    page's own clock would count from the real date). None when the calendar cannot be read."""
    probe = datetime.now(TZ).date().isoformat()
    try:
        answer = await services.get(
            "deadline", f"/v1/tenants/{session.tenant}/calendar", session.token, **{"from": probe, "to": probe}
        )
    except (Unavailable, NotFound, Refused):
        return None
    return date.fromisoformat(str(answer["today"]))


async def workday_counts(services: Services, session: Session, start: date, end: date) -> dict[str, int] | None:
    """For each day after ``start`` up to ``end``: the working days from ``start`` to it (the
    tenant's calendar, one call), or None when the calendar cannot be read."""
    if end <= start:
        return {}
    if (end - start).days > 366:
        return None
    try:
        cal = await services.get(
            "deadline",
            f"/v1/tenants/{session.tenant}/calendar",
            session.token,
            **{"from": (start + timedelta(days=1)).isoformat(), "to": end.isoformat()},
        )
    except (Unavailable, NotFound):
        return None
    counts, counted = {}, 0
    for day in cal["days"]:
        counted += 1 if day["workday"] else 0
        counts[str(day["date"])] = counted
    return counts


async def workdays(services: Services, session: Session, start: date, end: date) -> int | None:
    """Working days after ``start`` up to and including ``end``, or None."""
    counts = await workday_counts(services, session, start, end)
    return None if counts is None else counts.get(end.isoformat(), 0)
