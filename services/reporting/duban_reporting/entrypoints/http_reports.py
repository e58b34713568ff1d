"""Statistics (JSON) and the dashboard (server-rendered HTML, in Chinese)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from fastapi import APIRouter, HTTPException, Query
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from duban_common.calendar import TZ, WorkCalendar, local_day
from duban_common.dependencies import CalendarDep, RuntimeDep
from duban_common.http import ERROR_RESPONSES, OFFSET_MAX, PAGE_ERROR_RESPONSES, Day

from ..adapters.units import named
from ..domain import periods
from ..domain.model import STATUS_LABEL, yellow_until
from ..service_layer import dashboard, statistics, views
from .deps import UnitNamesDep
from .http import valid_tenant

router = APIRouter(tags=["reports"], responses=ERROR_RESPONSES)
TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"), autoescape=select_autoescape(["html"])
)


def _period(period: str | None, from_: date | None, to: date | None, today: date) -> periods.Period:
    try:
        return periods.parse(period, from_, to, today=today)
    except periods.PeriodError as error:
        raise HTTPException(422, str(error)) from None


def _pct(rate: float | None) -> str:
    return "—" if rate is None else f"{rate:.1f}%"


def _dressed(view: dict, unit_names: dict[str, str], calendar: WorkCalendar, today: date) -> None:
    """The dashboard's rows as the page shows them: unit names, labels, rates, local times."""
    for matter in view["overdue"]:
        matter.update(
            lead=named(matter["lead_units"] or [matter["lead_unit"]], unit_names),
            status_label=STATUS_LABEL.get(matter["status"], matter["status"]),
            late_workdays=calendar.workdays_between(matter["due_on"], today) if matter["due_on"] else "",
        )
    for unit in view["ranking"]:
        unit.update(
            rate=_pct(unit["on_time_rate"]),
            days="—" if unit["avg_handling_workdays"] is None else f"{unit['avg_handling_workdays']:.1f}",
        )
    for escalation in view["escalations"]:
        label = dashboard.ESCALATION_LABEL[escalation["fact"]] + (
            f" {escalation['points']:g} 分" if escalation["points"] else ""
        )
        escalation.update(
            at=escalation["at"].astimezone(TZ).strftime("%Y-%m-%d %H:%M"),
            unit=unit_names.get(escalation["unit"], escalation["unit"]),
            label=label,
        )


@router.get("/v1/tenants/{tenant}/statistics")
async def get_statistics(
    tenant: str,
    runtime: RuntimeDep,
    names: UnitNamesDep,
    period: str | None = Query(None, description="2026, 2026-11 or 2026-Q4 (default: this quarter)"),
    from_: Day | None = Query(None, alias="from"),
    to: Day | None = None,
) -> dict:
    valid_tenant(tenant)
    now = runtime.clock.now()
    span = _period(period, from_, to, local_day(now))
    unit_names = await names.of(tenant)
    return await views.in_read_session(
        runtime.db,
        statistics.report,
        tenant,
        span,
        as_of=now,
        names=unit_names,
        bottom=runtime.settings.admonition_bottom_of(tenant),
    )


@router.get("/v1/tenants/{tenant}/dashboard", response_class=HTMLResponse, responses=PAGE_ERROR_RESPONSES)
async def get_dashboard(
    tenant: str,
    runtime: RuntimeDep,
    names: UnitNamesDep,
    calendar: CalendarDep,
    period: str | None = None,
    from_: Day | None = Query(None, alias="from"),
    to: Day | None = None,
    overdue_offset: int = Query(0, ge=0, le=OFFSET_MAX),
) -> HTMLResponse:
    valid_tenant(tenant)
    settings, now = runtime.settings, runtime.clock.now()
    today = local_day(now)
    span = _period(period, from_, to, today)
    unit_names = await names.of(tenant)
    limit = settings.dashboard_overdue_limit
    view = await views.in_read_session(
        runtime.db,
        dashboard.view,
        tenant,
        now=now,
        yellow_day=yellow_until(calendar, now, settings.yellow_workdays),
        period=span,
        names=unit_names,
        bottom=settings.admonition_bottom_of(tenant),
        overdue_limit=limit,
        overdue_offset=overdue_offset,
    )
    _dressed(view, unit_names, calendar, today)
    red, shown = view["counts"]["red"], len(view["overdue"])
    stats_query = f"period={period}" if period else f"from={span.start}&to={span.end}"
    view.update(
        as_of=now.astimezone(TZ).strftime("%Y-%m-%d %H:%M"),
        totals={**view["totals"], "rate": _pct(view["totals"]["on_time_rate"])},
    )
    html = TEMPLATES.get_template("dashboard.html").render(
        **view,
        overdue_from=overdue_offset + 1 if shown else 0,
        overdue_to=overdue_offset + shown,
        prev_offset=max(overdue_offset - limit, 0) if overdue_offset else None,
        next_offset=overdue_offset + limit if overdue_offset + limit < red else None,
        period_query=f"&period={period}" if period else "",
        stats_query=stats_query,
    )
    return HTMLResponse(html)
