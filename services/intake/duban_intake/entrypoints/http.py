"""Intake over HTTP: the twin of ``duban.in.<tenant>.<kind>``, and the submissions list."""

from __future__ import annotations

import json
from datetime import date

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from sqlalchemy import func, select

from duban_common.db import plain
from duban_common.envelope import Envelope
from duban_common import problems
from duban_common.http import ERROR_RESPONSES, OFFSET_MAX, valid_tenant
from duban_common.http import problem

from ..adapters.orm import citizen_contacts, submissions
from ..service_layer import handlers


def unprocessable(reason: str, errors: list[dict]) -> JSONResponse:
    return problem(422, reason, errors)


def router(runtime, protector) -> APIRouter:
    r = APIRouter(tags=["submissions"], responses=ERROR_RESPONSES)

    @r.post("/v1/tenants/{tenant}/submissions", status_code=201)
    async def submit(tenant: str, request: Request) -> JSONResponse:
        body = await request.body()  # at most DUBAN_MAX_BODY_BYTES (duban_common.bodylimit)
        valid_tenant(tenant)
        try:
            env = Envelope.model_validate(json.loads(body))
        except (json.JSONDecodeError, UnicodeDecodeError):
            return unprocessable("请求内容不是有效的 JSON", [{"loc": ["body"], "msg": "请求内容不是有效的 JSON", "type": "json_invalid"}])
        except ValidationError as e:
            errors = problems.items(e.errors(), prefix=("body",))
            return unprocessable(f"来件信封（CloudEvents）不符合要求：{problems.summary(errors)}", errors)
        if env.tenant != tenant:
            text = f"信封中的租户 {env.tenant} 与地址中的租户 {tenant} 不一致"
            return unprocessable(text, [{"loc": ["body", "tenant"], "msg": text, "type": "tenant_mismatch"}])
        try:
            async with runtime.unit_of_work() as uow:
                result = await handlers.accept(uow, env, protector, channel="http")
        except handlers.InvalidSubmission as e:
            return unprocessable(problems.summary(e.errors) if e.errors else str(e), e.errors)
        payload = {"submission_id": result.submission_id, "duplicate": result.duplicate, "status": result.status,
                   "pending_reason": result.pending_reason, "matter_ids": result.matter_ids}
        return JSONResponse(payload, status_code=200 if result.duplicate else 201)

    @r.get("/v1/tenants/{tenant}/submissions")
    async def list_submissions(
        tenant: str,
        status: str | None = Query(None, pattern="^(registered|pending|refused)$"),
        kind: str | None = None,
        source: str | None = None,
        received_from: date | None = None,
        received_to: date | None = None,
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
    async def get_submission(tenant: str, submission_id: str) -> dict:
        valid_tenant(tenant)
        async with runtime.db.read() as session:
            row = (await session.execute(select(submissions).where(submissions.c.tenant == tenant, submissions.c.id == submission_id))).mappings().first()
            if row is None:
                raise HTTPException(404, f"submission {submission_id} not found in tenant {tenant}")
            contact = (await session.execute(select(citizen_contacts.c.name_masked, citizen_contacts.c.phone_masked)
                                             .where(citizen_contacts.c.submission_id == submission_id))).mappings().first()
            matters = await handlers.matter_ids_of(session, submission_id)
        item = dict(row)
        if contact:
            item["data"] = {**item["data"], "citizen": {"name": contact["name_masked"], "phone": contact["phone_masked"]}}
        return {**item, "matter_ids": matters}

    return r
