"""Tasking over HTTP: the units directory and the tasks."""

from __future__ import annotations

import csv
import io

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, ValidationError

from duban_common import auth, problems
from duban_common.dependencies import RuntimeDep
from duban_common.http import ERROR_RESPONSES, OFFSET_MAX, problem
from duban_common.http import valid_tenant as _tenant

from ..adapters.repository import TaskFilter
from ..domain.model import NOTICE_TYPES, UNIT_TYPES
from ..service_layer import units as unit_directory
from ..service_layer import views

router = APIRouter(responses=ERROR_RESPONSES)


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
        sheet = load_workbook(io.BytesIO(body), read_only=True, data_only=True).worksheets[0]
    except Exception as error:  # openpyxl raises several types for "not a workbook"
        return [], [{"loc": ["body"], "msg": f"not a readable .xlsx workbook: {type(error).__name__}"}]
    rows = [[("" if v is None else str(v).strip()) for v in row] for row in sheet.iter_rows(values_only=True)]
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
        except json.JSONDecodeError:
            return [], [{"loc": ["body"], "msg": "请求内容不是有效的 JSON", "type": "json_invalid"}]
        if not isinstance(rows, list):
            return [], [{"loc": ["body"], "msg": "应为单位的列表", "type": "list_type"}]
        first_line = 0
    parsed, errors, seen = [], [], set()
    for index, row in enumerate(rows):
        where = ["row", index + first_line]
        try:
            unit = UnitIn.model_validate({k: (v or None) for k, v in row.items()} if isinstance(row, dict) else row)
        except ValidationError as error:
            errors += problems.items(error.errors(), prefix=tuple(where))
            continue
        if unit.code in seen:
            errors.append({"loc": [*where, "code"], "msg": f"单位代码 {unit.code} 重复出现", "type": "duplicate"})
        seen.add(unit.code)
        parsed.append(unit)
    return parsed, errors


@router.put("/v1/tenants/{tenant}/units", tags=["units"])
async def import_units(tenant: str, request: Request, runtime: RuntimeDep) -> JSONResponse:
    """Create or update units (CSV with a header row, or JSON); all or nothing."""
    _tenant(tenant)
    parsed, errors = parse_units(await request.body(), request.headers.get("content-type", ""))
    if errors:
        return problem(422, f"单位名录未导入：{problems.summary(errors)}", errors)
    async with runtime.unit_of_work() as uow:
        created, updated = await unit_directory.import_units(uow, tenant, [unit.model_dump() for unit in parsed])
    return JSONResponse({"created": created, "updated": updated})


@router.post("/v1/tenants/{tenant}/units/{code}/deactivate", tags=["units"])
async def deactivate_unit(tenant: str, code: str, runtime: RuntimeDep) -> dict:
    """The unit takes no new tasks; its history and open tasks stay as they are."""
    _tenant(tenant)
    async with runtime.unit_of_work() as uow:
        found = await unit_directory.deactivate(uow, tenant, code)
    if not found:
        raise HTTPException(404, f"单位 {code!r} 不存在")
    return {"code": code, "active": False}


@router.get("/v1/tenants/{tenant}/units", tags=["units"])
async def list_units(tenant: str, runtime: RuntimeDep) -> dict:
    _tenant(tenant)
    return {"items": await views.units(runtime.db, tenant)}


@router.get("/v1/tenants/{tenant}/tasks", tags=["tasks"])
async def list_tasks(
    request: Request,
    tenant: str,
    runtime: RuntimeDep,
    matter_id: str | None = None,
    status: str | None = None,
    unit: str | None = None,
    limit: int = Query(50, ge=1, le=500),
    offset: int = Query(0, ge=0, le=OFFSET_MAX),
) -> dict:
    """A unit handler sees the tasks its unit leads or co-handles, and no others."""
    _tenant(tenant)
    wanted = TaskFilter(matter_id=matter_id, status=status, lead_unit=unit, own_unit=auth.unit_scope(request))
    return await views.tasks_page(runtime.db, tenant, wanted, limit, offset)


@router.get("/v1/tenants/{tenant}/notice-numbers/next", tags=["matters"])
async def next_notice_number(
    tenant: str,
    runtime: RuntimeDep,
    notice_type: str = Query("assignment", pattern="^(" + "|".join(NOTICE_TYPES) + ")$"),
) -> dict:
    """The number the next notice of this type will take (交办单号), for the office to see before
    it assigns; a preview, not a reservation: the number is taken when the notice is issued."""
    _tenant(tenant)
    return await views.next_notice_number(runtime.db, tenant, notice_type, runtime.clock.now())


@router.get("/v1/tenants/{tenant}/matters", tags=["matters"])
async def list_matters(
    tenant: str,
    runtime: RuntimeDep,
    status: str | None = Query(None, pattern="^(awaiting_assignment|assigned|completed)$"),
    limit: int = Query(50, ge=1, le=500),
    offset: int = Query(0, ge=0, le=OFFSET_MAX),
) -> dict:
    """``status=awaiting_assignment`` is what the supervision office still has to assign."""
    _tenant(tenant)
    return await views.matters_page(runtime.db, tenant, status, limit, offset)
