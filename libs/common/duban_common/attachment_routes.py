"""The two routes of a task's attachments, the same in every service that takes files for its
reports: upload one file (form field ``file``) and download it.

The service says who may add files to a task and who may see them (``may_report``,
``may_see``); to anyone else the task does not exist (404, the same answer as for a task that
does not). The upload is read as a stream against ``DUBAN_MAX_UPLOAD_BYTES`` (20 MB by
default; duban_common.uploads), not against the general request limit.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, Field
from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncSession

from . import attachment_rows, auth, filetypes, uploads
from .attachments import StoredFile
from .http import ERROR_RESPONSES, Problem, attachment_disposition, valid_tenant

PATH = "/v1/tenants/{tenant}/tasks/{task_id}/attachments"


class AttachmentOut(BaseModel):
    """An uploaded file's reference: what a report names (``id``) and what events carry."""

    id: str
    name: str = Field(description="the original file name")
    size: int = Field(description="bytes")
    content_type: str = Field(description="from the content, e.g. application/pdf")
    sha256: str = Field(description="hex digest of the bytes")


UPLOAD_RESPONSES: dict[int | str, dict] = {
    201: {"model": AttachmentOut, "description": "stored"},
    200: {
        "model": AttachmentOut,
        "description": "the task already has this file under this name: its reference, nothing stored again",
    },
    404: {"model": Problem, "description": "no such task, or not one the caller may add files to"},
    413: {
        "model": Problem,
        "description": "the file is larger than the limit (DUBAN_MAX_UPLOAD_BYTES); nothing was stored",
    },
}
# (session, tenant, task_id, request) → allowed
Check = Callable[[AsyncSession, str, str, Request], Awaitable[bool]]


async def _store_once(
    runtime, table: Table, tenant: str, task_id: str, upload: uploads.Upload
) -> tuple[StoredFile, bool]:
    """(the task's earlier copy of this very file, False) or (the file just stored, True); 422 for a file
    whose content is not an accepted type. Closes the upload either way."""
    try:
        digest = await asyncio.to_thread(uploads.sha256, upload.file)
        async with runtime.db.read() as session:
            again = await attachment_rows.same_file(session, table, tenant, task_id, upload.name, digest)
        if again is not None:
            return again, False
        return await runtime.attachments.put(tenant, upload.name, upload.file), True
    except filetypes.UnacceptableFile as error:
        raise HTTPException(422, str(error)) from None
    finally:
        upload.file.close()


def _download_headers(row: Mapping[str, Any], attachment_id: str) -> dict[str, str]:
    fallback = f"attachment-{attachment_id[:8]}.{filetypes.extension(row['name'])}"
    return {
        "Content-Disposition": attachment_disposition(row["name"], fallback),
        "Content-Length": str(row["size"]),
        "X-Content-Type-Options": "nosniff",
    }


def router(runtime, table: Table, *, may_report: Check, may_see: Check) -> APIRouter:
    router = APIRouter(tags=["attachments"], responses=ERROR_RESPONSES)
    runtime.upload_routes.append(PATH)  # not the body limit: read_upload holds it to max_upload_bytes

    @router.post(PATH, status_code=201, responses=UPLOAD_RESPONSES, openapi_extra=uploads.OPENAPI_BODY)
    async def upload(request: Request, tenant: str, task_id: str) -> JSONResponse:
        """Upload one file (form field ``file``): PDF, OFD, DOC, DOCX, XLS, XLSX, JPG or PNG, checked by its
        content; 201 with its reference, whose ``id`` a report then names in its ``attachments``."""
        valid_tenant(tenant)
        async with runtime.db.read() as session:
            if not await may_report(session, tenant, task_id, request):
                raise HTTPException(404, f"任务 {task_id} 不存在")
        upload = await uploads.read_upload(request, runtime.attachments.max_bytes)
        stored, is_new = await _store_once(runtime, table, tenant, task_id, upload)
        if not is_new:  # a retry whose answer was lost: the same reference, nothing stored twice
            return JSONResponse(stored.ref(), status_code=200)
        unit = auth.unit_scope(request)  # the uploader's unit, when a unit's person adds the file
        async with runtime.unit_of_work() as uow:
            await attachment_rows.record(uow, table, tenant, task_id, unit, stored)
        return JSONResponse(stored.ref(), status_code=201)

    @router.get(
        PATH + "/{attachment_id}",
        response_class=StreamingResponse,
        responses={
            200: {"content": {"application/octet-stream": {}}, "description": "the file, under its original name"},
            404: {"model": Problem, "description": "no such file of a task the caller may see"},
        },
    )
    async def download(request: Request, tenant: str, task_id: str, attachment_id: str) -> StreamingResponse:
        """The file's bytes, for whoever may see the task."""
        valid_tenant(tenant)
        async with runtime.db.read() as session:
            row = (
                await attachment_rows.find(session, table, tenant, task_id, attachment_id)
                if await may_see(session, tenant, task_id, request)
                else None
            )
        if row is None:
            raise HTTPException(404, f"附件 {attachment_id} 不存在")
        _, chunks = await runtime.attachments.open(tenant, attachment_id)
        return StreamingResponse(chunks, media_type=row["content_type"], headers=_download_headers(row, attachment_id))

    return router
