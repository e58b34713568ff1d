"""What escalation sends, over HTTP: the urging notices, transfer letters and supervision orders
(the orders' proposal and steps too) as Word or PDF, and the deliveries of its messages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from duban_common import auth
from duban_common.dependencies import RuntimeDep
from duban_common.documents.files import MEDIA, content_disposition
from duban_common.http import ERROR_RESPONSES, valid_tenant
from duban_common.signoff import routes as signoff_routes
from duban_common.signoff.routes import DeskDep, TurnDep

from ..service_layer import actions, orders, views
from ..service_layer.documents import Documents, NotFound
from .deps import DocumentsDep, named, unit_of_work

router = APIRouter(tags=["escalation"], responses=ERROR_RESPONSES)


class OrderIn(BaseModel):
    requirement: str = Field(min_length=4, max_length=5000)
    proposed_by: str | None = Field(
        None,
        min_length=1,
        max_length=100,
        description="the supervision office's deputy director (default: who calls, from the token)",
    )


def _document_route(path: str, description: str) -> Callable:
    """GET ``path`` (ending in ``.{fmt}``): a document as Word or PDF, 200 described as ``description``."""
    responses = {200: {"content": {media: {} for media in MEDIA.values()}, "description": description}}
    return router.get(path, response_class=Response, responses=responses)


async def _document(documents: Documents, make, tenant: str, key: str, fmt: str, fallback: str) -> Response:
    """The document ``make`` builds (documents.urge, .transfer, .order) for ``key``, as Word or PDF; 404 while there is none."""
    try:
        doc = await make(valid_tenant(tenant), key)
    except NotFound as error:
        raise HTTPException(404, str(error)) from None
    return Response(
        await documents.render(tenant, doc, fmt),
        media_type=MEDIA[fmt],
        headers={"content-disposition": content_disposition(doc.number, doc.title, fmt, fallback=fallback)},
    )


@_document_route("/v1/tenants/{tenant}/urges/{urge_id}/notice.{fmt}", "the urging notice (催办单) as Word or PDF")
async def urge_notice(tenant: str, urge_id: str, fmt: Literal["docx", "pdf"], documents: DocumentsDep) -> Response:
    return await _document(documents, documents.urge, tenant, urge_id, fmt, f"urge-{urge_id}")


@_document_route(
    "/v1/tenants/{tenant}/cases/{case_id}/letter.{fmt}", "the transfer letter (移送函) with the dossier as its annex"
)
async def transfer_letter(tenant: str, case_id: str, fmt: Literal["docx", "pdf"], documents: DocumentsDep) -> Response:
    return await _document(documents, documents.transfer, tenant, case_id, fmt, f"case-{case_id}")


@router.post("/v1/tenants/{tenant}/tasks/{task_id}/supervision-orders", status_code=201)
async def propose_order(
    tenant: str,
    task_id: str,
    body: OrderIn,
    runtime: RuntimeDep,
    desk: DeskDep,
    person: auth.ActingPerson,
) -> dict:
    """Draft a 督办单; it then goes through its sign-off chain (POST drafts/{draft_id}/steps, or the step routes below)."""
    async with unit_of_work(runtime) as uow:
        return await actions.propose_order(
            uow, desk, valid_tenant(tenant), task_id, body.requirement, named(body.proposed_by, person)
        )


@router.post("/v1/tenants/{tenant}/supervision-orders/{order_id}/{step}")
async def advance_order(
    request: Request,
    tenant: str,
    order_id: str,
    step: str,
    runtime: RuntimeDep,
    desk: DeskDep,
    turn: TurnDep,
    person: auth.ActingPerson,
) -> dict:
    """The order's next step by its name (propose 提出, approve 同意, sign 签发): the same as POST drafts/{draft_id}/steps."""
    if step not in orders.STEP_ACTIONS:
        raise HTTPException(404, "步骤只能是 propose（提出）、approve（同意）或 sign（签发）")
    async with unit_of_work(runtime) as uow:
        return await actions.advance_order(
            uow, desk, valid_tenant(tenant), order_id, step, turn, signoff_routes.person_name(request, turn, person)
        )


@_document_route(
    "/v1/tenants/{tenant}/supervision-orders/{order_id}/notice.{fmt}", "the supervision order (督办单) as Word or PDF"
)
async def order_notice(tenant: str, order_id: str, fmt: Literal["docx", "pdf"], documents: DocumentsDep) -> Response:
    return await _document(documents, documents.order, tenant, order_id, fmt, f"order-{order_id}")


@router.get("/v1/tenants/{tenant}/deliveries")
async def list_deliveries(
    tenant: str, runtime: RuntimeDep, limit: int = Query(100, ge=1, description="at most 500 are listed")
) -> dict:
    return {"items": await views.list_deliveries(runtime.db, valid_tenant(tenant), limit)}
