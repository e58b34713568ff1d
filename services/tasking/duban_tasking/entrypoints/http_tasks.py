"""Tasks over HTTP: assign and split, the units' actions, review, notices, history, spot checks."""

from __future__ import annotations

from datetime import date
from typing import Literal

from fastapi import APIRouter, Depends, HTTPException
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy import select

from duban_common import attachment_rows
from duban_common.calendar import WorkCalendar, local_day
from duban_common.documents import pdf
from duban_common.documents.files import MEDIA, content_disposition
from duban_common.documents.issuing import IssuingLookup, office_fallback
from duban_common.documents.template import render_docx
from duban_common.http import ERROR_RESPONSES

from ..adapters.orm import matters, reports, spot_check_draws, spot_checks as spot_checks_t, task_history, tasks, units
from ..domain.notice import assignment_notice
from ..domain.states import LABELS, IllegalTransition, State
from ..service_layer import assignment, attachments, signoffs, spot_checks, workflow
from .actor import actor
from .http import _tenant

class AssignIn(BaseModel):
    lead_unit: str = Field(pattern=r"^[A-Za-z0-9_-]{1,40}$")
    co_units: list[str] = Field(default_factory=list, max_length=50)
    responsible_person: str | None = Field(None, max_length=100)
    requirement: str | None = Field(None, max_length=5000)
    weight: float = Field(1.0, gt=0, le=1000)
    due_on: date | None = None


class SplitIn(BaseModel):
    tasks: list[AssignIn] = Field(min_length=1, max_length=50)


class ReasonIn(BaseModel):
    reason: str = Field(min_length=2, max_length=2000)


class ReassignIn(AssignIn):
    reason: str | None = Field(None, max_length=2000)


class ProgressIn(BaseModel):
    text: str = Field(min_length=1, max_length=10000)
    progress: int = Field(ge=0, le=100)
    attachments: list[str] = Field(default_factory=list, max_length=50, description="ids of files uploaded to the task (POST attachments)")


class ReportIn(BaseModel):
    text: str = Field(min_length=1, max_length=20000)
    attachments: list[str] = Field(default_factory=list, max_length=50, description="ids of files uploaded to the task (POST attachments)")


class DrawIn(BaseModel):
    kind: str = "online_message"
    rate: float | None = Field(None, gt=0, le=1)


class SpotCheckSettingsIn(BaseModel):
    min_rate: float = Field(gt=0, le=1, description="the lowest share of completed tasks a draw may take (复核率)")


class CallbackIn(BaseModel):
    satisfied: bool
    note: str | None = Field(None, max_length=2000)


def _assignment(body: AssignIn) -> assignment.Assignment:
    return assignment.Assignment(body.lead_unit, body.co_units, body.responsible_person, body.requirement, body.weight,
                                 body.due_on.isoformat() if body.due_on else None)




