"""Reporting over HTTP: the ledger (台账) as JSON and as an .xlsx export."""

from __future__ import annotations

import asyncio
import dataclasses
import os
from typing import Literal
from urllib.parse import quote

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import FileResponse, Response
from starlette.background import BackgroundTask

from duban_common import auth
from duban_common.calendar import WorkCalendar, local_day
from duban_common.db import plain
from duban_common.http import ERROR_RESPONSES, OFFSET_MAX, Day, valid_tenant

from ..adapters.orm import ledger
from ..adapters.units import UnitNames
from ..adapters.xlsx import LedgerWorkbook
from ..domain import periods
from ..domain.model import STATUS_LABEL, light, light_label, yellow_until
from ..service_layer import ledger_query
from ..service_layer.ledger_query import LedgerFilter

EXPORT_LIMIT = 200_000  # rows in one .xlsx export (measured: 100,000 rows in about 10 s)
EXPORT_CHUNK = 2_000
# what the workbook's columns are made of (a third of the ledger's: a third of the rows' decoding)
EXPORTED = [ledger.c[name] for name in (
    "notice_no", "kind", "external_id", "title", "lead_unit", "lead_units", "co_units", "meeting_title", "decision_seq", "leader_name",
    "led_by_leader", "citizen_name", "citizen_phone", "status", "progress", "assigned_at", "due_on", "due_at", "completed_at", "urges",
    "matter_id")]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HIDDEN = ("progress_at", "submitted_lead_unit", "submitted_co_units")



def own_unit_only(request: Request, f: LedgerFilter) -> LedgerFilter:
    """A unit handler's ledger holds only the matters its unit leads or co-handles."""
    own = auth.unit_scope(request)
    return f if own is None else dataclasses.replace(f, unit=own)


def ledger_filter(
    status: str | None = Query(None, description=", ".join(STATUS_LABEL) + "; open: every status but completed"),
    light_: Literal["green", "yellow", "red", "none"] | None = Query(None, alias="light"),
    kind: str | None = Query(None, max_length=40),
    unit: str | None = Query(None, max_length=40, description="lead unit or co-unit code"),
    leader: str | None = Query(None, max_length=100, description="the instructing leader, or the leader leading a proposal"),
    q: str | None = Query(None, max_length=100, description="text in the title, notice number or external number"),
    period: str | None = Query(None, description="2026, 2026-11 or 2026-Q4"),
    from_: Day | None = Query(None, alias="from"),
    to: Day | None = None,
    date_field: Literal["registered", "assigned", "due", "completed"] = Query("registered", description="which date the period applies to"),
    sort: Literal[ledger_query.SORT_VALUES] = "registered_at",  # type: ignore[valid-type]
) -> LedgerFilter:
    if status is not None and status not in STATUS_LABEL and status != ledger_query.OPEN:
        raise HTTPException(422, f"状态 {status!r} 不是 {'、'.join([*sorted(STATUS_LABEL), ledger_query.OPEN])} 之一")
    span = None
    if period or from_ or to:
        try:
            span = periods.parse(period, from_, to)
        except periods.PeriodError as e:
            raise HTTPException(422, str(e)) from None
    return LedgerFilter(status=status, light=light_, kind=kind, unit=unit, leader=leader, q=q, date_field=date_field, period=span, sort=sort)


def router(runtime, calendar: WorkCalendar, names: UnitNames) -> APIRouter:
    r = APIRouter(tags=["ledger"], responses=ERROR_RESPONSES)

    def decorate(row, now, yellow_day) -> dict:
        item = {k: v for k, v in plain(row).items() if k not in HIDDEN}
        item["status_label"] = STATUS_LABEL.get(item["status"], item["status"])
        item["light"] = light(item["status"], item["due_on"], item["due_at"], now, yellow_day, item.get("yellow_from"))
        item["light_label"] = light_label(item["light"], item["status"])
        return item

    def queries(tenant: str, f: LedgerFilter):
        now = runtime.clock.now()
        yellow_day = yellow_until(calendar, now, runtime.settings.yellow_workdays)
        return now, yellow_day, *ledger_query.query(tenant, f, now, yellow_day)

    async def select_rows(tenant: str, f: LedgerFilter, limit: int, offset: int) -> tuple[int, list[dict], object]:
        now, yellow_day, _rows_q, count_q = queries(tenant, f)
        async with runtime.db.read() as s:
            total = (await s.execute(count_q)).scalar_one()
            rows = (await s.execute(ledger_query.page(tenant, f, now, yellow_day, limit, offset, total))).mappings().all()
        return total, [decorate(row, now, yellow_day) for row in rows], now

    @r.get("/v1/tenants/{tenant}/ledger")
    async def get_ledger(request: Request, tenant: str, f: LedgerFilter = Depends(ledger_filter),
                         limit: int = Query(50, ge=1, le=500), offset: int = Query(0, ge=0, le=OFFSET_MAX)) -> dict:
        valid_tenant(tenant)
        f = own_unit_only(request, f)
        total, items, now = await select_rows(tenant, f, limit, offset)
        return {"tenant": tenant, "as_of": now, "total": total, "limit": limit, "offset": offset, "items": items}

    @r.get("/v1/tenants/{tenant}/ledger.xlsx", response_class=Response,
           responses={200: {"content": {XLSX: {}}, "description": "the ledger as a workbook (督办台账)"}})
    async def export_ledger(request: Request, tenant: str, f: LedgerFilter = Depends(ledger_filter)) -> Response:
        valid_tenant(tenant)
        f = own_unit_only(request, f)
        now, yellow_day, rows_q, count_q = queries(tenant, f)
        filters = {"status": f.status, "light": f.light, "kind": f.kind, "unit": f.unit, "leader": f.leader, "q": f.q,
                   "period": f"{f.date_field}:{f.period.label}" if f.period else None}
        book = None
        try:
            async with runtime.db.read() as s:
                total = (await s.execute(count_q)).scalar_one()
                if total > EXPORT_LIMIT:
                    raise HTTPException(422, f"符合条件的事项有 {total} 项，超过单次导出上限 {EXPORT_LIMIT} 项，请缩小筛选范围")
                book = LedgerWorkbook(await names.of(tenant), tenant=tenant, as_of=now, filters=filters)
                # Streamed in chunks; the workbook is written in a worker thread so that other
                # requests are served meanwhile.
                result = await s.stream(rows_q.with_only_columns(*EXPORTED).execution_options(yield_per=EXPORT_CHUNK))
                async for part in result.mappings().partitions():
                    rows = [{**row, "light": light(row["status"], row["due_on"], row["due_at"], now, yellow_day, row.get("yellow_from"))} for row in part]
                    await asyncio.to_thread(book.append, rows)
            path = await asyncio.to_thread(book.close)
        except BaseException:
            if book is not None:
                book.discard()
            raise
        day = local_day(now).isoformat()
        disposition = f"attachment; filename=\"ledger-{tenant}-{day}.xlsx\"; filename*=UTF-8''{quote(f'督办台账-{day}.xlsx')}"
        return FileResponse(path, media_type=XLSX, headers={"Content-Disposition": disposition},
                            background=BackgroundTask(os.unlink, path))

    return r
