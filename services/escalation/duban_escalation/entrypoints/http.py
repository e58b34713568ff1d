"""Escalation over HTTP: the ladder, manual urges, explanations, a task's history, cases, notices."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, Header, HTTPException, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field, ValidationError
from sqlalchemy import select

from duban_common import attachment_rows, auth, problems
from duban_common.contracts import events as ev
from duban_common.documents.files import MEDIA, content_disposition
from duban_common.http import ERROR_RESPONSES, valid_tenant as _tenant
from duban_common.signoff import Decision, SignoffError, Turn
from duban_common.signoff import routes as signoff_routes

from ..adapters import orm
from ..adapters.orm import attachments, cases, deductions, deliveries, explanations, ladders, steps_taken, urges, watched_tasks
from ..domain.ladder import PRESETS, Ladder
from ..service_layer import assessment, climb, handlers, notify, orders, rules
from ..service_layer.delivery import masked
from ..service_layer.documents import Documents, NotFound


class UrgeIn(BaseModel):
    reason: str = Field("督查室催办", max_length=500)


class OrderIn(BaseModel):
    requirement: str = Field(min_length=4, max_length=5000)
    proposed_by: str | None = Field(None, min_length=1, max_length=100,
                                    description="the supervision office's deputy director (default: who calls, from the token)")


class PersonIn(BaseModel):
    by: str | None = Field(None, min_length=1, max_length=100, description="default: who calls, from the token")


class ExplanationIn(BaseModel):
    text: str = Field(min_length=10, max_length=20000)
    attachments: list[str] = Field(default_factory=list, max_length=50, description="ids of files uploaded to the task (POST attachments)")



def _assigned(task: dict | None, tenant: str, task_id: str, action: str) -> dict:
    """The task, to urge or climb by hand: 404 if escalation does not know it, 409 while it has not
    applied its task.assigned yet (handlers.assigned: known from a deadline fact only, say)."""
    if task is None or task["tenant"] != tenant:
        raise HTTPException(404, f"任务 {task_id} 不存在")
    if not handlers.assigned(task):
        raise HTTPException(409, f"该任务尚未交办到承办单位，暂不能{action}，请稍后再试")
    return task


def named(given: str | None, person: str | None) -> str:
    """The person a sign-off names: as given, else who calls (the token), else 422."""
    if given or person:
        return given or person
    raise HTTPException(422, [{"loc": ["body", "by"], "msg": "缺少必填项：签署人", "type": "missing"}])


async def drafts_of(session, tenant: str, task_id: str) -> list[dict]:
    """The task's drafts (notices, bulletins, the transfer) and where each stands in its chain."""
    columns = orm.signoff.drafts.c
    shown = (columns.id, columns.doc_type, columns.title, columns.status, columns.waiting_role, columns.number, columns.created_at,
             columns.issued_at)
    query = select(*shown).where(columns.tenant == tenant, columns.task_id == task_id).order_by(columns.created_at, columns.id)
    return [dict(x) for x in (await session.execute(query)).mappings()]


