"""A tenant's own DOCX templates, one per document type (duban_common.documents.template): the
operator uploads the office's Word layout with placeholders; tasking, escalation and reporting
fetch it when they render that type. Without one, the built-in GB/T 9704 layout is used."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response

from duban_common.dependencies import RuntimeDep
from duban_common.documents import KINDS
from duban_common.documents.files import MEDIA
from duban_common.documents.template import MAX_BYTES, TemplateError, check
from duban_common.http import ERROR_RESPONSES, valid_tenant
from duban_common.responses import found_or_404

from ..service_layer import admin, views
from ..service_layer.handlers import UnknownTenant
from .http import read_limited, unprocessable

PATH = "/v1/admin/tenants/{slug}/templates/{kind}"  # an upload route: its own limit (MAX_BYTES)
Kind = Literal[tuple(KINDS)]  # assignment, urge, order, quarterly_bulletin, special_report, transfer
router = APIRouter(tags=["admin"], responses=ERROR_RESPONSES)


@router.put(PATH, status_code=200)
async def put_template(slug: str, kind: Kind, request: Request, runtime: RuntimeDep):
    """Body: the .docx. Refused (422, nothing stored) when it is not a Word file or has no {{正文}}."""
    valid_tenant(slug)
    content = await read_limited(request, MAX_BYTES)
    try:
        check(content)
    except TemplateError as error:
        return unprocessable(str(error), [{"loc": ["body"], "msg": str(error), "type": "template_invalid"}])
    try:
        async with runtime.unit_of_work() as uow:
            sha256 = await admin.put_template(uow, slug, kind, content)
    except UnknownTenant as error:
        raise HTTPException(404, str(error)) from None
    return {"slug": slug, "kind": kind, "sha256": sha256, "bytes": len(content)}


@router.get(
    PATH,
    response_class=Response,
    responses={200: {"content": {MEDIA["docx"]: {}}, "description": "the tenant's template"}},
)
async def get_template(slug: str, kind: Kind, runtime: RuntimeDep) -> Response:
    valid_tenant(slug)
    content = await views.template(runtime.db, slug, kind)
    return Response(found_or_404(content, f"租户 {slug} 没有 {kind} 的模板（使用内置版式）"), media_type=MEDIA["docx"])


@router.delete(PATH)
async def delete_template(slug: str, kind: Kind, runtime: RuntimeDep) -> dict:
    """Back to the built-in layout."""
    valid_tenant(slug)
    async with runtime.unit_of_work() as uow:
        deleted = await admin.delete_template(uow, slug, kind)
    return {"slug": slug, "kind": kind, "deleted": deleted}
