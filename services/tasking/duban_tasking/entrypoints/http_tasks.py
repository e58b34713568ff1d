"""Tasks over HTTP: assign and split, the units' actions, review, notices, history, spot checks."""

from __future__ import annotations

from datetime import date
from typing import Literal

from fastapi import APIRouter, Depends, HTTPException
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from duban_common.dependencies import CalendarDep, OfficesDep, RuntimeDep
from duban_common.documents import pdf
from duban_common.documents.files import MEDIA, content_disposition
from duban_common.documents.template import render_docx
from duban_common.http import ERROR_RESPONSES
from duban_common.responses import download_responses, found_or_404
from duban_common.runtime import Runtime

from ..domain.states import LABELS, IllegalTransition, State
from ..service_layer import assignment, spot_checks, views, workflow
from .actor import actor
from .http import _tenant

router = APIRouter(tags=["tasks"], responses=ERROR_RESPONSES)


class AssignIn(BaseModel):
    lead_unit: str = Field(pattern=r"^[A-Za-z0-9_-]{1,40}$")
    co_units: list[str] = Field(default_factory=list, max_length=50)
    responsible_person: str | None = Field(None, max_length=100)
    requirement: str | None = Field(None, max_length=5000)
    weight: float = Field(1.0, gt=0, le=1000)
    due_on: date | None = None


class SplitIn(BaseModel):
    tasks: list[AssignIn] = Field(min_length=1, max_length=50)


class ReasonIn(BaseModel):
    reason: str = Field(min_length=2, max_length=2000)


class ReassignIn(AssignIn):
    reason: str | None = Field(None, max_length=2000)


class ProgressIn(BaseModel):
    text: str = Field(min_length=1, max_length=10000)
    progress: int = Field(ge=0, le=100)
    attachments: list[str] = Field(
        default_factory=list, max_length=50, description="ids of files uploaded to the task (POST attachments)"
    )


class ReportIn(BaseModel):
    text: str = Field(min_length=1, max_length=20000)
    attachments: list[str] = Field(
        default_factory=list, max_length=50, description="ids of files uploaded to the task (POST attachments)"
    )


class DrawIn(BaseModel):
    kind: str = "online_message"
    rate: float | None = Field(None, gt=0, le=1)


class SpotCheckSettingsIn(BaseModel):
    min_rate: float = Field(gt=0, le=1, description="the lowest share of completed tasks a draw may take (复核率)")


class CallbackIn(BaseModel):
    satisfied: bool
    note: str | None = Field(None, max_length=2000)


def _assignment(body: AssignIn) -> assignment.Assignment:
    return assignment.Assignment(
        body.lead_unit,
        body.co_units,
        body.responsible_person,
        body.requirement,
        body.weight,
        body.due_on.isoformat() if body.due_on else None,
    )


async def run(runtime: Runtime, tenant: str, function, *args):
    """``function(uow, tenant, *args)`` in one unit of work; an illegal transition answers its status."""
    _tenant(tenant)
    try:
        async with runtime.unit_of_work() as uow:
            return await function(uow, tenant, *args)
    except IllegalTransition as refusal:
        raise HTTPException(refusal.status, str(refusal)) from None


@router.post("/v1/tenants/{tenant}/matters/{matter_id}/assign")
async def assign(tenant: str, matter_id: str, body: AssignIn, runtime: RuntimeDep) -> dict:
    return {"task_ids": await run(runtime, tenant, assignment.assign, matter_id, [_assignment(body)])}


@router.post("/v1/tenants/{tenant}/matters/{matter_id}/split")
async def split(tenant: str, matter_id: str, body: SplitIn, runtime: RuntimeDep) -> dict:
    return {
        "task_ids": await run(runtime, tenant, assignment.assign, matter_id, [_assignment(task) for task in body.tasks])
    }


@router.post("/v1/tenants/{tenant}/tasks/{task_id}/acknowledge")
async def acknowledge(tenant: str, task_id: str, runtime: RuntimeDep, who=Depends(actor)) -> dict:
    await run(runtime, tenant, workflow.acknowledge, task_id, who)
    return {"task_id": task_id, "status": State.acknowledged}


@router.post("/v1/tenants/{tenant}/tasks/{task_id}/decline")
async def decline(
    tenant: str, task_id: str, body: ReasonIn, runtime: RuntimeDep, calendar: CalendarDep, who=Depends(actor)
) -> dict:
    await run(runtime, tenant, workflow.decline, task_id, who, body.reason, runtime.settings, calendar)
    return {"task_id": task_id, "status": State.declined}


@router.post("/v1/tenants/{tenant}/tasks/{task_id}/reassign")
async def reassign(tenant: str, task_id: str, body: ReassignIn, runtime: RuntimeDep, who=Depends(actor)) -> dict:
    number = await run(runtime, tenant, workflow.reassign, task_id, who, _assignment(body), body.reason)
    return {"task_id": task_id, "status": State.assigned, "notice_no": number}


@router.post("/v1/tenants/{tenant}/tasks/{task_id}/progress")
async def progress(tenant: str, task_id: str, body: ProgressIn, runtime: RuntimeDep, who=Depends(actor)) -> dict:
    await run(runtime, tenant, workflow.report_progress, task_id, who, body.text, body.progress, body.attachments)
    return {"task_id": task_id, "status": State.in_progress, "progress": body.progress}


