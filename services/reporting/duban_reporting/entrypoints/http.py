"""Reporting over HTTP: the ledger (台账) as JSON and as an .xlsx export."""

from __future__ import annotations

import dataclasses
import os
from typing import Annotated, Literal
from urllib.parse import quote

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import FileResponse, Response
from starlette.background import BackgroundTask

from duban_common import auth
from duban_common.calendar import local_day
from duban_common.dependencies import CalendarDep, RuntimeDep
from duban_common.http import ERROR_RESPONSES, Day, valid_tenant

from ..domain import periods
from ..domain.model import STATUS_LABEL
from ..service_layer import ledger_query, ledger_views
from ..service_layer.ledger_query import LedgerFilter
from ..service_layer.ledger_views import AsOf
from .deps import PageDep, UnitNamesDep

router = APIRouter(tags=["ledger"], responses=ERROR_RESPONSES)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def own_unit_only(request: Request, wanted: LedgerFilter) -> LedgerFilter:
    """A unit handler's ledger holds only the matters its unit leads or co-handles."""
    own = auth.unit_scope(request)
    return wanted if own is None else dataclasses.replace(wanted, unit=own)


def ledger_filter(
    status: str | None = Query(None, description=", ".join(STATUS_LABEL) + "; open: every status but completed"),
    light_: Literal["green", "yellow", "red", "none"] | None = Query(None, alias="light"),
    kind: str | None = Query(None, max_length=40),
    unit: str | None = Query(None, max_length=40, description="lead unit or co-unit code"),
    leader: str | None = Query(
        None, max_length=100, description="the instructing leader, or the leader leading a proposal"
    ),
    text: str | None = Query(
        None, alias="q", max_length=100, description="text in the title, notice number or external number"
    ),
    period: str | None = Query(None, description="2026, 2026-11 or 2026-Q4"),
    from_: Day | None = Query(None, alias="from"),
    to: Day | None = None,
    date_field: Literal["registered", "assigned", "due", "completed"] = Query(
        "registered", description="which date the period applies to"
    ),
    sort: Literal[ledger_query.SORT_VALUES] = "registered_at",  # type: ignore[valid-type]
) -> LedgerFilter:
    if status is not None and status not in STATUS_LABEL and status != ledger_query.OPEN:
        raise HTTPException(422, f"状态 {status!r} 不是 {'、'.join([*sorted(STATUS_LABEL), ledger_query.OPEN])} 之一")
    span = None
    if period or from_ or to:
        try:
            span = periods.parse(period, from_, to)
        except periods.PeriodError as error:
            raise HTTPException(422, str(error)) from None
    matched = dict(status=status, light=light_, kind=kind, unit=unit, leader=leader, text=text)
    return LedgerFilter(**matched, date_field=date_field, period=span, sort=sort)


def as_of(runtime: RuntimeDep, calendar: CalendarDep) -> AsOf:
    """Now, and the last day a deadline is still yellow on, for the lights."""
    return AsOf.of(runtime.clock.now(), calendar, runtime.settings.yellow_workdays)


@router.get("/v1/tenants/{tenant}/ledger")
async def get_ledger(
    request: Request,
    tenant: str,
    runtime: RuntimeDep,
    wanted: Annotated[LedgerFilter, Depends(ledger_filter)],
    page: PageDep,
    moment: Annotated[AsOf, Depends(as_of)],
) -> dict:
    valid_tenant(tenant)
    wanted = own_unit_only(request, wanted)
    total, items = await ledger_views.page(runtime.db, tenant, wanted, moment, page.limit, page.offset)
    return {**page.answer(tenant, total, items), "as_of": moment.now}


@router.get(
    "/v1/tenants/{tenant}/ledger.xlsx",
    response_class=Response,
    responses={200: {"content": {XLSX: {}}, "description": "the ledger as a workbook (督办台账)"}},
)
async def export_ledger(
    request: Request,
    tenant: str,
    runtime: RuntimeDep,
    names: UnitNamesDep,
    wanted: LedgerFilter = Depends(ledger_filter),
    moment: AsOf = Depends(as_of),
) -> Response:
    valid_tenant(tenant)
    try:
        path = await ledger_views.workbook(
            runtime.db, tenant, own_unit_only(request, wanted), moment, await names.of(tenant)
        )
    except ledger_views.ExportTooLarge as refusal:
        raise HTTPException(422, str(refusal)) from None
    day = local_day(moment.now).isoformat()
    disposition = (
        f"attachment; filename=\"ledger-{tenant}-{day}.xlsx\"; filename*=UTF-8''{quote(f'督办台账-{day}.xlsx')}"
    )
    return FileResponse(
        path, media_type=XLSX, headers={"Content-Disposition": disposition}, background=BackgroundTask(os.unlink, path)
    )
