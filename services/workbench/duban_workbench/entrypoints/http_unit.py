"""我的待办: what the unit must do, most urgent first."""

from __future__ import annotations

from datetime import date, datetime

from fastapi import APIRouter, Depends, Request

from ..adapters.services import Unavailable
from ..adapters.session import Session
from . import task_view
from .timeline import TZ
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
async def todo(request: Request, s: Session = Depends(role(UNIT))):
    c = ctx(request)
    names = await unit_names(request, s)
    base = f"/v1/tenants/{s.tenant}/ledger"
    try:  # the unit's open matters, soonest deadline first (the ledger keeps the unit's wall)
        page = await c.services.get("reporting", base, s.token, status="open", sort="due_on", limit=50)
    except Unavailable as e:
        return render(
            request,
            "todo.html",
            503,
            items=[],
            unit_name=names.get(s.unit),
            down=[f"{e.label}暂时无法访问：待办清单暂不显示。"],
        )
    rows = [i for i in page["items"] if i["status"] in ASKED]
    today = datetime.fromisoformat(page["as_of"].replace("Z", "+00:00")).astimezone(TZ).date()
    dues = [date.fromisoformat(i["due_on"]) for i in rows if i.get("due_on")]
    counts = await task_view.workday_counts(c.services, s, today, max(dues)) if dues else {}
    left = {}
    for d in set(dues) if counts is not None else ():
        left[d.isoformat()] = counts.get(d.isoformat(), 0) if d > today else (0 if d == today else -1)
    items = []
    for i in rows:
        lead = s.unit in (i.get("lead_units") or [i.get("lead_unit")])
        items.append({**i, "asked": ASKED[i["status"]] if lead else "协办", "left": left.get(i.get("due_on") or "")})
    items.sort(key=lambda i: (LIGHT_ORDER.get(i.get("light"), 3), i.get("due_at") or "9999"))
    return render(request, "todo.html", items=items, today=today, unit_name=names.get(s.unit))
