"""Escalation over HTTP: the ladder, manual urges, rectification demands, written explanations,
a task's history, the cases. What escalation sends (notices, letters, supervision orders and the
deliveries of its messages) is in http_sent.py beside this file."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, Field, ValidationError

from duban_common import auth, problems
from duban_common.dependencies import RuntimeDep
from duban_common.http import ERROR_RESPONSES, valid_tenant

from ..domain.ladder import PRESETS, Ladder
from ..service_layer import actions, rules, views
from . import http_sent
from .deps import TriggerDep, named, unit_of_work

router = APIRouter(tags=["escalation"], responses=ERROR_RESPONSES)


class UrgeIn(BaseModel):
    reason: str = Field("督查室催办", max_length=500)


class PersonIn(BaseModel):
    by: str | None = Field(None, min_length=1, max_length=100, description="default: who calls, from the token")


class ExplanationIn(BaseModel):
    text: str = Field(min_length=10, max_length=20000)
    attachments: list[str] = Field(
        default_factory=list, max_length=50, description="ids of files uploaded to the task (POST attachments)"
    )


def ladder_from(body: dict) -> Ladder:
    """The ladder a PUT gives: the ladder itself, or ``{"preset": name}`` for a reference document's
    (domain.ladder.PRESETS); 422 saying where it is wrong."""
    if set(body) == {"preset"}:
        if body["preset"] not in PRESETS:
            raise HTTPException(
                422,
                [{"loc": ["body", "preset"], "msg": f"未知的规则预设“{body['preset']}”，可选：{'、'.join(PRESETS)}"}],
            )
        body = PRESETS[body["preset"]].model_dump()
    try:
        return Ladder.model_validate(body)
    except ValidationError as error:
        raise HTTPException(422, problems.items(error.errors(), prefix=("body",))) from None


def _found(found: dict | None, missing: str) -> dict:
    """What a view found; 404 saying ``missing`` when it found nothing."""
    if found is None:
        raise HTTPException(404, missing)
    return found


@router.get("/v1/tenants/{tenant}/ladder")
async def get_ladder(tenant: str, runtime: RuntimeDep) -> dict:
    async with runtime.unit_of_work() as uow:
        return (await rules.ladder_of(uow, valid_tenant(tenant))).model_dump()


@router.put("/v1/tenants/{tenant}/ladder")
async def put_ladder(tenant: str, body: dict, runtime: RuntimeDep) -> dict:
    """The ladder itself, or ``{"preset": name}`` for a reference document's."""
    ladder = ladder_from(body)
    async with runtime.unit_of_work() as uow:
        await actions.replace_ladder(uow, valid_tenant(tenant), ladder)
    return ladder.model_dump()


@router.post("/v1/tenants/{tenant}/tasks/{task_id}/urge")
async def manual_urge(tenant: str, task_id: str, body: UrgeIn, trigger: TriggerDep) -> dict:
    async with unit_of_work(trigger.runtime) as uow:
        count = await actions.manual_urge(
            uow,
            trigger.contexts,
            trigger.calendar,
            valid_tenant(tenant),
            task_id,
            note=body.reason.strip() or None,
            by=trigger.person,
            idempotency_key=trigger.idempotency_key,
        )
    return {"task_id": task_id, "urges": count}


@router.post("/v1/tenants/{tenant}/tasks/{task_id}/rectification-unmet")
async def rectification(tenant: str, task_id: str, body: PersonIn, trigger: TriggerDep) -> dict:
    """A leader's rectification demand is still not met (领导整改要求仍未落实)."""
    by = named(body.by, trigger.person)  # a 422 for want of a name comes before anything is written
    async with unit_of_work(trigger.runtime) as uow:
        steps = await actions.rectification_unmet(
            uow, trigger.contexts, trigger.calendar, valid_tenant(tenant), task_id, trigger.idempotency_key
        )
    return {"task_id": task_id, "steps_taken": steps, "by": by}


@router.post("/v1/tenants/{tenant}/tasks/{task_id}/explanations")
async def explain(
    tenant: str,
    task_id: str,
    body: ExplanationIn,
    runtime: RuntimeDep,
    unit: auth.ActingUnit,
) -> dict:
    async with unit_of_work(runtime) as uow:
        return await actions.submit_explanation(uow, valid_tenant(tenant), task_id, unit, body.text, body.attachments)


@router.get("/v1/tenants/{tenant}/tasks/{task_id}/escalation")
async def task_escalation(tenant: str, task_id: str, runtime: RuntimeDep) -> dict:
    return _found(await views.task_escalation(runtime.db, valid_tenant(tenant), task_id), f"任务 {task_id} 不存在")


@router.get("/v1/tenants/{tenant}/cases")
async def list_cases(tenant: str, runtime: RuntimeDep) -> dict:
    return {"items": await views.list_cases(runtime.db, valid_tenant(tenant))}


@router.get("/v1/tenants/{tenant}/cases/{case_id}")
async def get_case(tenant: str, case_id: str, runtime: RuntimeDep) -> dict:
    return _found(await views.get_case(runtime.db, valid_tenant(tenant), case_id), f"移交案件 {case_id} 不存在")


ROUTERS = [router, http_sent.router]  # in this order: the OpenAPI document lists the paths as they are mounted
