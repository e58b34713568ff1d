"""Tasking over HTTP: the units directory and the tasks."""

from __future__ import annotations

import csv
import io

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, ValidationError
from sqlalchemy import func, select

from duban_common import auth, problems
from duban_common.calendar import local_day
from duban_common.db import plain
from duban_common.http import ERROR_RESPONSES, OFFSET_MAX, problem, valid_tenant as _tenant
from duban_common.unitscope import on_unit

from ..adapters.orm import matters, notice_sequences, tasks, units
from ..domain.model import NOTICE_TYPES, UNIT_TYPES, notice_number
from ..domain.states import LABELS, State
from ..service_layer import units as unit_directory


class UnitIn(BaseModel):
    code: str = Field(pattern=r"^[A-Za-z0-9_-]{1,40}$")
    name: str = Field(min_length=1, max_length=200)
    type: str = Field(pattern="^(" + "|".join(UNIT_TYPES) + ")$")
    head: str | None = Field(None, max_length=100)
    contact: str | None = Field(None, max_length=100)
    phone: str | None = Field(None, pattern=r"^[0-9+\- ]{5,20}$")



def parse_units_xlsx(body: bytes) -> tuple[list[UnitIn], list[dict]]:
    """The same columns as the CSV (code, name, type, head, contact, phone) in the first sheet."""
    from openpyxl import load_workbook

    try:
        ws = load_workbook(io.BytesIO(body), read_only=True, data_only=True).worksheets[0]
    except Exception as e:  # openpyxl raises several types for "not a workbook"
        return [], [{"loc": ["body"], "msg": f"not a readable .xlsx workbook: {type(e).__name__}"}]
    rows = [[("" if v is None else str(v).strip()) for v in row] for row in ws.iter_rows(values_only=True)]
    if not rows:
        return [], [{"loc": ["body"], "msg": "empty sheet"}]
    header = [h.lower() for h in rows[0]]
    text = "\n".join(",".join(r) for r in [header, *rows[1:]])
    return parse_units(text.encode(), "text/csv")


def parse_units(body: bytes, content_type: str) -> tuple[list[UnitIn], list[dict]]:
    """Rows from CSV (header code,name,type,head,contact,phone) or a JSON list; errors name the row."""
    import json

    if "spreadsheetml" in content_type or body[:2] == b"PK":  # before decoding: a workbook is a zip file
        return parse_units_xlsx(body)
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError:
        return [], [{"loc": ["body"], "msg": "not UTF-8 text"}]
    if "csv" in content_type:
        rows, first_line = list(csv.DictReader(io.StringIO(text))), 2
    else:
        try:
            rows = json.loads(text)
        except json.JSONDecodeError as e:
            return [], [{"loc": ["body"], "msg": "请求内容不是有效的 JSON", "type": "json_invalid"}]
        if not isinstance(rows, list):
            return [], [{"loc": ["body"], "msg": "应为单位的列表", "type": "list_type"}]
        first_line = 0
    parsed, errors, seen = [], [], set()
    for i, row in enumerate(rows):
        where = ["row", i + first_line]
        try:
            unit = UnitIn.model_validate({k: (v or None) for k, v in row.items()} if isinstance(row, dict) else row)
        except ValidationError as e:
            errors += problems.items(e.errors(), prefix=tuple(where))
            continue
        if unit.code in seen:
            errors.append({"loc": [*where, "code"], "msg": f"单位代码 {unit.code} 重复出现", "type": "duplicate"})
        seen.add(unit.code)
        parsed.append(unit)
    return parsed, errors


