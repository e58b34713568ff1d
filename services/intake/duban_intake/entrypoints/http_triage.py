"""The supervision office's decisions: register (立项) or refuse (不予立项), triage
policies, the work report import and the tenant registry."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from duban_common import problems
from duban_common.contracts.submissions import KINDS, UnitCode
from duban_common.dependencies import RuntimeDep
from duban_common.http import ERROR_RESPONSES, Day, valid_tenant
from duban_common.responses import found_or_404
from duban_common.runtime import Runtime

from ..adapters.xlsx import SheetError
from ..service_layer import admin, handlers, registration, views, work_report_import
from .deps import ProtectorDep
from .http import read_limited, unprocessable


class ItemChoice(BaseModel):
    seq: int = Field(ge=1)
    lead_unit: UnitCode
    co_units: list[UnitCode] = Field(default_factory=list, max_length=50)
    due_on: date | None = None


class RegisterIn(BaseModel):
    items: list[ItemChoice] = Field(default_factory=list)
    note: str | None = Field(None, max_length=1000)


class RefuseIn(BaseModel):
    reason: str = Field(min_length=2, max_length=2000)


class PolicyIn(BaseModel):
    review_required: bool


class TenantIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    # printed on every document the tenant issues; left out: kept as they are
    issuing_body: str | None = Field(
        None, min_length=2, max_length=200, description="发文机关全称，如“余庆县人民政府办公室”"
    )
    contact_person: str | None = Field(None, min_length=1, max_length=100, description="督查室联系人（印在公文附注）")
    contact_phone: str | None = Field(
        None, pattern=r"^[0-9][0-9\-]{4,39}$", description="督查室联系电话，如“0851-84621234”"
    )


ISSUING = ("issuing_body", "contact_person", "contact_phone")


def _tenant_out(row) -> dict:
    return {
        "slug": row["slug"],
        "name": row["name"],
        "active": row["active"],
        "created_at": row["created_at"].isoformat(),
        "offboarded_at": row["offboarded_at"].isoformat() if row["offboarded_at"] else None,
        **{k: row[k] for k in ISSUING},
    }


WORK_REPORT_IMPORT = "/v1/tenants/{tenant}/imports/work-report"
router = APIRouter(responses=ERROR_RESPONSES)


async def check_units(runtime: Runtime, uow, tenant: str, body: RegisterIn) -> None:
    lookup = await runtime.collaborators["unit_lookup"](
        uow.session, tenant
    )  # bootstrap's ``units`` seam: intake's copy of the directory
    errors = [
        {"loc": ["body", "items", i, field], "msg": f"单位 {code} 不在本租户的单位名录中", "type": "unknown_unit"}
        for i, c in enumerate(body.items)
        for field, code in [("lead_unit", c.lead_unit), *[("co_units", u) for u in c.co_units]]
        if code not in lookup
    ]
    if errors:
        raise registration.TriageError(422, problems.summary(errors), errors)


@router.post("/v1/tenants/{tenant}/submissions/{submission_id}/register", tags=["triage"])
async def register(tenant: str, submission_id: str, body: RegisterIn, runtime: RuntimeDep) -> JSONResponse:
    valid_tenant(tenant)
    try:
        async with runtime.unit_of_work() as uow:
            await check_units(runtime, uow, tenant, body)
            choices = {c.seq: c.model_dump() for c in body.items}
            ids = await registration.register_pending(uow, tenant, submission_id, choices, body.note)
    except registration.TriageError as error:
        return JSONResponse({"detail": str(error), "errors": error.errors}, status_code=error.status)
    return JSONResponse({"submission_id": submission_id, "status": "registered", "matter_ids": ids})


@router.post("/v1/tenants/{tenant}/submissions/{submission_id}/refuse", tags=["triage"])
async def refuse(tenant: str, submission_id: str, body: RefuseIn, runtime: RuntimeDep) -> JSONResponse:
    valid_tenant(tenant)
    try:
        async with runtime.unit_of_work() as uow:
            await registration.refuse_pending(uow, tenant, submission_id, body.reason)
    except registration.TriageError as error:
        return JSONResponse({"detail": str(error), "errors": error.errors}, status_code=error.status)
    return JSONResponse({"submission_id": submission_id, "status": "refused", "reason": body.reason})


@router.get("/v1/tenants/{tenant}/triage-policies", tags=["triage"])
async def get_policies(tenant: str, runtime: RuntimeDep) -> dict:
    valid_tenant(tenant)
    required = await views.review_policies(runtime.db, tenant)
    return {"tenant": tenant, "policies": {kind: {"review_required": required.get(kind, False)} for kind in KINDS}}


@router.put("/v1/tenants/{tenant}/triage-policies/{kind}", tags=["triage"])
async def put_policy(tenant: str, kind: str, body: PolicyIn, runtime: RuntimeDep) -> dict:
    valid_tenant(tenant)
    if kind not in KINDS:
        raise HTTPException(404, f"来件类别 {kind!r} 不存在，可选：{'、'.join(sorted(KINDS))}")
    async with runtime.unit_of_work() as uow:
        await admin.set_review_policy(uow, tenant, kind, body.review_required)
    return {"tenant": tenant, "kind": kind, "review_required": body.review_required}


def _year_mismatch(year: int, congress_closed_on: date | None) -> JSONResponse | None:
    if congress_closed_on is None or congress_closed_on.year == year:
        return None
    msg = f"两会闭幕日期 {congress_closed_on.isoformat()} 不在 {year} 年度"
    return unprocessable(msg, [{"loc": ["query", "congress_closed_on"], "msg": msg, "type": "value_error"}])


@router.post(WORK_REPORT_IMPORT, tags=["imports"])
async def import_work_report(
    tenant: str,
    request: Request,
    runtime: RuntimeDep,
    protector: ProtectorDep,
    year: int = Query(ge=2000, le=2100),
    congress_closed_on: Day | None = Query(None, description="the day the county people's congress closed"),
) -> JSONResponse:
    """Body: the .xlsx file. Answers a row-by-row report; importing the same sheet again imports nothing new.
    ``congress_closed_on``: the breakdown must go out within 1 week of it (「县“两会”结束后1周内下发」)."""
    content = await read_limited(request, runtime.settings.max_upload_bytes)  # an upload route: its own limit
    valid_tenant(tenant)
    mismatch = _year_mismatch(year, congress_closed_on)
    if mismatch is not None:
        return mismatch
    try:
        async with runtime.unit_of_work() as uow:
            lookup = await runtime.collaborators["unit_lookup"](uow.session, tenant)
            rows = await work_report_import.import_sheet(
                uow, protector, tenant, year, content, lookup, congress_closed_on
            )
    except SheetError as error:
        return unprocessable(str(error), [{"loc": ["body"], "msg": str(error), "type": "sheet_invalid"}])
    except handlers.InvalidSubmission as error:
        return unprocessable(str(error), error.errors)
    counts = {k: sum(1 for o in rows if o.status == k) for k in ("imported", "duplicate", "refused")}
    return JSONResponse({"tenant": tenant, "year": year, **counts, "rows": [o.__dict__ for o in rows]})


@router.put("/v1/admin/tenants/{slug}", tags=["admin"])
async def put_tenant(slug: str, body: TenantIn, runtime: RuntimeDep) -> JSONResponse:
    valid_tenant(slug)
    async with runtime.unit_of_work() as uow:
        created = await handlers.ensure_tenant(
            uow, slug, body.name, body.model_dump(include=set(ISSUING), exclude_none=True)
        )
    return JSONResponse({"slug": slug, "created": created}, status_code=201 if created else 200)


@router.get("/v1/admin/tenants", tags=["admin"])
async def list_tenants(runtime: RuntimeDep) -> dict:
    return {"items": [_tenant_out(row) for row in await views.tenants(runtime.db)]}


@router.get("/v1/admin/tenants/{slug}", tags=["admin"])
async def get_tenant(slug: str, runtime: RuntimeDep) -> dict:
    valid_tenant(slug)
    return _tenant_out(found_or_404(await views.tenant(runtime.db, slug), f"租户 {slug!r} 不存在"))


async def _set_active(runtime: Runtime, slug: str, active: bool) -> dict:
    valid_tenant(slug)
    try:
        async with runtime.unit_of_work() as uow:
            return _tenant_out(await handlers.set_tenant_active(uow, slug, active))
    except handlers.UnknownTenant as error:
        raise HTTPException(404, str(error)) from None


@router.post("/v1/admin/tenants/{slug}/offboard", tags=["admin"])
async def offboard_tenant(slug: str, runtime: RuntimeDep) -> dict:
    """Stops intake for the tenant (submissions are refused with a reason); keeps every record."""
    return await _set_active(runtime, slug, False)


@router.post("/v1/admin/tenants/{slug}/reactivate", tags=["admin"])
async def reactivate_tenant(slug: str, runtime: RuntimeDep) -> dict:
    return await _set_active(runtime, slug, True)
