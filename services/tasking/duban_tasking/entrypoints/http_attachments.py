"""A task's attachments over HTTP: upload a file for a report, download it.

The upload is read as a stream against ``DUBAN_ATTACHMENT_MAX_BYTES`` (20 MB by default;
duban_common.uploads), not against the general request limit; its id then goes into a
progress or completion report's ``attachments``."""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import JSONResponse, StreamingResponse

from duban_common import filetypes, uploads
from duban_common.http import ERROR_RESPONSES, attachment_disposition

from ..domain.states import IllegalTransition
from ..service_layer import attachments
from .actor import actor
from .http import _tenant, visible_to

PATH = "/v1/tenants/{tenant}/tasks/{task_id}/attachments"
REFUSED = {413: {"description": "the file is larger than the limit (DUBAN_ATTACHMENT_MAX_BYTES); nothing was stored"}}


def router(runtime) -> APIRouter:
    r = APIRouter(tags=["attachments"], responses=ERROR_RESPONSES)

    @r.post(PATH, status_code=201, responses=REFUSED, openapi_extra=uploads.OPENAPI_BODY)
    async def upload(request: Request, tenant: str, task_id: str, who=Depends(actor)) -> JSONResponse:
        """Upload one file (form field ``file``): PDF, OFD, DOC, DOCX, XLS, XLSX, JPG or PNG, checked by
        its content. For the task's lead unit, its co-units and the supervision office."""
        _tenant(tenant)
        try:
            async with runtime.db.read() as session:
                await attachments.task_for_upload(session, tenant, task_id, who)
        except IllegalTransition as e:
            raise HTTPException(e.status, str(e)) from None
        upload = await uploads.read_upload(request, runtime.attachments.max_bytes)
        try:
            stored = await runtime.attachments.put(tenant, upload.name, upload.file)
        except filetypes.UnacceptableFile as e:
            raise HTTPException(422, str(e)) from None
        finally:
            upload.file.close()
        async with runtime.unit_of_work() as uow:
            await attachments.record(uow, tenant, task_id, who, stored)
        return JSONResponse(stored.ref(), status_code=201)

    @r.get(PATH + "/{attachment_id}", response_class=StreamingResponse,
           responses={200: {"content": {"application/octet-stream": {}}, "description": "the file, under its original name"}})
    async def download(request: Request, tenant: str, task_id: str, attachment_id: str) -> StreamingResponse:
        """The file's bytes, for whoever may see the task."""
        _tenant(tenant)
        async with runtime.db.read() as session:
            task = await attachments.visible_task(session, tenant, task_id)
            row = await attachments.find(session, tenant, task_id, attachment_id) if task and visible_to(request, task) else None
        if row is None:
            raise HTTPException(404, f"附件 {attachment_id} 不存在")
        _, chunks = await runtime.attachments.open(tenant, attachment_id)
        ext = filetypes.extension(row["name"])
        headers = {"Content-Disposition": attachment_disposition(row["name"], f"attachment-{attachment_id[:8]}.{ext}"),
                   "Content-Length": str(row["size"]), "X-Content-Type-Options": "nosniff"}
        return StreamingResponse(chunks, media_type=row["content_type"], headers=headers)

    return r
