"""任务详情 and what people do on it: the unit's 签收 / 退回 / 进展反馈 / 办结报告 / 延期申请 /
书面说明 / 协办意见, the office's 审核 / 退回重办 / 延期审批 / 催办."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData

from ..adapters.services import NotFound, Refused, Unavailable
from ..adapters.session import Session
from . import forms, task_view
from .http_office import handling
from .web import checked_form, ctx, current, redirect, render, unit_names, units_of

DONE = {
    "acknowledge": "已签收。请按期办理，及时反馈进展。",
    "decline": "已退回，督查室将重新交办。",
    "progress": "进展已反馈。",
    "completion": "办结报告已提交，等待督查室审核。",
    "extension": "延期申请已提交，等待审批。",
    "explanation": "书面说明已提交。",
    "input": "协办意见已送牵头单位。",
    "accept": "审核通过，任务已办结销号。",
    "return": "已退回重办，承办单位将收到退回理由。",
    "decide": "延期审批已完成。",
    "urge": "已催办，承办单位将收到催办通知。",
    "reassign": "已重新交办。",
    "assessment": "审核意见已记录。评定为“不充分”的，移送函已起草，待县政府领导批准后移送。",
}


async def page(request: Request, session: Session, task_id: str, status: int = 200, **extra) -> HTMLResponse:
    context = ctx(request)
    names = await unit_names(request, session)
    view = await task_view.load(context.services, session, task_id, names)
    view["down"] = view["down"] + extra.pop("down", [])
    if session.role == "supervision_office" and view["task"]["status"] == "declined":
        view["units"] = handling(await units_of(request, session))
    return render(
        request,
        "task.html",
        status,
        unit_name=names.get(session.unit or ""),
        notice=DONE.get(request.query_params.get("done", "")),
        **view,
        **extra,
    )


async def upload(request: Request, session: Session, task_id: str, files: list, service: str = "tasking") -> list[str]:
    """The files, stored by the attachments API of the service that takes the report (tasking for
    reports, escalation for 书面说明); their ids for the report."""
    ids = []
    for file in files:
        body = await file.read()
        stored = await ctx(request).services.post(
            service,
            f"/v1/tenants/{session.tenant}/tasks/{task_id}/attachments",
            session.token,
            files={"file": (file.filename, body, file.content_type or "application/octet-stream")},
        )
        ids.append(stored["id"])
    return ids


router = APIRouter()


@router.get("/tasks/{task_id}")
async def task_page(request: Request, task_id: str, session: Session = Depends(current)):
    return await page(request, session, task_id)


@router.get("/tasks/{task_id}/notice.docx")
async def notice(request: Request, task_id: str, session: Session = Depends(current)):
    res = await ctx(request).services.request(
        "tasking", "GET", f"/v1/tenants/{session.tenant}/tasks/{task_id}/notice.docx", session.token
    )
    return Response(
        res.content,
        media_type=res.headers.get("content-type"),
        headers={
            "Content-Disposition": f"attachment; filename=\"notice-{task_id}.docx\"; filename*=UTF-8''{quote('交办单.docx')}"
        },
    )


@router.get("/tasks/{task_id}/attachments/{attachment_id}")
async def attachment(
    request: Request,
    task_id: str,
    attachment_id: str,
    session: Session = Depends(current),
    kept_by: str = Query("tasking", alias="from", pattern="^(tasking|escalation)$"),
):
    res = await ctx(request).services.request(
        kept_by, "GET", f"/v1/tenants/{session.tenant}/tasks/{task_id}/attachments/{attachment_id}", session.token
    )
    # always a download: an uploaded file is never rendered as a page of the workbench
    disposition = res.headers.get("content-disposition") or "attachment"
    if not disposition.lower().startswith("attachment"):
        _, _, params = disposition.partition(";")
        disposition = f"attachment; {params.strip()}" if params.strip() else "attachment"
    return Response(
        res.content, media_type=res.headers.get("content-type"), headers={"Content-Disposition": disposition}
    )


@router.get("/tasks/{task_id}/workdays", response_class=HTMLResponse)
async def workdays(
    request: Request,
    task_id: str,
    requested_due_on: str = "",
    current_due_on: str = "",
    session: Session = Depends(current),
):
    """For the 延期申请 form (htmx): how many working days the asked date adds."""
    errors: dict = {}
    cur = forms.day(errors, "current", current_due_on, "原期限")
    new = forms.day(errors, "requested_due_on", requested_due_on, "申请延至日期", after=cur)
    if errors or cur is None or new is None:
        return HTMLResponse(f'<span class="field-error">{next(iter(errors.values()), "")}</span>')
    days = await task_view.workdays(ctx(request).services, session, cur, new)
    text = (
        f"比原期限 {cur.isoformat()} 延长 {days} 个工作日"
        if days is not None
        else "工作日天数暂时无法计算（期限服务暂不可用）"
    )
    return HTMLResponse(f'<span class="hint">{text}</span>')


async def act(
    request: Request, session: Session, task_id: str, action: str, form: FormData, errors: dict, call
) -> Response:
    values = {k: v for k, v in form.items() if isinstance(v, str) and k != "csrf_token"}
    if errors:
        return await page(request, session, task_id, 422, errors=errors, form=values, open_form=action)
    try:
        await call()
    except Refused as error:
        return await page(
            request,
            session,
            task_id,
            422 if error.status == 422 else 409,
            problem=f"未能办理：{error.detail}",
            errors=error.fields(),
            form=values,
            open_form=action,
        )
    except Unavailable as error:
        return await page(
            request,
            session,
            task_id,
            503,
            problem=f"{error.label}暂时无法访问，本次操作没有提交，请稍后再试。",
            form=values,
            open_form=action,
        )
    except NotFound:
        return await page(
            request,
            session,
            task_id,
            404,
            problem="附件上传服务暂未开通，请先去掉附件再提交。",
            form=values,
            open_form=action,
        )
    return redirect(f"/tasks/{task_id}?done={action}")


def tasks_path(session: Session, task_id: str, tail: str) -> str:
    return f"/v1/tenants/{session.tenant}/tasks/{task_id}/{tail}"


def tasking_action(action: str, reason_label: str | None = None):
    """签收 and 审核通过 (nothing to fill in); 退回 and 退回重办 (a reason)."""

    async def handle(
        request: Request, task_id: str, form: FormData = Depends(checked_form), session: Session = Depends(current)
    ):
        errors: dict = {}
        body: dict = {}
        if reason_label:
            body["reason"] = forms.text(form, "reason")
            forms.need(errors, "reason", body["reason"], reason_label, least=2)
        return await act(
            request,
            session,
            task_id,
            action,
            form,
            errors,
            lambda: ctx(request).services.post("tasking", tasks_path(session, task_id, action), session.token, body),
        )

    router.post(f"/tasks/{{task_id}}/{action}")(handle)


tasking_action("acknowledge")
tasking_action("decline", "退回理由")
tasking_action("accept")
tasking_action("return", "退回理由")


@router.post("/tasks/{task_id}/progress")
async def progress(
    request: Request, task_id: str, form: FormData = Depends(checked_form), session: Session = Depends(current)
):
    errors: dict = {}
    text = forms.text(form, "text")
    forms.need(errors, "text", text, "进展情况", most=10000)
    pct = forms.percent(errors, "progress", forms.text(form, "progress"))

    async def call():
        ids = await upload(request, session, task_id, forms.files(form))
        await ctx(request).services.post(
            "tasking",
            tasks_path(session, task_id, "progress"),
            session.token,
            {"text": text, "progress": pct, **({"attachments": ids} if ids else {})},
        )

    return await act(request, session, task_id, "progress", form, errors, call)


def report(action: str, label: str, service: str, tail: str, least: int = 1):
    """A text with files: 办结报告, 协办意见, 书面说明 (the files are stored first)."""

    async def handle(
        request: Request, task_id: str, form: FormData = Depends(checked_form), session: Session = Depends(current)
    ):
        errors: dict = {}
        text = forms.text(form, "text")
        forms.need(errors, "text", text, label, least=least, most=20000)

        async def call():
            ids = await upload(request, session, task_id, forms.files(form), service)
            await ctx(request).services.post(
                service, tasks_path(session, task_id, tail), session.token, {"text": text, "attachments": ids}
            )

        return await act(request, session, task_id, action, form, errors, call)

    router.post(f"/tasks/{{task_id}}/{action}")(handle)


report("completion", "办结情况", "tasking", "completion")
report("input", "协办意见", "tasking", "inputs")
report("explanation", "书面说明", "escalation", "explanations", least=10)


@router.post("/tasks/{task_id}/extension")
async def extension(
    request: Request, task_id: str, form: FormData = Depends(checked_form), session: Session = Depends(current)
):
    errors: dict = {}
    current_due = forms.day({}, "x", forms.text(form, "current_due_on"), "原期限", required=False)
    new = forms.day(errors, "requested_due_on", forms.text(form, "requested_due_on"), "申请延至日期", after=current_due)
    reason = forms.text(form, "reason")
    forms.need(errors, "reason", reason, "延期理由", least=2)
    body = {"reason": reason, "requested_due_on": new.isoformat() if new else None, "requested_by": session.name}
    return await act(
        request,
        session,
        task_id,
        "extension",
        form,
        errors,
        lambda: ctx(request).services.post("deadline", tasks_path(session, task_id, "extensions"), session.token, body),
    )


@router.post("/tasks/{task_id}/extensions/{extension_id}/decision")
async def decide(
    request: Request,
    task_id: str,
    extension_id: str,
    form: FormData = Depends(checked_form),
    session: Session = Depends(current),
):
    errors: dict = {}
    decision = forms.text(form, "decision")
    if decision not in ("approved", "denied"):
        errors["decision"] = "请选择批准或不予批准"
    reason = forms.text(form, "decision_reason")
    if decision == "denied":
        forms.need(errors, "decision_reason", reason, "不予批准的理由", least=2)
    body = {"decision": decision, "reason": reason or None, "decided_by": session.name}
    return await act(
        request,
        session,
        task_id,
        "decide",
        form,
        errors,
        lambda: ctx(request).services.post(
            "deadline", tasks_path(session, task_id, f"extensions/{extension_id}/decision"), session.token, body
        ),
    )


@router.post("/tasks/{task_id}/reassign")
async def reassign(
    request: Request, task_id: str, form: FormData = Depends(checked_form), session: Session = Depends(current)
):
    errors: dict = {}
    lead = forms.text(form, "lead_unit")
    if not lead:
        errors["lead_unit"] = "请选择新的牵头单位"
    reason = forms.text(form, "reassign_reason")
    body = {"lead_unit": lead, "co_units": [], "reason": reason or None}
    return await act(
        request,
        session,
        task_id,
        "reassign",
        form,
        errors,
        lambda: ctx(request).services.post("tasking", tasks_path(session, task_id, "reassign"), session.token, body),
    )


@router.post("/tasks/{task_id}/urge")
async def urge(
    request: Request, task_id: str, form: FormData = Depends(checked_form), session: Session = Depends(current)
):
    errors: dict = {}
    reason = forms.text(form, "urge_reason")
    forms.need(errors, "urge_reason", reason, "催办事由", least=2, most=40)
    return await act(
        request,
        session,
        task_id,
        "urge",
        form,
        errors,
        lambda: ctx(request).services.post(
            "escalation", tasks_path(session, task_id, "urge"), session.token, {"reason": reason}
        ),
    )


@router.post("/tasks/{task_id}/assessment")
async def assess(
    request: Request, task_id: str, form: FormData = Depends(checked_form), session: Session = Depends(current)
):
    """At the transfer rung the office judges the unit's written explanation 充分 or 不充分."""
    errors: dict = {}
    verdict = forms.text(form, "assessment")
    if verdict not in ("充分", "不充分"):
        errors["assessment"] = "请选择“充分”或“不充分”"
    reason = forms.text(form, "assessment_reason")
    forms.need(errors, "assessment_reason", reason, "审核意见", least=2)
    body = {"assessment": verdict, "reason": reason}
    return await act(
        request,
        session,
        task_id,
        "assessment",
        form,
        errors,
        lambda: ctx(request).services.post(
            "escalation", tasks_path(session, task_id, "explanation-assessment"), session.token, body
        ),
    )
