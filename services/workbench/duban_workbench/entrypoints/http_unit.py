"""我的待办: what the unit must do, most urgent first."""

from __future__ import annotations

from datetime import date, datetime

from fastapi import APIRouter, Depends, Request

from duban_common.calendar import TZ

from ..adapters.services import Unavailable
from ..adapters.session import Session
from . import task_view
from .web import UNIT, ctx, render, role, unit_names

# the task's status → what is asked of the lead unit
ASKED = {
    "assigned": "签收",
    "acknowledged": "反馈",
    "in_progress": "反馈 / 办结",
    "returned": "重新办结",
    "reopened": "重新办结",
}
LIGHT_ORDER = {"red": 0, "yellow": 1, "green": 2}


router = APIRouter()


@router.get("/todo")
async def todo(request: Request, session: Session = Depends(role(UNIT))):
    context = ctx(request)
    names = await unit_names(request, session)
    base = f"/v1/tenants/{session.tenant}/ledger"
    try:  # the unit's open matters, soonest deadline first (the ledger keeps the unit's wall)
        page = await context.services.get("reporting", base, session.token, status="open", sort="due_on", limit=50)
    except Unavailable as error:
        return render(
            request,
            "todo.html",
            503,
            items=[],
            unit_name=names.get(session.unit),
            down=[f"{error.label}暂时无法访问：待办清单暂不显示。"],
        )
    rows = [i for i in page["items"] if i["status"] in ASKED]
    today = datetime.fromisoformat(page["as_of"].replace("Z", "+00:00")).astimezone(TZ).date()
    dues = [date.fromisoformat(i["due_on"]) for i in rows if i.get("due_on")]
    counts = await task_view.workday_counts(context.services, session, today, max(dues)) if dues else {}
    left = {}
    for due in set(dues) if counts is not None else ():
        left[due.isoformat()] = counts.get(due.isoformat(), 0) if due > today else (0 if due == today else -1)
    items = []
    for item in rows:
        lead = session.unit in (item.get("lead_units") or [item.get("lead_unit")])
        items.append(
            {**item, "asked": ASKED[item["status"]] if lead else "协办", "left": left.get(item.get("due_on") or "")}
        )
    items.sort(key=lambda i: (LIGHT_ORDER.get(i.get("light"), 3), i.get("due_at") or "9999"))
    return render(request, "todo.html", items=items, today=today, unit_name=names.get(session.unit))
