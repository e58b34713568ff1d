"""台账 (filters, search, paging, .xlsx export) and 交办 (assign or split)."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from ..adapters.services import Refused, Unavailable
from ..adapters.session import Session
from . import forms
from .http_office import PAGE, handling
from .web import (
    DISCIPLINE,
    LEADER,
    OFFICE,
    UNIT,
    checked_form,
    ctx,
    current,
    listing,
    redirect,
    render,
    role,
    unit_names,
    units_of,
)

LEDGER_FILTERS = ("q", "status", "light", "kind", "unit", "period", "sort")
SPLIT_ROWS = 3


router = APIRouter()


@router.get("/ledger")
async def ledger(request: Request, offset: int = 0, session: Session = Depends(role(OFFICE, UNIT, LEADER, DISCIPLINE))):
    chosen = {k: request.query_params.get(k, "") for k in LEDGER_FILTERS}
    names = await unit_names(request, session)
    problem = None
    try:
        data = await ctx(request).services.get(
            "reporting",
            f"/v1/tenants/{session.tenant}/ledger",
            session.token,
            limit=PAGE,
            offset=max(offset, 0),
            **chosen,
        )
    except Refused as error:
        data, problem = {"total": 0, "items": []}, f"筛选条件有误：{error.detail}"
    query = urlencode({k: v for k, v in chosen.items() if v})
    partial = request.headers.get("hx-request") and request.headers.get("hx-target") == "ledger-table"
    return render(
        request,
        "_ledger_table.html" if partial else "ledger.html",
        data=data,
        chosen=chosen,
        names=names,
        problem=problem,
        units=handling(await units_of(request, session)),
        query=query,
        offset=max(offset, 0),
        limit=PAGE,
        unit_name=names.get(session.unit or ""),
    )


@router.get("/ledger.xlsx")
async def export(request: Request, session: Session = Depends(current)):
    params = {k: v for k in LEDGER_FILTERS if k != "sort" and (v := request.query_params.get(k))}
    res = await ctx(request).services.request(
        "reporting", "GET", f"/v1/tenants/{session.tenant}/ledger.xlsx", session.token, params=params
    )
    return Response(
        res.content,
        media_type=res.headers.get("content-type"),
        headers={"Content-Disposition": res.headers.get("content-disposition", "attachment")},
    )


# --- 交办 ---


@router.get("/assign")
async def awaiting(request: Request, offset: int = 0, session: Session = Depends(role(OFFICE))):
    return await listing(
        request, session, "tasking", "matters", "assign_list.html", offset, PAGE, status="awaiting_assignment"
    )


async def assign_page(request: Request, session: Session, matter_id: str, status: int = 200, **extra):
    data = await ctx(request).services.get(
        "tasking", f"/v1/tenants/{session.tenant}/matters", session.token, status="awaiting_assignment", limit=500
    )
    matter = next((m for m in data["items"] if m["id"] == matter_id), None)
    if matter is None:
        return render(request, "error.html", 404, title="页面不存在", message="该事项不存在或已经交办。")
    number = await ctx(request).services.get(
        "tasking", f"/v1/tenants/{session.tenant}/notice-numbers/next", session.token
    )
    return render(
        request,
        "assign_form.html",
        status,
        matter=matter,
        units=handling(await units_of(request, session)),
        rows=SPLIT_ROWS,
        next_number=number["number"],
        **extra,
    )


@router.get("/matters/{matter_id}/assign")
async def assign_form(request: Request, matter_id: str, session: Session = Depends(role(OFFICE))):
    return await assign_page(request, session, matter_id)


@router.post("/matters/{matter_id}/assign")
async def assign(
    request: Request, matter_id: str, form: FormData = Depends(checked_form), session: Session = Depends(role(OFFICE))
):
    errors, tasks = {}, []
    for row in range(1, SPLIT_ROWS + 1):
        lead = forms.text(form, f"lead_{row}")
        if not lead:
            continue
        weight_text = forms.text(form, f"weight_{row}") or "1"
        try:
            weight = float(weight_text)
            assert 0 < weight <= 1000
        except (ValueError, AssertionError):
            errors[f"weight_{row}"] = "权重应是大于 0、不超过 1000 的数"
            weight = 1.0
        due = forms.day(errors, f"due_{row}", forms.text(form, f"due_{row}"), "办理期限", required=False)
        co_units = [u for u in form.getlist(f"co_{row}") if u and u != lead]
        tasks.append(
            {
                "lead_unit": lead,
                "co_units": co_units,
                "weight": weight,
                "requirement": forms.text(form, f"requirement_{row}") or None,
                **({"due_on": due.isoformat()} if due else {}),
            }
        )
    if not tasks:
        errors["lead_1"] = "请至少选择一个牵头单位"
    values = {k: (form.getlist(k) if k.startswith("co_") else v) for k, v in form.items() if k != "csrf_token"}
    if errors:
        return await assign_page(request, session, matter_id, 422, errors=errors, form=values)
    path = f"/v1/tenants/{session.tenant}/matters/{matter_id}/" + ("assign" if len(tasks) == 1 else "split")
    try:
        done = await ctx(request).services.post(
            "tasking", path, session.token, tasks[0] if len(tasks) == 1 else {"tasks": tasks}
        )
    except Refused as error:
        return await assign_page(request, session, matter_id, 409, problem=f"未能交办：{error.detail}", form=values)
    except Unavailable as error:
        return await assign_page(
            request, session, matter_id, 503, problem=f"{error.label}暂时无法访问，本次交办没有提交。", form=values
        )
    return redirect(f"/tasks/{done['task_ids'][0]}")