def router(runtime, cal, contexts: notify.Contexts) -> APIRouter:
    r = APIRouter(tags=["escalation"], responses=ERROR_RESPONSES)

    @r.get("/v1/tenants/{tenant}/ladder")
    async def get_ladder(tenant: str) -> dict:
        async with runtime.unit_of_work() as uow:
            return (await rules.ladder_of(uow, _tenant(tenant))).model_dump()

    @r.put("/v1/tenants/{tenant}/ladder")
    async def put_ladder(tenant: str, body: dict) -> dict:
        """The ladder itself, or ``{"preset": name}`` for a reference document's."""
        if set(body) == {"preset"}:  # a reference document's ladder (domain.ladder.PRESETS)
            if body["preset"] not in PRESETS:
                raise HTTPException(422, [{"loc": ["body", "preset"], "msg": f"未知的规则预设“{body['preset']}”，可选：{'、'.join(PRESETS)}"}])
            body = PRESETS[body["preset"]].model_dump()
        try:
            ladder = Ladder.model_validate(body)
        except ValidationError as e:
            raise HTTPException(422, problems.items(e.errors(), prefix=("body",))) from None
        async with runtime.unit_of_work() as uow:
            await uow.session.execute(ladders.delete().where(ladders.c.tenant == _tenant(tenant)))
            await uow.session.execute(ladders.insert(), dict(tenant=tenant, definition=ladder.model_dump(), updated_at=uow.now()))
        return ladder.model_dump()

    @r.post("/v1/tenants/{tenant}/tasks/{task_id}/urge")
    async def manual_urge(tenant: str, task_id: str, body: UrgeIn, idempotency_key: str | None = Header(None),
                          person: str | None = Depends(auth.acting_person)) -> dict:
        async with runtime.unit_of_work() as uow:
            ctx = await contexts(uow.session, _tenant(tenant))
            task = _assigned(await handlers.load(uow, task_id), tenant, task_id, "催办")
            if task["closed"]:
                raise HTTPException(409, "任务已办结，无需催办")
            key = f"manual:{task_id}:{idempotency_key or uow.now().isoformat()}"
            await climb.escalate(uow, task, "manual", key, cal, ctx, note=body.reason.strip() or None, by=person)
            count = (await handlers.load(uow, task_id))["urges"]
        return {"task_id": task_id, "urges": count}

    @r.post("/v1/tenants/{tenant}/tasks/{task_id}/rectification-unmet")
    async def rectification(tenant: str, task_id: str, body: PersonIn, idempotency_key: str | None = Header(None),
                            person: str | None = Depends(auth.acting_person)) -> dict:
        """A leader's rectification demand is still not met (领导整改要求仍未落实)."""
        async with runtime.unit_of_work() as uow:
            ctx = await contexts(uow.session, _tenant(tenant))
            task = _assigned(await handlers.load(uow, task_id), tenant, task_id, "登记整改要求未落实")
            key = f"rectification:{task_id}:{idempotency_key or uow.now().isoformat()}"
            steps = await climb.rectification_unmet(uow, task, key, cal, ctx)
        return {"task_id": task_id, "steps_taken": steps, "by": named(body.by, person)}

    @r.post("/v1/tenants/{tenant}/tasks/{task_id}/explanations")
    async def explain(tenant: str, task_id: str, body: ExplanationIn, acting_unit: str | None = Depends(auth.acting_unit)) -> dict:
        async with runtime.unit_of_work() as uow:
            q = select(explanations).where(explanations.c.tenant == _tenant(tenant), explanations.c.task_id == task_id,
                                           explanations.c.submitted_at.is_(None)).order_by(explanations.c.step)
            row = (await uow.session.execute(q)).mappings().first()
            if row is None:
                raise HTTPException(404, "该任务没有待提交的书面说明")
            if acting_unit != row["unit"]:
                raise HTTPException(403, f"书面说明须由承办单位（{row['unit']}）提交")
            try:
                files = await attachment_rows.refs(uow.session, attachments, tenant, task_id, body.attachments)
            except attachment_rows.UnknownAttachments as e:
                raise HTTPException(422, str(e)) from None
            now = uow.now()
            await uow.session.execute(explanations.update().where(explanations.c.task_id == task_id, explanations.c.step == row["step"])
                                      .values(submitted_at=now, text=body.text, attachments=[f.id for f in files]))
            task = await handlers.load(uow, task_id)
            await uow.emit(tenant, ev.ESCALATION_EXPLANATION_SUBMITTED, ev.EscalationExplanationSubmitted(
                task_id=task_id, matter_id=task["matter_id"], unit=row["unit"], step=row["step"], on_time=now <= row["due_at"], submitted_at=now,
                attachments=[f.id for f in files], attachment_refs=[f.ref() for f in files]))
        return {"task_id": task_id, "step": row["step"], "on_time": now <= row["due_at"]}

    @r.get("/v1/tenants/{tenant}/tasks/{task_id}/escalation")
    async def task_escalation(tenant: str, task_id: str) -> dict:
        async with runtime.db.read() as s:
            row = (await s.execute(select(watched_tasks).where(watched_tasks.c.tenant == _tenant(tenant), watched_tasks.c.task_id == task_id))).mappings().first()
            if row is None:
                raise HTTPException(404, f"任务 {task_id} 不存在")

            async def rows(t, *order):
                return [dict(x) for x in (await s.execute(select(t).where(t.c.task_id == task_id).order_by(*order))).mappings().all()]

            files = await attachment_rows.of_task(s, attachments, tenant, task_id)
            explained = [{**e, "attachments": attachment_rows.resolved(e["attachments"], files)} for e in await rows(explanations, explanations.c.step)]
            return {**dict(row), "urge_list": await rows(urges, urges.c.urge_no), "steps": await rows(steps_taken, steps_taken.c.step),
                    "explanations": explained, "deductions": await rows(deductions, deductions.c.at),
                    "case": next(({"id": c["id"], "opened_at": c["opened_at"]} for c in await rows(cases, cases.c.opened_at)), None),
                    "assessment": await assessment.of_task(s, task_id), "drafts": await drafts_of(s, tenant, task_id)}

    @r.get("/v1/tenants/{tenant}/cases")
    async def list_cases(tenant: str) -> dict:
        async with runtime.db.read() as s:
            rows = (await s.execute(select(cases.c.id, cases.c.task_id, cases.c.opened_at).where(cases.c.tenant == _tenant(tenant))
                                    .order_by(cases.c.opened_at))).mappings().all()
        return {"items": [dict(x) for x in rows]}

    @r.get("/v1/tenants/{tenant}/cases/{case_id}")
    async def get_case(tenant: str, case_id: str) -> dict:
        async with runtime.db.read() as s:
            row = (await s.execute(select(cases).where(cases.c.tenant == _tenant(tenant), cases.c.id == case_id))).mappings().first()
        if row is None:
            raise HTTPException(404, f"移交案件 {case_id} 不存在")
        return dict(row)

    documents = Documents(runtime, cal, contexts)

    async def document(make, tenant: str, key: str, fmt: str, fallback: str) -> Response:
        try:
            doc = await make(_tenant(tenant), key)
        except NotFound as e:
            raise HTTPException(404, str(e)) from None
        return Response(await documents.render(tenant, doc, fmt), media_type=MEDIA[fmt],
                        headers={"content-disposition": content_disposition(doc.number, doc.title, fmt, fallback=fallback)})

    @r.get("/v1/tenants/{tenant}/urges/{urge_id}/notice.{fmt}", response_class=Response,
           responses={200: {"content": {m: {} for m in MEDIA.values()}, "description": "the urging notice (催办单) as Word or PDF"}})
    async def urge_notice(tenant: str, urge_id: str, fmt: Literal["docx", "pdf"]) -> Response:
        return await document(documents.urge, tenant, urge_id, fmt, f"urge-{urge_id}")

    @r.get("/v1/tenants/{tenant}/cases/{case_id}/letter.{fmt}", response_class=Response,
           responses={200: {"content": {m: {} for m in MEDIA.values()}, "description": "the transfer letter (移送函) with the dossier as its annex"}})
    async def transfer_letter(tenant: str, case_id: str, fmt: Literal["docx", "pdf"]) -> Response:
        return await document(documents.transfer, tenant, case_id, fmt, f"case-{case_id}")

    @r.post("/v1/tenants/{tenant}/tasks/{task_id}/supervision-orders", status_code=201)
    async def propose_order(tenant: str, task_id: str, body: OrderIn, person: str | None = Depends(auth.acting_person)) -> dict:
        """Draft a 督办单; it then goes through its sign-off chain (POST drafts/{draft_id}/steps, or the step routes below)."""
        async with runtime.unit_of_work() as uow:
            task = await handlers.load(uow, task_id)
            if task is None or task["tenant"] != _tenant(tenant):
                raise HTTPException(404, f"任务 {task_id} 不存在")
            return await orders.propose(uow, runtime.signoff, task, body.requirement, named(body.proposed_by, person))

    @r.post("/v1/tenants/{tenant}/supervision-orders/{order_id}/{step}")
    async def advance_order(request: Request, tenant: str, order_id: str, step: str, person: str | None = Depends(auth.acting_person),
                            turn: Turn = Depends(signoff_routes.turn_of)) -> dict:
        """The order's next step by its name (propose 提出, approve 同意, sign 签发): the same as POST drafts/{draft_id}/steps."""
        if step not in orders.STEP_ACTIONS:
            raise HTTPException(404, "步骤只能是 propose（提出）、approve（同意）或 sign（签发）")
        try:
            async with runtime.unit_of_work() as uow:
                draft = await orders.draft_of(uow.session, runtime.signoff, _tenant(tenant), order_id)
                done = await runtime.signoff.act(uow, tenant, draft["id"], turn, signoff_routes.person_name(request, turn, person),
                                                 Decision("approve", None, orders.STEP_ACTIONS[step]))
        except SignoffError as e:
            raise HTTPException(e.status, str(e)) from None
        return {"order_id": order_id, "draft_id": done["id"], "status": orders.status_of(done), "notice_no": done["number"]}

    @r.get("/v1/tenants/{tenant}/supervision-orders/{order_id}/notice.{fmt}", response_class=Response,
           responses={200: {"content": {m: {} for m in MEDIA.values()}, "description": "the supervision order (督办单) as Word or PDF"}})
    async def order_notice(tenant: str, order_id: str, fmt: Literal["docx", "pdf"]) -> Response:
        return await document(documents.order, tenant, order_id, fmt, f"order-{order_id}")

    @r.get("/v1/tenants/{tenant}/deliveries")
    async def list_deliveries(tenant: str, limit: int = Query(100, ge=1, description="at most 500 are listed")) -> dict:
        async with runtime.db.read() as s:
            rows = (await s.execute(select(deliveries).where(deliveries.c.tenant == _tenant(tenant)).order_by(deliveries.c.send_at.desc())
                                    .limit(min(limit, 500)))).mappings().all()
        return {"items": [{**{k: v for k, v in dict(x).items() if k not in ("recipient", "ref")}, "recipient": masked(x["ref"]["recipient"])}
                          for x in rows]}

    return r