@router.post("/v1/tenants/{tenant}/tasks/{task_id}/inputs")
async def co_unit_input(tenant: str, task_id: str, body: ReportIn, runtime: RuntimeDep, who=Depends(actor)) -> dict:
    await run(runtime, tenant, workflow.send_input, task_id, who, body.text, body.attachments)
    return {"task_id": task_id, "sent_to": "lead_unit"}


@router.post("/v1/tenants/{tenant}/tasks/{task_id}/completion")
async def completion(tenant: str, task_id: str, body: ReportIn, runtime: RuntimeDep, who=Depends(actor)) -> dict:
    draft_id = await run(
        runtime, tenant, workflow.submit_completion, task_id, who, body.text, body.attachments, runtime.signoff
    )
    if draft_id:  # the unit's head signs it off first (GET approvals?mine=1, POST drafts/{id}/steps)
        return {
            "task_id": task_id,
            "status": State.awaiting_unit_head,
            "status_label": LABELS[State.awaiting_unit_head],
            "draft_id": draft_id,
        }
    return {"task_id": task_id, "status": State.completion_submitted}


@router.post("/v1/tenants/{tenant}/tasks/{task_id}/accept")
async def accept(tenant: str, task_id: str, runtime: RuntimeDep, who=Depends(actor)) -> dict:
    await run(runtime, tenant, workflow.accept, task_id, who, runtime.signoff)
    return {"task_id": task_id, "status": State.completed}


@router.post("/v1/tenants/{tenant}/tasks/{task_id}/return")
async def return_for_rework(tenant: str, task_id: str, body: ReasonIn, runtime: RuntimeDep, who=Depends(actor)) -> dict:
    await run(runtime, tenant, workflow.return_for_rework, task_id, who, body.reason)
    return {"task_id": task_id, "status": State.returned}


@router.get("/v1/tenants/{tenant}/tasks/{task_id}")
async def get_task(tenant: str, task_id: str, runtime: RuntimeDep) -> dict:
    _tenant(tenant)
    found = await views.task(runtime.db, tenant, task_id, runtime.settings.max_declines)
    return found_or_404(found, f"任务 {task_id} 不存在")


@router.get(
    "/v1/tenants/{tenant}/tasks/{task_id}/notice.{fmt}",
    response_class=Response,
    responses=download_responses("the assignment notice (交办单) as Word or PDF"),
)
async def notice(
    tenant: str, task_id: str, fmt: Literal["docx", "pdf"], runtime: RuntimeDep, issuing: OfficesDep
) -> Response:
    _tenant(tenant)
    doc = found_or_404(await views.notice(runtime.db, issuing, tenant, task_id), f"任务 {task_id} 不存在")
    body = render_docx(doc, await issuing.template(tenant, doc.kind)) if fmt == "docx" else pdf.render(doc)
    return Response(
        body,
        media_type=MEDIA[fmt],
        headers={"content-disposition": content_disposition(doc.number, doc.title, fmt, fallback=f"notice-{task_id}")},
    )


@router.post("/v1/tenants/{tenant}/spot-checks", tags=["spot checks"])
async def draw(tenant: str, body: DrawIn, runtime: RuntimeDep) -> JSONResponse:
    result = await run(runtime, tenant, spot_checks.draw, body.kind, body.rate, runtime.settings.spot_check_rate)
    return JSONResponse({**result, "drawn_at": result["drawn_at"].isoformat()}, status_code=201)


@router.get("/v1/tenants/{tenant}/spot-check-settings", tags=["spot checks"])
async def get_spot_check_settings(tenant: str, runtime: RuntimeDep) -> dict:
    _tenant(tenant)
    return {
        "tenant": tenant,
        "min_rate": await views.spot_check_rate(runtime.db, tenant, runtime.settings.spot_check_rate),
    }


@router.put("/v1/tenants/{tenant}/spot-check-settings", tags=["spot checks"])
async def put_spot_check_settings(tenant: str, body: SpotCheckSettingsIn, runtime: RuntimeDep) -> dict:
    """The tenant's minimum spot-check rate: no draw may go below it (default 30 %)."""
    await run(runtime, tenant, spot_checks.set_min_rate, body.min_rate)
    return {"tenant": tenant, "min_rate": body.min_rate}


@router.post("/v1/tenants/{tenant}/spot-checks/{check_id}/callbacks/{task_id}", tags=["spot checks"])
async def callback(
    tenant: str, check_id: str, task_id: str, body: CallbackIn, runtime: RuntimeDep, who=Depends(actor)
) -> dict:
    await run(runtime, tenant, spot_checks.record_callback, check_id, task_id, body.satisfied, body.note, who)
    return {"check_id": check_id, "task_id": task_id, "satisfied": body.satisfied}


@router.get("/v1/tenants/{tenant}/spot-checks/{check_id}", tags=["spot checks"])
async def get_spot_check(tenant: str, check_id: str, runtime: RuntimeDep) -> dict:
    _tenant(tenant)
    return found_or_404(await views.spot_check(runtime.db, tenant, check_id), f"抽查 {check_id} 不存在")
