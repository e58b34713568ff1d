"""Intake over HTTP: the twin of ``duban.in.<tenant>.<kind>``, and the submissions list."""

from __future__ import annotations

import json

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from sqlalchemy import func, select

from duban_common import auth, bindings, problems
from duban_common.bodylimit import megabytes
from duban_common.db import plain
from duban_common.envelope import Envelope
from duban_common.http import ERROR_RESPONSES, OFFSET_MAX, Day, problem, valid_tenant

from ..adapters.orm import citizen_contacts, submissions
from ..service_layer import handlers
from . import batch


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


def router(runtime, protector) -> APIRouter:
    r = APIRouter(tags=["submissions"], responses=ERROR_RESPONSES)

    async def accept_event(tenant: str, platform: str | None, parse, place, data_place=None) -> tuple[int, dict]:
        """One event of any content mode: its answer's status and body. ``parse`` makes the envelope;
        ``place`` turns a field's path in the envelope into where the request carried it (``data_place``
        for what the submission's rules refuse, where it differs). An integrator's token names its
        ``platform``: it submits with that source only."""
        try:
            env = parse()
        except bindings.BindingError as e:
            return 422, {"detail": e.reason, "errors": e.errors}
        except (json.JSONDecodeError, UnicodeDecodeError):
            return 422, {"detail": "请求内容不是有效的 JSON", "errors": [{"loc": place([]), "msg": "请求内容不是有效的 JSON", "type": "json_invalid"}]}
        except ValidationError as e:
            errors = [{**item, "loc": place(list(err["loc"]))} for err, item in zip(e.errors(), problems.items(e.errors()))]
            return 422, {"detail": f"来件信封（CloudEvents）不符合要求：{problems.summary(errors)}", "errors": errors}
        if env.tenant != tenant:
            text = f"信封中的租户 {env.tenant} 与地址中的租户 {tenant} 不一致"
            return 422, {"detail": text, "errors": [{"loc": place(["tenant"]), "msg": text, "type": "tenant_mismatch"}]}
        if platform is not None and env.source != platform:
            reason = f"令牌所属平台为 {platform}，不能以来源 {env.source} 报送"
            return 403, {"detail": reason, "errors": [{"loc": place(["source"]), "msg": reason, "type": "source_mismatch"}]}
        try:
            async with runtime.unit_of_work() as uow:
                result = await handlers.accept(uow, env, protector, channel="http")
        except handlers.InvalidSubmission as e:
            data_place = data_place or place
            errors = [{**err, "loc": data_place(err["loc"][1:] if err["loc"][:1] == ["body"] else err["loc"])} for err in e.errors]
            return 422, {"detail": problems.summary(errors) if errors else str(e),
                         "errors": errors or [{"loc": place([]), "msg": str(e), "type": "invalid"}]}
        payload = {"submission_id": result.submission_id, "duplicate": result.duplicate, "status": result.status,
                   "pending_reason": result.pending_reason, "matter_ids": result.matter_ids}
        return (200 if result.duplicate else 201), payload

    @r.post("/v1/tenants/{tenant}/submissions", status_code=201, description=batch.MODES_DOC,
            openapi_extra=batch.request_body(runtime.settings.max_batch_events),
            responses={201: {"description": "taken: registered, or pending for the office's triage", "model": batch.SubmissionAnswer},
                       200: {"description": "a duplicate (taken before), or the answer to a batch, event by event",
                             "model": batch.SubmissionAnswer | batch.BatchAnswer}})
    async def submit(tenant: str, request: Request) -> JSONResponse:
        body = await request.body()  # at most DUBAN_MAX_BODY_BYTES (duban_common.bodylimit)
        valid_tenant(tenant)
        headers = request.headers
        platform = auth.source_scope(request)
        match bindings.mode(headers):
            case "batch":
                return await batch.answer(body, runtime.settings.max_batch_events, lambda parse, place: accept_event(tenant, platform, parse, place))
            case "binary":
                status, payload = await accept_event(tenant, platform, lambda: Envelope.model_validate(bindings.binary_event(headers, body)),
                                                     bindings.binary_place)
            case _:
                status, payload = await accept_event(tenant, platform, lambda: Envelope.model_validate(json.loads(body)), lambda loc: ["body", *loc],
                                                     lambda loc: loc if loc[:1] == ["data"] else ["body", *loc])
        return JSONResponse(payload, status_code=status)

    @r.get("/v1/tenants/{tenant}/submissions")
    async def list_submissions(
        tenant: str,
        status: str | None = Query(None, pattern="^(registered|pending|refused)$"),
        kind: str | None = None,
        source: str | None = None,
        received_from: Day | None = None,
        received_to: Day | None = None,
        q: str | None = Query(None, max_length=100, description="text in the title"),
        limit: int = Query(50, ge=1, le=500),
        offset: int = Query(0, ge=0, le=OFFSET_MAX),
    ) -> dict:
        """The triage queue is ``status=pending``; citizens' data appears masked only."""
        valid_tenant(tenant)
        s = submissions.c
        query = (select(s.id, s.source, s.external_id, s.kind, s.status, s.pending_reason, s.title, s.channel, s.received_at,
                        s.decided_at, s.decision_note, citizen_contacts.c.name_masked.label("citizen_name"),
                        citizen_contacts.c.phone_masked.label("citizen_phone"))
                 .outerjoin(citizen_contacts, citizen_contacts.c.submission_id == s.id).where(s.tenant == tenant))
        for col, value in ((s.status, status), (s.kind, kind), (s.source, source)):
            if value:
                query = query.where(col == value)
        if received_from:
            query = query.where(func.date(s.received_at) >= received_from.isoformat())
        if received_to:
            query = query.where(func.date(s.received_at) <= received_to.isoformat())
        if q:
            query = query.where(s.title.contains(q, autoescape=True))
        async with runtime.db.read() as session:
            total = (await session.execute(select(func.count()).select_from(query.subquery()))).scalar_one()
            rows = (await session.execute(query.order_by(s.received_at.desc(), s.id).limit(limit).offset(offset))).mappings().all()
        return {"total": total, "limit": limit, "offset": offset, "items": [plain(r) for r in rows]}

    @r.get("/v1/tenants/{tenant}/submissions/{submission_id}")
    async def get_submission(request: Request, tenant: str, submission_id: str) -> dict:
        """An integrator sees the submissions of its own platform only (its token's ``source``)."""
        valid_tenant(tenant)
        platform = auth.source_scope(request)
        async with runtime.db.read() as session:
            row = (await session.execute(select(submissions).where(submissions.c.tenant == tenant, submissions.c.id == submission_id))).mappings().first()
            if row is None or platform not in (None, row["source"]):
                raise HTTPException(404, f"来件 {submission_id} 不存在")
            contact = (await session.execute(select(citizen_contacts.c.name_masked, citizen_contacts.c.phone_masked)
                                             .where(citizen_contacts.c.submission_id == submission_id))).mappings().first()
            matters = await handlers.matter_ids_of(session, submission_id)
        item = dict(row)
        if contact:
            item["data"] = {**item["data"], "citizen": {"name": contact["name_masked"], "phone": contact["phone_masked"]}}
        return {**item, "matter_ids": matters}

    return r
