"""A citizen's phone number for a callback (回访): masked everywhere, revealed to the supervision
office for one matter's task only by this explicit action, which the audit log records with who
asked (the token) and why (the reason given). Lists, exports and logs stay masked."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from duban_common.dependencies import RuntimeDep
from duban_common.http import ERROR_RESPONSES, valid_tenant

from ..service_layer import admin
from .deps import ProtectorDep

router = APIRouter(tags=["citizens"], responses=ERROR_RESPONSES)


class RevealIn(BaseModel):
    task_id: str = Field(
        min_length=1, max_length=36, pattern=r"^[A-Za-z0-9-]+$", description="the task the callback is for"
    )
    reason: str = Field(min_length=2, max_length=500, description="why the number is needed, e.g. 回访办理结果")


@router.post("/v1/tenants/{tenant}/matters/{matter_id}/citizen-phone")
async def reveal_phone(
    tenant: str, matter_id: str, body: RevealIn, runtime: RuntimeDep, protector: ProtectorDep
) -> JSONResponse:
    """The citizen's full phone number behind one matter, for the callback of one task."""
    valid_tenant(tenant)
    async with runtime.unit_of_work() as uow:
        revealed = await admin.reveal_phone(uow, protector, tenant, matter_id, body.task_id, body.reason.strip())
    if revealed is None:
        raise HTTPException(404, "该事项没有群众留下的联系电话")
    return JSONResponse(
        {
            "matter_id": matter_id,
            "task_id": body.task_id,
            "citizen_name": revealed.citizen_name,
            "phone": revealed.phone,
        },
        headers={"Cache-Control": "no-store"},
    )