def router(runtime, calendar: WorkCalendar) -> APIRouter:
    r = APIRouter(tags=["tasks"], responses=ERROR_RESPONSES)
    s = runtime.settings

    async def run(tenant: str, fn, *args):
        _tenant(tenant)
        try:
            async with runtime.unit_of_work() as uow:
                return await fn(uow, tenant, *args)
        except IllegalTransition as e:
            raise HTTPException(e.status, str(e)) from None

    def office(who):
        if who.role != "supervision_office":
            raise HTTPException(403, "只有督查室可以交办、分解、审核和抽查")
        return who

    @r.post("/v1/tenants/{tenant}/matters/{matter_id}/assign")
    async def assign(tenant: str, matter_id: str, body: AssignIn, who=Depends(actor)) -> dict:
        office(who)
        return {"task_ids": await run(tenant, assignment.assign, matter_id, [_assignment(body)])}

    @r.post("/v1/tenants/{tenant}/matters/{matter_id}/split")
    async def split(tenant: str, matter_id: str, body: SplitIn, who=Depends(actor)) -> dict:
        office(who)
        return {"task_ids": await run(tenant, assignment.assign, matter_id, [_assignment(t) for t in body.tasks])}

    @r.post("/v1/tenants/{tenant}/tasks/{task_id}/acknowledge")
    async def acknowledge(tenant: str, task_id: str, who=Depends(actor)) -> dict:
        await run(tenant, workflow.acknowledge, task_id, who)
        return {"task_id": task_id, "status": State.acknowledged}

    @r.post("/v1/tenants/{tenant}/tasks/{task_id}/decline")
    async def decline(tenant: str, task_id: str, body: ReasonIn, who=Depends(actor)) -> dict:
        await run(tenant, workflow.decline, task_id, who, body.reason, s, calendar)
        return {"task_id": task_id, "status": State.declined}

    @r.post("/v1/tenants/{tenant}/tasks/{task_id}/reassign")
    async def reassign(tenant: str, task_id: str, body: ReassignIn, who=Depends(actor)) -> dict:
        number = await run(tenant, workflow.reassign, task_id, who, _assignment(body), body.reason)
        return {"task_id": task_id, "status": State.assigned, "notice_no": number}

    @r.post("/v1/tenants/{tenant}/tasks/{task_id}/progress")
    async def progress(tenant: str, task_id: str, body: ProgressIn, who=Depends(actor)) -> dict:
        await run(tenant, workflow.report_progress, task_id, who, body.text, body.progress, body.attachments)
        return {"task_id": task_id, "status": State.in_progress, "progress": body.progress}

    @r.post("/v1/tenants/{tenant}/tasks/{task_id}/inputs")
    async def co_unit_input(tenant: str, task_id: str, body: ReportIn, who=Depends(actor)) -> dict:
        await run(tenant, workflow.send_input, task_id, who, body.text, body.attachments)
        return {"task_id": task_id, "sent_to": "lead_unit"}

    @r.post("/v1/tenants/{tenant}/tasks/{task_id}/completion")
    async def completion(tenant: str, task_id: str, body: ReportIn, who=Depends(actor)) -> dict:
        draft_id = await run(tenant, workflow.submit_completion, task_id, who, body.text, body.attachments, runtime.signoff)
        if draft_id:  # the unit's head signs it off first (GET approvals?mine=1, POST drafts/{id}/steps)
            return {"task_id": task_id, "status": State.awaiting_unit_head, "status_label": LABELS[State.awaiting_unit_head],
                    "draft_id": draft_id}
        return {"task_id": task_id, "status": State.completion_submitted}

    @r.post("/v1/tenants/{tenant}/tasks/{task_id}/accept")
    async def accept(tenant: str, task_id: str, who=Depends(actor)) -> dict:
        await run(tenant, workflow.accept, task_id, who, runtime.signoff)
        return {"task_id": task_id, "status": State.completed}

    @r.post("/v1/tenants/{tenant}/tasks/{task_id}/return")
    async def return_for_rework(tenant: str, task_id: str, body: ReasonIn, who=Depends(actor)) -> dict:
        await run(tenant, workflow.return_for_rework, task_id, who, body.reason)
        return {"task_id": task_id, "status": State.returned}

    @r.get("/v1/tenants/{tenant}/tasks/{task_id}")
    async def get_task(tenant: str, task_id: str) -> dict:
        _tenant(tenant)
        async with runtime.db.read() as session:
            row = (await session.execute(select(tasks).where(tasks.c.tenant == tenant, tasks.c.id == task_id))).mappings().first()
            if row is None:
                raise HTTPException(404, f"任务 {task_id} 不存在")
            matter = (await session.execute(select(matters.c.title, matters.c.content).where(matters.c.id == row["matter_id"]))).mappings().first()
            hist = (await session.execute(select(task_history.c.event_type, task_history.c.at, task_history.c.detail)
                                          .where(task_history.c.task_id == task_id).order_by(task_history.c.id))).mappings().all()
            reps = (await session.execute(select(reports.c.type, reports.c.unit, reports.c.text, reports.c.progress, reports.c.attachments,
                                                 reports.c.at).where(reports.c.task_id == task_id).order_by(reports.c.at))).mappings().all()
            files = await attachments.of_task(session, tenant, task_id)
            unit_signoff = await signoffs.unit_signoff(session, tenant, task_id)
        item = dict(row)
        return {**item, **(dict(matter) if matter else {}), "status_label": LABELS[State(item["status"])],
                "declines_left": max(s.max_declines - item["declines"], 0),
                "unit_signoff": unit_signoff,
                "history": [dict(h) for h in hist], "attachments": list(files.values()),
                "reports": [{**x, "attachments": attachment_rows.resolved(x["attachments"], files)} for x in reps]}

    issuing = IssuingLookup(s.intake_url, s.service_headers())

    @r.get("/v1/tenants/{tenant}/tasks/{task_id}/notice.{fmt}", response_class=Response,
           responses={200: {"content": {m: {} for m in MEDIA.values()}, "description": "the assignment notice (交办单) as Word or PDF"}})
    async def notice(tenant: str, task_id: str, fmt: Literal["docx", "pdf"]) -> Response:
        _tenant(tenant)
        async with runtime.db.read() as session:
            t = (await session.execute(select(tasks).where(tasks.c.tenant == tenant, tasks.c.id == task_id))).mappings().first()
            if t is None:
                raise HTTPException(404, f"任务 {task_id} 不存在")
            m = (await session.execute(select(matters.c.title, matters.c.content).where(matters.c.id == t["matter_id"]))).first()
            directory = {u["code"]: dict(u) for u in (await session.execute(
                select(units.c.code, units.c.name, units.c.type, units.c.contact, units.c.phone).where(units.c.tenant == tenant))).mappings()}
        names = {c: u["name"] for c, u in directory.items()}
        doc = assignment_notice(number=t["notice_no"], issuing=await issuing.of(tenant, office_fallback(directory)), title=m.title,
                                content=m.content, lead_unit=names.get(t["lead_unit"], t["lead_unit"]),
                                co_units=[names.get(c, c) for c in t["co_units"]], responsible=t["responsible_person"],
                                requirement=t["requirement"], due_on=t["due_on"], issued_on=local_day(t["assigned_at"]))
        body = render_docx(doc, await issuing.template(tenant, doc.kind)) if fmt == "docx" else pdf.render(doc)
        return Response(body, media_type=MEDIA[fmt],
                        headers={"content-disposition": content_disposition(doc.number, doc.title, fmt, fallback=f"notice-{task_id}")})

    @r.post("/v1/tenants/{tenant}/spot-checks", tags=["spot checks"])
    async def draw(tenant: str, body: DrawIn, who=Depends(actor)) -> JSONResponse:
        office(who)
        result = await run(tenant, spot_checks.draw, body.kind, body.rate, s.spot_check_rate)
        return JSONResponse({**result, "drawn_at": result["drawn_at"].isoformat()}, status_code=201)

    @r.get("/v1/tenants/{tenant}/spot-check-settings", tags=["spot checks"])
    async def get_spot_check_settings(tenant: str) -> dict:
        _tenant(tenant)
        async with runtime.db.read() as session:
            return {"tenant": tenant, "min_rate": await spot_checks.min_rate(session, tenant, s.spot_check_rate)}

    @r.put("/v1/tenants/{tenant}/spot-check-settings", tags=["spot checks"])
    async def put_spot_check_settings(tenant: str, body: SpotCheckSettingsIn) -> dict:
        """The tenant's minimum spot-check rate: no draw may go below it (default 30 %)."""
        await run(tenant, spot_checks.set_min_rate, body.min_rate)
        return {"tenant": tenant, "min_rate": body.min_rate}

    @r.post("/v1/tenants/{tenant}/spot-checks/{check_id}/callbacks/{task_id}", tags=["spot checks"])
    async def callback(tenant: str, check_id: str, task_id: str, body: CallbackIn, who=Depends(actor)) -> dict:
        office(who)
        await run(tenant, spot_checks.record_callback, check_id, task_id, body.satisfied, body.note, who)
        return {"check_id": check_id, "task_id": task_id, "satisfied": body.satisfied}

    @r.get("/v1/tenants/{tenant}/spot-checks/{check_id}", tags=["spot checks"])
    async def get_spot_check(tenant: str, check_id: str) -> dict:
        _tenant(tenant)
        async with runtime.db.read() as session:
            check = (await session.execute(select(spot_checks_t).where(spot_checks_t.c.tenant == tenant, spot_checks_t.c.id == check_id))).mappings().first()
            if check is None:
                raise HTTPException(404, f"抽查 {check_id} 不存在")
            draws = (await session.execute(select(spot_check_draws.c.task_id, spot_check_draws.c.selected, spot_check_draws.c.result,
                                                  spot_check_draws.c.note, spot_check_draws.c.result_at)
                                           .where(spot_check_draws.c.check_id == check_id).order_by(spot_check_draws.c.task_id))).mappings().all()
        return {**dict(check), "draws": [dict(d) for d in draws]}

    return r
