"""A tenant's own DOCX templates, one per document type (duban_common.documents.template): the
operator uploads the office's Word layout with placeholders; tasking, escalation and reporting
fetch it when they render that type. Without one, the built-in GB/T 9704 layout is used."""

from __future__ import annotations

import hashlib
from typing import Literal

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response
from sqlalchemy import delete, select

from duban_common.documents import KINDS
from duban_common.documents.files import MEDIA
from duban_common.documents.template import MAX_BYTES, TemplateError, check
from duban_common.http import ERROR_RESPONSES

from ..adapters.orm import tenant_templates, tenants
from .http import read_limited, unprocessable, valid_tenant

PATH = "/v1/admin/tenants/{slug}/templates/{kind}"  # an upload route: its own limit (MAX_BYTES)
Kind = Literal[tuple(KINDS)]  # assignment, urge, order, quarterly_bulletin, special_report, transfer


def router(runtime) -> APIRouter:
    r = APIRouter(tags=["admin"], responses=ERROR_RESPONSES)
    path = PATH

    async def known(session, slug: str) -> None:
        if (await session.execute(select(tenants.c.slug).where(tenants.c.slug == slug))).first() is None:
            raise HTTPException(404, f"租户 {slug} 不存在")

    @r.put(path, status_code=200)
    async def put_template(slug: str, kind: Kind, request: Request):
        """Body: the .docx. Refused (422, nothing stored) when it is not a Word file or has no {{正文}}."""
        valid_tenant(slug)
        content = await read_limited(request, MAX_BYTES)
        try:
            check(content)
        except TemplateError as e:
            return unprocessable(str(e), [{"loc": ["body"], "msg": str(e), "type": "template_invalid"}])
        sha = hashlib.sha256(content).hexdigest()
        async with runtime.unit_of_work() as uow:
            await known(uow.session, slug)
            await uow.session.execute(delete(tenant_templates).where(tenant_templates.c.slug == slug, tenant_templates.c.kind == kind))
            await uow.session.execute(tenant_templates.insert(), dict(slug=slug, kind=kind, content=content, sha256=sha, uploaded_at=uow.now()))
        return {"slug": slug, "kind": kind, "sha256": sha, "bytes": len(content)}

    @r.get(path, response_class=Response, responses={200: {"content": {MEDIA["docx"]: {}}, "description": "the tenant's template"}})
    async def get_template(slug: str, kind: Kind) -> Response:
        valid_tenant(slug)
        async with runtime.db.read() as s:
            row = (await s.execute(select(tenant_templates.c.content).where(tenant_templates.c.slug == slug,
                                                                          tenant_templates.c.kind == kind))).first()
        if row is None:
            raise HTTPException(404, f"租户 {slug} 没有 {kind} 的模板（使用内置版式）")
        return Response(row.content, media_type=MEDIA["docx"])

    @r.delete(path)
    async def delete_template(slug: str, kind: Kind) -> dict:
        """Back to the built-in layout."""
        valid_tenant(slug)
        async with runtime.unit_of_work() as uow:
            done = await uow.session.execute(delete(tenant_templates).where(tenant_templates.c.slug == slug, tenant_templates.c.kind == kind))
        return {"slug": slug, "kind": kind, "deleted": done.rowcount > 0}

    return r