def router(runtime) -> APIRouter:
    r = APIRouter(responses=ERROR_RESPONSES)

    @r.put("/v1/tenants/{tenant}/units", tags=["units"])
    async def import_units(tenant: str, request: Request) -> JSONResponse:
        """Create or update units (CSV with a header row, or JSON); all or nothing."""
        _tenant(tenant)
        parsed, errors = parse_units(await request.body(), request.headers.get("content-type", ""))
        if errors:
            return problem(422, f"单位名录未导入：{problems.summary(errors)}", errors)
        async with runtime.unit_of_work() as uow:
            created, updated = await unit_directory.import_units(uow, tenant, [u.model_dump() for u in parsed])
        return JSONResponse({"created": created, "updated": updated})

    @r.post("/v1/tenants/{tenant}/units/{code}/deactivate", tags=["units"])
    async def deactivate_unit(tenant: str, code: str) -> dict:
        """The unit takes no new tasks; its history and open tasks stay as they are."""
        _tenant(tenant)
        async with runtime.unit_of_work() as uow:
            found = await unit_directory.deactivate(uow, tenant, code)
        if not found:
            raise HTTPException(404, f"单位 {code!r} 不存在")
        return {"code": code, "active": False}

    @r.get("/v1/tenants/{tenant}/units", tags=["units"])
    async def list_units(tenant: str) -> dict:
        _tenant(tenant)
        async with runtime.db.read() as s:
            rows = (await s.execute(select(units.c.code, units.c.name, units.c.type, units.c.head, units.c.contact, units.c.phone, units.c.active)
                                    .where(units.c.tenant == tenant).order_by(units.c.code))).mappings().all()
        return {"items": [dict(r) for r in rows]}

    @r.get("/v1/tenants/{tenant}/tasks", tags=["tasks"])
    async def list_tasks(request: Request, tenant: str, matter_id: str | None = None, status: str | None = None, unit: str | None = None,
                         limit: int = Query(50, ge=1, le=500), offset: int = Query(0, ge=0, le=OFFSET_MAX)) -> dict:
        """A unit handler sees the tasks its unit leads or co-handles, and no others."""
        _tenant(tenant)
        t = tasks.c
        q = select(t.id, t.matter_id, t.lead_unit, t.co_units, t.status, t.progress, t.version, t.declines, t.notice_no, t.due_on,
                   t.deadline_label, t.assigned_at, t.weight, matters.c.title).join(matters, matters.c.id == t.matter_id).where(t.tenant == tenant)
        own = auth.unit_scope(request)
        if own:
            q = q.where(on_unit(own, t.lead_unit, t.co_units))
        for col, value in ((t.matter_id, matter_id), (t.status, status), (t.lead_unit, unit)):
            if value:
                q = q.where(col == value)
        async with runtime.db.read() as s:
            total = (await s.execute(select(func.count()).select_from(q.subquery()))).scalar_one()
            rows = (await s.execute(q.order_by(t.assigned_at, t.id).limit(limit).offset(offset))).mappings().all()
        return {"total": total, "items": [{**plain(r), "status_label": LABELS[State(r["status"])]} for r in rows]}

    @r.get("/v1/tenants/{tenant}/notice-numbers/next", tags=["matters"])
    async def next_notice_number(tenant: str, notice_type: str = Query("assignment", pattern="^(" + "|".join(NOTICE_TYPES) + ")$")) -> dict:
        """The number the next notice of this type will take (交办单号), for the office to see before
        it assigns; a preview, not a reservation: the number is taken when the notice is issued."""
        _tenant(tenant)
        year = local_day(runtime.clock.now()).year
        q = notice_sequences.c
        async with runtime.db.read() as session:
            last = (await session.execute(select(q.last_value).where(q.tenant == tenant, q.year == year,
                                                                     q.notice_type == notice_type))).scalar()
        return {"notice_type": notice_type, "year": year, "number": notice_number(notice_type, year, (last or 0) + 1)}

    @r.get("/v1/tenants/{tenant}/matters", tags=["matters"])
    async def list_matters(tenant: str, status: str | None = Query(None, pattern="^(awaiting_assignment|assigned|completed)$"),
                           limit: int = Query(50, ge=1, le=500), offset: int = Query(0, ge=0, le=OFFSET_MAX)) -> dict:
        """``status=awaiting_assignment`` is what the supervision office still has to assign."""
        _tenant(tenant)
        m = matters.c
        q = select(m.id, m.title, m.lead_unit, m.co_units, m.status, m.progress, m.registered_at).where(m.tenant == tenant)
        if status:
            q = q.where(m.status == status)
        async with runtime.db.read() as s:
            total = (await s.execute(select(func.count()).select_from(q.subquery()))).scalar_one()
            rows = (await s.execute(q.order_by(m.registered_at, m.id).limit(limit).offset(offset))).mappings().all()
        return {"total": total, "items": [plain(r) for r in rows]}

    return r
