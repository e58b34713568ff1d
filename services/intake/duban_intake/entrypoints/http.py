"""Intake over HTTP: the twin of ``duban.in.<tenant>.<kind>``, and the submissions list."""

from __future__ import annotations

import json
from collections.abc import Callable

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from duban_common import auth, bindings, problems
from duban_common.bodylimit import megabytes
from duban_common.dependencies import RuntimeDep
from duban_common.envelope import Envelope
from duban_common.http import ERROR_RESPONSES, OFFSET_MAX, Day, problem, valid_tenant
from duban_common.responses import found_or_404
from duban_common.runtime import Runtime

from ..adapters.protect import Protector
from ..adapters.repository import SubmissionFilter
from ..config import IntakeSettings
from ..service_layer import handlers, views
from . import batch
from .deps import ProtectorDep

router = APIRouter(tags=["submissions"], responses=ERROR_RESPONSES)
MAX_BATCH_EVENTS = IntakeSettings.model_fields[
    "max_batch_events"
].default  # as documented; the limit applied is the setting's


def unprocessable(reason: str, errors: list[dict]) -> JSONResponse:
    return problem(422, reason, errors)


async def read_limited(request: Request, limit: int) -> bytes:
    """The body of an upload route (exempt from the body limit, duban_common.bodylimit), refused
    with 413 before parsing when larger than ``limit``."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise HTTPException(413, f"请求内容过大：不能超过 {megabytes(limit)}")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise HTTPException(413, f"请求内容过大：不能超过 {megabytes(limit)}")
    return bytes(body)


def _envelope(parse: Callable[[], Envelope], place: Callable[[list], list]) -> Envelope | tuple[int, dict]:
    """The envelope ``parse`` makes, or the refusal of what it could not read."""
    try:
        return parse()
    except bindings.BindingError as error:
        return 422, {"detail": error.reason, "errors": error.errors}
    except (json.JSONDecodeError, UnicodeDecodeError):
        return 422, {
            "detail": "请求内容不是有效的 JSON",
            "errors": [{"loc": place([]), "msg": "请求内容不是有效的 JSON", "type": "json_invalid"}],
        }
    except ValidationError as error:
        errors = [
            {**item, "loc": place(list(err["loc"]))}
            for err, item in zip(error.errors(), problems.items(error.errors()))
        ]
        return 422, {"detail": f"来件信封（CloudEvents）不符合要求：{problems.summary(errors)}", "errors": errors}


def _misaddressed(envelope: Envelope, tenant: str, platform: str | None, place) -> tuple[int, dict] | None:
    """The refusal of an envelope for another tenant, or from another platform than the token's."""
    if envelope.tenant != tenant:
        text = f"信封中的租户 {envelope.tenant} 与地址中的租户 {tenant} 不一致"
        return 422, {"detail": text, "errors": [{"loc": place(["tenant"]), "msg": text, "type": "tenant_mismatch"}]}
    if platform is not None and envelope.source != platform:
        reason = f"令牌所属平台为 {platform}，不能以来源 {envelope.source} 报送"
        return 403, {"detail": reason, "errors": [{"loc": place(["source"]), "msg": reason, "type": "source_mismatch"}]}
    return None


def _invalid(error: handlers.InvalidSubmission, place, data_place) -> tuple[int, dict]:
    errors = [
        {**err, "loc": data_place(err["loc"][1:] if err["loc"][:1] == ["body"] else err["loc"])} for err in error.errors
    ]
    return 422, {
        "detail": problems.summary(errors) if errors else str(error),
        "errors": errors or [{"loc": place([]), "msg": str(error), "type": "invalid"}],
    }


async def accept_event(
    runtime: Runtime, protector: Protector, tenant: str, platform: str | None, parse, place, data_place=None
) -> tuple[int, dict]:
    """One event of any content mode: its answer's status and body. ``parse`` makes the envelope;
    ``place`` turns a field's path in the envelope into where the request carried it (``data_place``
    for what the submission's rules refuse, where it differs). An integrator's token names its
    ``platform``: it submits with that source only."""
    envelope = _envelope(parse, place)
    if isinstance(envelope, tuple):
        return envelope
    refusal = _misaddressed(envelope, tenant, platform, place)
    if refusal is not None:
        return refusal
    try:
        async with runtime.unit_of_work() as uow:
            result = await handlers.accept(uow, envelope, protector, channel="http")
    except handlers.InvalidSubmission as error:
        return _invalid(error, place, data_place or place)
    payload = {
        "submission_id": result.submission_id,
        "duplicate": result.duplicate,
        "status": result.status,
        "pending_reason": result.pending_reason,
        "matter_ids": result.matter_ids,
    }
    return (200 if result.duplicate else 201), payload


@router.post(
    "/v1/tenants/{tenant}/submissions",
    status_code=201,
    description=batch.MODES_DOC,
    openapi_extra=batch.request_body(MAX_BATCH_EVENTS),
    responses={
        201: {"description": "taken: registered, or pending for the office's triage", "model": batch.SubmissionAnswer},
        200: {
            "description": "a duplicate (taken before), or the answer to a batch, event by event",
            "model": batch.SubmissionAnswer | batch.BatchAnswer,
        },
    },
)
async def submit(tenant: str, request: Request, runtime: RuntimeDep, protector: ProtectorDep) -> JSONResponse:
    body = await request.body()  # at most DUBAN_MAX_BODY_BYTES (duban_common.bodylimit)
    valid_tenant(tenant)
    headers = request.headers
    platform = auth.source_scope(request)

    async def accept(parse, place, data_place=None) -> tuple[int, dict]:
        return await accept_event(runtime, protector, tenant, platform, parse, place, data_place)

    match bindings.mode(headers):
        case "batch":
            return await batch.answer(body, runtime.settings.max_batch_events, accept)
        case "binary":
            status, payload = await accept(
                lambda: Envelope.model_validate(bindings.binary_event(headers, body)), bindings.binary_place
            )
        case _:
            status, payload = await accept(
                lambda: Envelope.model_validate(json.loads(body)),
                lambda loc: ["body", *loc],
                lambda loc: loc if loc[:1] == ["data"] else ["body", *loc],
            )
    return JSONResponse(payload, status_code=status)


@router.get("/v1/tenants/{tenant}/submissions")
async def list_submissions(
    tenant: str,
    runtime: RuntimeDep,
    status: str | None = Query(None, pattern="^(registered|pending|refused)$"),
    kind: str | None = None,
    source: str | None = None,
    received_from: Day | None = None,
    received_to: Day | None = None,
    text: str | None = Query(None, alias="q", max_length=100, description="text in the title"),
    limit: int = Query(50, ge=1, le=500),
    offset: int = Query(0, ge=0, le=OFFSET_MAX),
) -> dict:
    """The triage queue is ``status=pending``; citizens' data appears masked only."""
    valid_tenant(tenant)
    wanted = SubmissionFilter(status, kind, source, received_from, received_to, text)
    return await views.submissions_page(runtime.db, tenant, wanted, limit, offset)


@router.get("/v1/tenants/{tenant}/submissions/{submission_id}")
async def get_submission(request: Request, tenant: str, submission_id: str, runtime: RuntimeDep) -> dict:
    """An integrator sees the submissions of its own platform only (its token's ``source``)."""
    valid_tenant(tenant)
    found = await views.submission(runtime.db, tenant, submission_id, auth.source_scope(request))
    return found_or_404(found, f"来件 {submission_id} 不存在")
