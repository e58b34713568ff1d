"""Statistics (JSON) and the dashboard (server-rendered HTML, in Chinese)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from fastapi import APIRouter, HTTPException, Query
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from duban_common.calendar import TZ, WorkCalendar, local_day
from duban_common.http import ERROR_RESPONSES, OFFSET_MAX, PAGE_ERROR_RESPONSES, Day

from ..adapters.units import UnitNames, named
from ..domain import periods
from ..domain.model import STATUS_LABEL, yellow_until
from ..service_layer import dashboard, statistics
from .http import valid_tenant


def _period(period: str | None, from_: date | None, to: date | None, today: date) -> periods.Period:
    try:
        return periods.parse(period, from_, to, today=today)
    except periods.PeriodError as e:
        raise HTTPException(422, str(e)) from None


def _pct(rate: float | None) -> str:
    return "—" if rate is None else f"{rate:.1f}%"


def router(runtime, calendar: WorkCalendar, names: UnitNames) -> APIRouter:
    r = APIRouter(tags=["reports"], responses=ERROR_RESPONSES)
    templates = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"), autoescape=select_autoescape(["html"]))
    settings = runtime.settings

    @r.get("/v1/tenants/{tenant}/statistics")
    async def get_statistics(tenant: str, period: str | None = Query(None, description="2026, 2026-11 or 2026-Q4 (default: this quarter)"),
                             from_: Day | None = Query(None, alias="from"), to: Day | None = None) -> dict:
        valid_tenant(tenant)
        now = runtime.clock.now()
        span = _period(period, from_, to, local_day(now))
        unit_names = await names.of(tenant)
        async with runtime.db.read() as s:
            return await statistics.report(s, tenant, span, as_of=now, names=unit_names, bottom=settings.admonition_bottom_of(tenant))

    @r.get("/v1/tenants/{tenant}/dashboard", response_class=HTMLResponse, responses=PAGE_ERROR_RESPONSES)
    async def get_dashboard(tenant: str, period: str | None = None, from_: Day | None = Query(None, alias="from"), to: Day | None = None,
                            overdue_offset: int = Query(0, ge=0, le=OFFSET_MAX)) -> HTMLResponse:
        valid_tenant(tenant)
        now = runtime.clock.now()
        today = local_day(now)
        span = _period(period, from_, to, today)
        unit_names = await names.of(tenant)
        limit = settings.dashboard_overdue_limit
        async with runtime.db.read() as s:
            v = await dashboard.view(s, tenant, now=now, yellow_day=yellow_until(calendar, now, settings.yellow_workdays), period=span,
                                     names=unit_names, bottom=settings.admonition_bottom_of(tenant), overdue_limit=limit, overdue_offset=overdue_offset)
        for m in v["overdue"]:
            m.update(lead=named(m["lead_units"] or [m["lead_unit"]], unit_names), status_label=STATUS_LABEL.get(m["status"], m["status"]),
                     late_workdays=calendar.workdays_between(m["due_on"], today) if m["due_on"] else "")
        for u in v["ranking"]:
            u.update(rate=_pct(u["on_time_rate"]), days="—" if u["avg_handling_workdays"] is None else f"{u['avg_handling_workdays']:.1f}")
        for e in v["escalations"]:
            label = dashboard.ESCALATION_LABEL[e["fact"]] + (f" {e['points']:g} 分" if e["points"] else "")
            e.update(at=e["at"].astimezone(TZ).strftime("%Y-%m-%d %H:%M"), unit=unit_names.get(e["unit"], e["unit"]), label=label)
        red, shown = v["counts"]["red"], len(v["overdue"])
        stats_query = f"period={period}" if period else f"from={span.start}&to={span.end}"
        v.update(as_of=now.astimezone(TZ).strftime("%Y-%m-%d %H:%M"), totals={**v["totals"], "rate": _pct(v["totals"]["on_time_rate"])})
        html = templates.get_template("dashboard.html").render(
            **v,
            overdue_from=overdue_offset + 1 if shown else 0, overdue_to=overdue_offset + shown,
            prev_offset=max(overdue_offset - limit, 0) if overdue_offset else None,
            next_offset=overdue_offset + limit if overdue_offset + limit < red else None,
            period_query=f"&period={period}" if period else "", stats_query=stats_query)
        return HTMLResponse(html)

    return r
