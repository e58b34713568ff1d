"""Escalation over HTTP: the ladder, manual urges, explanations, a task's history, cases, notices,
supervision orders, deliveries."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, Header, HTTPException, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field, ValidationError

from duban_common import auth, problems
from duban_common.dependencies import RuntimeDep
from duban_common.documents.files import MEDIA, content_disposition
from duban_common.http import ERROR_RESPONSES, valid_tenant
from duban_common.signoff import Turn
from duban_common.signoff import routes as signoff_routes

from ..domain.ladder import PRESETS, Ladder
from ..service_layer import actions, orders, rules, views
from ..service_layer.documents import Documents, NotFound
from .deps import CalendarDep, DeskDep, DocumentsDep, refusals

router = APIRouter(tags=["escalation"], responses=ERROR_RESPONSES)


class UrgeIn(BaseModel):
    reason: str = Field("督查室催办", max_length=500)


class OrderIn(BaseModel):
    requirement: str = Field(min_length=4, max_length=5000)
    proposed_by: str | None = Field(None, min_length=1, max_length=100,
                                    description="the supervision office's deputy director (default: who calls, from the token)")


class PersonIn(BaseModel):
    by: str | None = Field(None, min_length=1, max_length=100, description="default: who calls, from the token")


class ExplanationIn(BaseModel):
    text: str = Field(min_length=10, max_length=20000)
    attachments: list[str] = Field(default_factory=list, max_length=50, description="ids of files uploaded to the task (POST attachments)")


def named(given: str | None, person: str | None) -> str:
    """The person a sign-off names: as given, else who calls (the token), else 422."""
    if given or person:
        return given or person
    raise HTTPException(422, [{"loc": ["body", "by"], "msg": "缺少必填项：签署人", "type": "missing"}])


def ladder_from(body: dict) -> Ladder:
    """The ladder a PUT gives: the ladder itself, or ``{"preset": name}`` for a reference document's
    (domain.ladder.PRESETS); 422 saying where it is wrong."""
    if set(body) == {"preset"}:
        if body["preset"] not in PRESETS:
            raise HTTPException(422, [{"loc": ["body", "preset"], "msg": f"未知的规则预设“{body['preset']}”，可选：{'、'.join(PRESETS)}"}])
        body = PRESETS[body["preset"]].model_dump()
    try:
        return Ladder.model_validate(body)
    except ValidationError as error:
        raise HTTPException(422, problems.items(error.errors(), prefix=("body",))) from None


@router.get("/v1/tenants/{tenant}/ladder")
async def get_ladder(tenant: str, runtime: RuntimeDep) -> dict:
    async with runtime.unit_of_work() as uow:
        return (await rules.ladder_of(uow, valid_tenant(tenant))).model_dump()


@router.put("/v1/tenants/{tenant}/ladder")
async def put_ladder(tenant: str, body: dict, runtime: RuntimeDep) -> dict:
    """The ladder itself, or ``{"preset": name}`` for a reference document's."""
    ladder = ladder_from(body)
    async with runtime.unit_of_work() as uow:
        await actions.replace_ladder(uow, valid_tenant(tenant), ladder)
    return ladder.model_dump()


@router.post("/v1/tenants/{tenant}/tasks/{task_id}/urge")
async def manual_urge(tenant: str, task_id: str, body: UrgeIn, runtime: RuntimeDep, calendar: CalendarDep,
                      idempotency_key: str | None = Header(None), person: str | None = Depends(auth.acting_person)) -> dict:
    with refusals():
        async with runtime.unit_of_work() as uow:
            count = await actions.manual_urge(uow, runtime.settings, calendar, valid_tenant(tenant), task_id,
                                              note=body.reason.strip() or None, by=person, idempotency_key=idempotency_key)
    return {"task_id": task_id, "urges": count}


@router.post("/v1/tenants/{tenant}/tasks/{task_id}/rectification-unmet")
async def rectification(tenant: str, task_id: str, body: PersonIn, runtime: RuntimeDep, calendar: CalendarDep,
                        idempotency_key: str | None = Header(None), person: str | None = Depends(auth.acting_person)) -> dict:
    """A leader's rectification demand is still not met (领导整改要求仍未落实)."""
    with refusals():
        async with runtime.unit_of_work() as uow:
            steps = await actions.rectification_unmet(uow, runtime.settings, calendar, valid_tenant(tenant), task_id, idempotency_key)
    return {"task_id": task_id, "steps_taken": steps, "by": named(body.by, person)}


@router.post("/v1/tenants/{tenant}/tasks/{task_id}/explanations")
async def explain(tenant: str, task_id: str, body: ExplanationIn, runtime: RuntimeDep,
                  acting_unit: str | None = Depends(auth.acting_unit)) -> dict:
    with refusals():
        async with runtime.unit_of_work() as uow:
            return await actions.submit_explanation(uow, valid_tenant(tenant), task_id, acting_unit, body.text, body.attachments)


