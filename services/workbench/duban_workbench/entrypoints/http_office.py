"""The supervision office's pages: 首页 with its queues, 来件 triage, 交办, the queues."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Depends, Request
from starlette.datastructures import FormData

from duban_common.pii import mask_phones_in_text

from ..adapters.services import Refused, Unavailable
from ..adapters.session import Session
from . import forms
from .task_view import optional
from .web import LEADER, OFFICE, checked_form, ctx, listing, redirect, render, role, units_of

HANDLING_TYPES = (
    "department",
    "township",
    "office",
)  # units that take tasks (not the office itself, not copy recipients)
QUEUES = {  # name → (title, service, path tail, query)
    "review": ("待审核", "reporting", "ledger", {"status": "completion_submitted", "sort": "due_on"}),
    "due-soon": ("临期", "reporting", "ledger", {"light": "yellow", "sort": "due_on"}),
    "overdue": ("逾期", "reporting", "ledger", {"light": "red", "sort": "due_on"}),
    "extensions": ("延期待批", "deadline", "extensions", {"status": "pending"}),
    "declined": ("已退回待重新交办", "reporting", "ledger", {"status": "declined", "sort": "due_on"}),
    # at the transfer rung: the unit's written explanation waits for the office's 充分/不充分
    "explanations": ("书面说明待审核", "escalation", "explanation-assessments", {}),
}
PAGE = 20


def handling(units: list[dict]) -> list[dict]:
    return [u for u in units if u.get("type") in HANDLING_TYPES and u.get("active", True)]


router = APIRouter()


@router.get("/office")
async def home(request: Request, session: Session = Depends(role(OFFICE))):
    context, base, down = ctx(request), f"/v1/tenants/{session.tenant}", []

    async def total(service: str, path: str, what: str, **params) -> int | None:
        got = await optional(
            context.services.get(service, f"{base}/{path}", session.token, limit=1, **params), down, what
        )
        return None if got is None else got["total"]

    counts = await asyncio.gather(
        total("intake", "submissions", "待立项数", status="pending"),
        total("tasking", "matters", "待交办数", status="awaiting_assignment"),
        total("reporting", "ledger", "待审核、临期、逾期数", status="completion_submitted"),
        total("reporting", "ledger", "临期数", light="yellow"),
        total("reporting", "ledger", "逾期数", light="red"),
        total("deadline", "extensions", "延期待批数", status="pending"),
        total("escalation", "explanation-assessments", "书面说明待审核数"),
    )
    tiles = [
        ("待立项", "/intake", counts[0], ""),
        ("待交办", "/assign", counts[1], ""),
        ("待审核", "/queue/review", counts[2], ""),
        ("临期", "/queue/due-soon", counts[3], "yellow"),
        ("逾期", "/queue/overdue", counts[4], "red"),
        ("延期待批", "/queue/extensions", counts[5], ""),
        ("说明待审核", "/queue/explanations", counts[6], ""),
    ]
    return render(request, "office_home.html", tiles=tiles, down=list(dict.fromkeys(down)))


@router.get("/queue/{name}")
async def queue(request: Request, name: str, offset: int = 0, session: Session = Depends(role(OFFICE, LEADER))):
    if name not in QUEUES:
        return render(request, "error.html", 404, title="页面不存在", message="没有这个工作队列。")
    title, service, tail, params = QUEUES[name]
    context = ctx(request)
    names = {u["code"]: u["name"] for u in await units_of(request, session)}
    data = await context.services.get(
        service, f"/v1/tenants/{session.tenant}/{tail}", session.token, limit=PAGE, offset=max(offset, 0), **params
    )
    return render(
        request, "queue.html", title=title, name=name, data=data, names=names, offset=max(offset, 0), limit=PAGE
    )


# --- 来件: the triage queue ---


@router.get("/intake")
async def intake(request: Request, offset: int = 0, session: Session = Depends(role(OFFICE))):
    return await listing(request, session, "intake", "submissions", "intake_list.html", offset, PAGE, status="pending")


async def submission_page(request: Request, session: Session, sid: str, status: int = 200, **extra):
    sub = await ctx(request).services.get("intake", f"/v1/tenants/{session.tenant}/submissions/{sid}", session.token)
    data = sub.get("data") or {}
    items = (
        data.get("decisions")
        or data.get("items")
        or data.get("tasks")
        or [{"seq": 1, "title": data.get("title") or sub["title"]}]
    )
    content = mask_phones_in_text(str(data.get("content") or ""))
    return render(
        request,
        "intake_detail.html",
        status,
        sub=sub,
        data=data,
        items=items,
        content=content,
        units=handling(await units_of(request, session)),
        **extra,
    )


@router.get("/intake/{sid}")
async def submission(request: Request, sid: str, session: Session = Depends(role(OFFICE))):
    return await submission_page(request, session, sid)


def values(form: FormData) -> dict:
    out: dict = {}
    for field, value in form.multi_items():
        if field != "csrf_token" and isinstance(value, str):
            out.setdefault(field, []).append(value)
    return {k: v if len(v) > 1 or k.startswith("co_") else v[0] for k, v in out.items()}


@router.post("/intake/{sid}/register")
async def register(
    request: Request, sid: str, form: FormData = Depends(checked_form), session: Session = Depends(role(OFFICE))
):
    seqs = [int(x) for x in form.getlist("seq") if str(x).isdigit()]
    errors, items = {}, []
    for seq in seqs:
        lead = forms.text(form, f"lead_{seq}")
        if not lead:
            errors[f"lead_{seq}"] = f"请为第 {seq} 项选择牵头单位"
            continue
        co_units = [u for u in form.getlist(f"co_{seq}") if u and u != lead]
        due = forms.day(errors, f"due_{seq}", forms.text(form, f"due_{seq}"), "办理期限", required=False)
        items.append(
            {"seq": seq, "lead_unit": lead, "co_units": co_units, **({"due_on": due.isoformat()} if due else {})}
        )
    note = forms.text(form, "note")
    if len(note) > 1000:
        errors["note"] = "立项意见不能超过 1000 个字"
    if errors:
        return await submission_page(request, session, sid, 422, errors=errors, form=values(form))
    try:
        done = await ctx(request).services.post(
            "intake",
            f"/v1/tenants/{session.tenant}/submissions/{sid}/register",
            session.token,
            {"items": items, "note": note or None},
        )
    except Refused as error:
        return await submission_page(request, session, sid, 409, problem=f"未能立项：{error.detail}", form=values(form))
    except Unavailable as error:
        return await submission_page(
            request, session, sid, 503, problem=f"{error.label}暂时无法访问，本次立项没有提交。", form=values(form)
        )
    return redirect(f"/intake?registered={len(done.get('matter_ids', []))}")


@router.post("/intake/{sid}/refuse")
async def refuse(
    request: Request, sid: str, form: FormData = Depends(checked_form), session: Session = Depends(role(OFFICE))
):
    errors: dict = {}
    reason = forms.text(form, "refuse_reason")
    forms.need(errors, "refuse_reason", reason, "不予立项的理由", least=2)
    if errors:
        return await submission_page(request, session, sid, 422, errors=errors, form=values(form), open_form="refuse")
    try:
        await ctx(request).services.post(
            "intake", f"/v1/tenants/{session.tenant}/submissions/{sid}/refuse", session.token, {"reason": reason}
        )
    except Refused as error:
        return await submission_page(
            request, session, sid, 409, problem=f"未能办理：{error.detail}", form=values(form), open_form="refuse"
        )
    return redirect("/intake?refused=1")
