"""抽查回访 (draw, callbacks), the leaders' 看板 (the reporting service's dashboard, fetched
with the person's own token) and the published reports' documents."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData

from duban_common.contracts.submissions import KIND_LABEL

from ..adapters.services import Refused
from ..adapters.session import Session
from . import forms
from .task_view import optional
from .web import DISCIPLINE, LEADER, OFFICE, checked_form, ctx, redirect, render, role

DASHBOARD_CSP = "default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; form-action 'self'; frame-ancestors 'self'; base-uri 'none'"


router = APIRouter()


@router.get("/reports/{report_id}/document.{fmt}")
async def report_document(
    request: Request, report_id: str, fmt: str, session: Session = Depends(role(OFFICE, LEADER, DISCIPLINE))
):
    """A bulletin or special report (督查通报, 督查专报) as the reporting service renders it."""
    res = await ctx(request).services.request(
        "reporting", "GET", f"/v1/tenants/{session.tenant}/reports/{report_id}/document.{fmt}", session.token
    )
    return Response(
        res.content,
        media_type=res.headers.get("content-type"),
        headers={"Content-Disposition": res.headers.get("content-disposition", "attachment")},
    )


# --- 抽查回访 ---


@router.get("/spot-checks")
async def spot_checks(request: Request, session: Session = Depends(role(OFFICE))):
    return render(request, "spot_checks.html")


@router.post("/spot-checks")
async def draw(request: Request, form: FormData = Depends(checked_form), session: Session = Depends(role(OFFICE))):
    errors: dict = {}
    kind = forms.text(form, "kind") or "online_message"
    rate_text = forms.text(form, "rate")
    rate = None
    if rate_text:
        try:
            rate = float(rate_text) / 100
            assert 0 < rate <= 1
        except (ValueError, AssertionError):
            errors["rate"] = "抽查比例应是 1 到 100 之间的数"
    if errors:
        return render(request, "spot_checks.html", 422, errors=errors, form={"kind": kind, "rate": rate_text})
    try:
        check = await ctx(request).services.post(
            "tasking", f"/v1/tenants/{session.tenant}/spot-checks", session.token, {"kind": kind, "rate": rate}
        )
    except Refused as error:
        detail = error.detail.replace(f"“{kind}”", f"“{KIND_LABEL.get(kind, kind)}”")
        return render(
            request, "spot_checks.html", 409, problem=f"未能抽取：{detail}", form={"kind": kind, "rate": rate_text}
        )
    return redirect(f"/spot-checks/{check['id']}")


@router.get("/spot-checks/{check_id}")
async def spot_check(request: Request, check_id: str, session: Session = Depends(role(OFFICE))):
    check = await ctx(request).services.get(
        "tasking", f"/v1/tenants/{session.tenant}/spot-checks/{check_id}", session.token
    )
    return render(
        request,
        "spot_check.html",
        check=check,
        done=request.query_params.get("done"),
        tasks=await drawn_tasks(request, session, check),
    )


async def drawn_tasks(request: Request, session: Session, check: dict) -> dict[str, dict]:
    """The selected tasks (title, unit, notice number), so that the clerk knows whom to call about what."""
    ids = [d["task_id"] for d in check["draws"] if d["selected"]][:100]
    got = await asyncio.gather(
        *(
            optional(
                ctx(request).services.get("tasking", f"/v1/tenants/{session.tenant}/tasks/{i}", session.token), [], ""
            )
            for i in ids
        )
    )
    return {i: t for i, t in zip(ids, got) if t}


@router.post("/spot-checks/{check_id}/callbacks/{task_id}")
async def callback(
    request: Request,
    check_id: str,
    task_id: str,
    form: FormData = Depends(checked_form),
    session: Session = Depends(role(OFFICE)),
):
    satisfied = forms.text(form, "satisfied")
    note = forms.text(form, "note")
    if satisfied not in ("yes", "no") or len(note) > 2000:
        check = await ctx(request).services.get(
            "tasking", f"/v1/tenants/{session.tenant}/spot-checks/{check_id}", session.token
        )
        errors = (
            {f"satisfied_{task_id}": "请选择回访结果：满意或不满意"}
            if satisfied not in ("yes", "no")
            else {f"note_{task_id}": "回访记录不能超过 2000 个字"}
        )
        return render(
            request,
            "spot_check.html",
            422,
            check=check,
            errors=errors,
            form={f"note_{task_id}": note},
            tasks=await drawn_tasks(request, session, check),
        )
    await ctx(request).services.post(
        "tasking",
        f"/v1/tenants/{session.tenant}/spot-checks/{check_id}/callbacks/{task_id}",
        session.token,
        {"satisfied": satisfied == "yes", "note": note or None},
    )
    return redirect(f"/spot-checks/{check_id}?done=1")


# --- 看板 ---


@router.get("/kanban")
async def kanban(request: Request, session: Session = Depends(role(OFFICE, LEADER, DISCIPLINE))):
    params = {k: v for k in ("period", "from", "to", "overdue_offset") if (v := request.query_params.get(k))}
    res = await ctx(request).services.request(
        "reporting", "GET", f"/v1/tenants/{session.tenant}/dashboard", session.token, params=params
    )
    # the dashboard's own links go to the API; here they go to the workbench's pages
    html = res.text.replace(f"/v1/tenants/{session.tenant}/ledger.xlsx", "/ledger.xlsx").replace(
        f"/v1/tenants/{session.tenant}/statistics", "/kanban"
    )
    html = html.replace("</head>", '<link rel="stylesheet" href="/static/kanban.css"></head>', 1)
    bar = '<nav class="wb-bar"><a class="wb-back" href="/">&larr; 返回督查督办工作台</a>'
    bar += '<a class="wb-back" href="/approvals">待我签批</a></nav>' if session.role in (OFFICE, LEADER) else "</nav>"
    html = html.replace("<body>", f"<body>{bar}", 1)
    return HTMLResponse(html, headers={"Content-Security-Policy": DASHBOARD_CSP})
