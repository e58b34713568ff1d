"""A citizen's phone number for a callback (回访): masked everywhere, revealed to the supervision
office for one matter's task only by this explicit action, which the audit log records with who
asked (the token) and why (the reason given). Lists, exports and logs stay masked."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy import select

from duban_common.http import ERROR_RESPONSES

from ..adapters.orm import citizen_contacts, registrations
from .http import valid_tenant

REVEALED = "citizen_phone.revealed"


class RevealIn(BaseModel):
    task_id: str = Field(min_length=1, max_length=36, pattern=r"^[A-Za-z0-9-]+$", description="the task the callback is for")
    reason: str = Field(min_length=2, max_length=500, description="why the number is needed, e.g. 回访办理结果")


def router(runtime, protector) -> APIRouter:
    r = APIRouter(tags=["citizens"], responses=ERROR_RESPONSES)

    @r.post("/v1/tenants/{tenant}/matters/{matter_id}/citizen-phone")
    async def reveal_phone(tenant: str, matter_id: str, body: RevealIn) -> JSONResponse:
        """The citizen's full phone number behind one matter, for the callback of one task."""
        valid_tenant(tenant)
        async with runtime.unit_of_work() as uow:
            row = (await uow.session.execute(
                select(citizen_contacts.c.submission_id, citizen_contacts.c.phone_enc, citizen_contacts.c.name_masked)
                .join(registrations, registrations.c.submission_id == citizen_contacts.c.submission_id)
                .where(registrations.c.tenant == tenant, registrations.c.matter_id == matter_id))).first()
            phone = protector.open(row.phone_enc) if row else None
            if not phone:
                raise HTTPException(404, "该事项没有群众留下的联系电话")
            uow.audit(tenant, REVEALED, matter_id=matter_id, task_id=body.task_id, submission_id=row.submission_id,
                      reason=body.reason.strip())
        return JSONResponse({"matter_id": matter_id, "task_id": body.task_id, "citizen_name": row.name_masked, "phone": phone},
                            headers={"Cache-Control": "no-store"})

    return r
