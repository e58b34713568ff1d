"""待我签批: the drafts waiting for one of the signed-in person's steps, gathered from the three
services that own drafts (tasking, escalation, reporting), and the step taken from the page."""

from __future__ import annotations

import asyncio
import re
from datetime import date, datetime

from fastapi import APIRouter, Depends, Request
from starlette.datastructures import FormData

from duban_common.calendar import TZ

from ..adapters.services import NotFound, Refused, Services, Unavailable
from ..adapters.session import Session
from . import forms, task_view
from .web import (
    LEADER,
    OFFICE,
    OFFICE_DEPUTY,
    OFFICE_DIRECTOR,
    ROLE_LABELS,
    UNIT_HEAD,
    checked_form,
    ctx,
    redirect,
    render,
    role,
    unit_names,
)

SIGNERS = (OFFICE, LEADER, UNIT_HEAD, OFFICE_DEPUTY, OFFICE_DIRECTOR)
OWNERS = ("tasking", "escalation", "reporting")  # the services that hold drafts

router = APIRouter()


def waiting_step(draft: dict) -> dict | None:
    """The first step nobody has taken yet (the one the draft waits for)."""
    return next((step for step in draft["steps"] if step.get("person") is None), None)


def since(draft: dict) -> str:
    """When the draft began to wait at its step: the last step taken, else its creation."""
    taken = [step["at"] for step in draft["steps"] if step.get("at")]
    return str(max(taken) if taken else draft["created_at"])


def local_day(at: str) -> date:
    return datetime.fromisoformat(at.replace("Z", "+00:00")).astimezone(TZ).date()


async def gathered(services: Services, session: Session) -> tuple[list[dict], list[str]]:
    """Every service's drafts waiting for me, oldest wait first, and a line for each service that is down."""
    answers = await asyncio.gather(
        *(services.get(owner, f"/v1/tenants/{session.tenant}/approvals", session.token, mine=1) for owner in OWNERS),
        return_exceptions=True,
    )
    items: list[dict] = []
    down: list[str] = []
    for owner, answer in zip(OWNERS, answers):
        if isinstance(answer, Unavailable):
            down.append(f"{answer.label}暂时无法访问：其中待签批的文稿暂不显示，其他文稿不受影响。")
        elif isinstance(answer, (Refused, NotFound)):
            down.append(f"{owner} 未能列出待签批的文稿：{answer}")
        elif isinstance(answer, BaseException):
            raise answer
        else:
            items.extend(
                {**draft, "service": owner, "step": waiting_step(draft), "since": since(draft)} for draft in answer
            )
    items.sort(key=lambda item: item["since"])
    return items, down


async def with_workdays(services: Services, session: Session, items: list[dict]) -> None:
    """Each item's working days waited (``waited``), from the tenant's calendar in one call; None when unknown."""
    days = [local_day(item["since"]) for item in items]
    today = await task_view.services_today(services, session) if days else None
    try:
        counts = await task_view.workday_counts(services, session, min(days), today) if today else None
    except Refused:
        counts = None
    for item, day in zip(items, days):
        item["waited"] = None if counts is None else counts.get(today.isoformat(), 0) - counts.get(day.isoformat(), 0)


async def with_report_texts(services: Services, session: Session, items: list[dict], down: list[str]) -> None:
    """A unit's completion report says what it signs: its text (``said``), from the task in tasking."""
    reports = [item for item in items if item["doc_type"] == "completion_report" and item.get("task_id")]
    tasks = await asyncio.gather(
        *(
            task_view.optional(
                services.get("tasking", f"/v1/tenants/{session.tenant}/tasks/{item['task_id']}", session.token),
                down,
                "办结报告正文",
            )
            for item in reports
        )
    )
    for item, task in zip(reports, tasks):
        texts = [report["text"] for report in (task or {}).get("reports", []) if report.get("type") == "completion"]
        item["said"] = texts[-1] if texts else None


def readable(person: str, units: dict[str, str]) -> str:
    """Who drafted, as a clerk reads it: a service's ``role:subject`` becomes the role's name, a unit's code its name."""
    shown = re.sub(r"^(\w+):[^（\s]*", lambda match: ROLE_LABELS.get(match.group(1), match.group(0)), person)
    for code, name in units.items():
        shown = shown.replace(f"（{code}）", f"（{name}）")
    return shown


async def with_drafters(request: Request, session: Session, items: list[dict]) -> None:
    try:
        units = await unit_names(request, session) if items else {}
    except (Unavailable, Refused):
        units = {}
    for item in items:
        item["drafted_by"] = readable(item["created_by"], units)


async def outcome(services: Services, session: Session, done: str | None) -> str | None:
    """What the last action did, in words (read back from the draft's service)."""
    owner, _, draft_id = (done or "").partition(":")
    if owner not in OWNERS or not draft_id:
        return None
    try:
        draft = await services.get(owner, f"/v1/tenants/{session.tenant}/drafts/{draft_id}", session.token)
    except (Unavailable, NotFound, Refused):
        return None
    if draft["status"] == "refused":
        return f"已退回：{draft['title']}"
    taken = [step for step in draft["steps"] if step.get("person")]
    did = taken[-1]["action"] if taken else "签发"
    if draft["status"] == "issued":
        return f"已{did}，编号 {draft['number']}" if draft.get("number") else f"已{did}：{draft['title']}"
    return f"已{did}：{draft['title']}，现待{draft['waiting_for']}"


async def page(request: Request, session: Session, status: int = 200, **values):
    services = ctx(request).services
    items, down = await gathered(services, session)
    await with_workdays(services, session, items)
    await with_report_texts(services, session, items, down)
    await with_drafters(request, session, items)
    notice = await outcome(services, session, request.query_params.get("done"))
    return render(request, "approvals.html", status, items=items, down=down, notice=notice, **values)


@router.get("/approvals")
async def approvals(request: Request, session: Session = Depends(role(*SIGNERS))):
    return await page(request, session)


@router.post("/approvals/{owner}/{draft_id}")
async def take_step(
    request: Request,
    owner: str,
    draft_id: str,
    form: FormData = Depends(checked_form),
    session: Session = Depends(role(*SIGNERS)),
):
    if owner not in OWNERS:
        return await page(request, session, 404, problem="没有这份文稿。")
    decision, reason, action = forms.text(form, "decision"), forms.text(form, "reason"), forms.text(form, "action")
    errors: dict = {}
    if decision == "refuse":
        forms.need(errors, f"reason-{draft_id}", reason, "退回理由")
    elif decision != "approve":
        errors[f"reason-{draft_id}"] = "请选择同意或退回"
    if errors:
        return await page(request, session, 422, errors=errors, form={f"reason-{draft_id}": reason})
    body = {"decision": decision, "reason": reason or None, "action": action or None}
    try:
        await ctx(request).services.post(
            owner, f"/v1/tenants/{session.tenant}/drafts/{draft_id}/steps", session.token, body
        )
    except Refused as refusal:
        return await page(
            request, session, refusal.status, problem=f"未能办理：{refusal.detail}", form={f"reason-{draft_id}": reason}
        )
    return redirect(f"/approvals?done={owner}:{draft_id}")