@router.get("/v1/tenants/{tenant}/tasks/{task_id}/escalation")
async def task_escalation(tenant: str, task_id: str, runtime: RuntimeDep) -> dict:
    found = await views.task_escalation(runtime.db, valid_tenant(tenant), task_id)
    if found is None:
        raise HTTPException(404, f"任务 {task_id} 不存在")
    return found


@router.get("/v1/tenants/{tenant}/cases")
async def list_cases(tenant: str, runtime: RuntimeDep) -> dict:
    return {"items": await views.list_cases(runtime.db, valid_tenant(tenant))}


@router.get("/v1/tenants/{tenant}/cases/{case_id}")
async def get_case(tenant: str, case_id: str, runtime: RuntimeDep) -> dict:
    found = await views.get_case(runtime.db, valid_tenant(tenant), case_id)
    if found is None:
        raise HTTPException(404, f"移交案件 {case_id} 不存在")
    return found


def _document_responses(description: str) -> dict:
    return {200: {"content": {media: {} for media in MEDIA.values()}, "description": description}}


async def _document(documents: Documents, make, tenant: str, key: str, fmt: str, fallback: str) -> Response:
    """The document ``make`` builds (documents.urge, .transfer, .order) for ``key``, as Word or PDF; 404 while there is none."""
    try:
        doc = await make(valid_tenant(tenant), key)
    except NotFound as error:
        raise HTTPException(404, str(error)) from None
    return Response(await documents.render(tenant, doc, fmt), media_type=MEDIA[fmt],
                    headers={"content-disposition": content_disposition(doc.number, doc.title, fmt, fallback=fallback)})


@router.get("/v1/tenants/{tenant}/urges/{urge_id}/notice.{fmt}", response_class=Response,
            responses=_document_responses("the urging notice (催办单) as Word or PDF"))
async def urge_notice(tenant: str, urge_id: str, fmt: Literal["docx", "pdf"], documents: DocumentsDep) -> Response:
    return await _document(documents, documents.urge, tenant, urge_id, fmt, f"urge-{urge_id}")


@router.get("/v1/tenants/{tenant}/cases/{case_id}/letter.{fmt}", response_class=Response,
            responses=_document_responses("the transfer letter (移送函) with the dossier as its annex"))
async def transfer_letter(tenant: str, case_id: str, fmt: Literal["docx", "pdf"], documents: DocumentsDep) -> Response:
    return await _document(documents, documents.transfer, tenant, case_id, fmt, f"case-{case_id}")


@router.post("/v1/tenants/{tenant}/tasks/{task_id}/supervision-orders", status_code=201)
async def propose_order(tenant: str, task_id: str, body: OrderIn, runtime: RuntimeDep, desk: DeskDep,
                        person: str | None = Depends(auth.acting_person)) -> dict:
    """Draft a 督办单; it then goes through its sign-off chain (POST drafts/{draft_id}/steps, or the step routes below)."""
    with refusals():
        async with runtime.unit_of_work() as uow:
            return await actions.propose_order(uow, desk, valid_tenant(tenant), task_id, body.requirement, named(body.proposed_by, person))


@router.post("/v1/tenants/{tenant}/supervision-orders/{order_id}/{step}")
async def advance_order(request: Request, tenant: str, order_id: str, step: str, runtime: RuntimeDep, desk: DeskDep,
                        person: str | None = Depends(auth.acting_person), turn: Turn = Depends(signoff_routes.turn_of)) -> dict:
    """The order's next step by its name (propose 提出, approve 同意, sign 签发): the same as POST drafts/{draft_id}/steps."""
    if step not in orders.STEP_ACTIONS:
        raise HTTPException(404, "步骤只能是 propose（提出）、approve（同意）或 sign（签发）")
    with refusals():
        async with runtime.unit_of_work() as uow:
            return await actions.advance_order(uow, desk, valid_tenant(tenant), order_id, step, turn,
                                               signoff_routes.person_name(request, turn, person))


@router.get("/v1/tenants/{tenant}/supervision-orders/{order_id}/notice.{fmt}", response_class=Response,
            responses=_document_responses("the supervision order (督办单) as Word or PDF"))
async def order_notice(tenant: str, order_id: str, fmt: Literal["docx", "pdf"], documents: DocumentsDep) -> Response:
    return await _document(documents, documents.order, tenant, order_id, fmt, f"order-{order_id}")


@router.get("/v1/tenants/{tenant}/deliveries")
async def list_deliveries(tenant: str, runtime: RuntimeDep,
                          limit: int = Query(100, ge=1, description="at most 500 are listed")) -> dict:
    return {"items": await views.list_deliveries(runtime.db, valid_tenant(tenant), limit)}
