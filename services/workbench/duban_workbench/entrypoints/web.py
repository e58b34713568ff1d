"""What every page shares: the templates, the signed-in person, CSRF, and the pages for
refusals (未登录, 登录已过期, 404, a service that is down)."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from starlette.datastructures import FormData

from duban_common.contracts.submissions import KIND_LABEL

from ..adapters.services import Services
from ..adapters.session import COOKIE, CSRF_FIELD, CSRF_HEADER, Expired, Session, SessionSeal
from .timeline import local as local_time

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).resolve().parents[1] / "templates"))
OFFICE, UNIT, LEADER, DISCIPLINE = "supervision_office", "unit", "leader", "discipline"
UNIT_HEAD, OFFICE_DEPUTY, OFFICE_DIRECTOR = "unit_head", "office_deputy", "office_director"
ROLE_LABELS = {
    OFFICE: "督查室",
    UNIT: "承办单位",
    LEADER: "领导",
    DISCIPLINE: "纪检监察",
    UNIT_HEAD: "单位领导",
    OFFICE_DEPUTY: "政府办公室分管副主任",
    OFFICE_DIRECTOR: "政府办公室主任",
}


class LoginRequired(Exception):
    def __init__(self, next_url: str) -> None:
        self.next_url = next_url


class SessionExpired(Exception):
    pass


class PageNotFound(Exception):
    pass


@dataclass
class Context:
    """The app's parts a route needs (set on app.state by bootstrap)."""

    services: Services
    seal: SessionSeal
    settings: Any
    units: dict[str, list[dict]]  # tenant → its units directory (read once per tenant)


def ctx(request: Request) -> Context:
    return request.app.state.ctx


def current(request: Request) -> Session:
    try:
        session = ctx(request).seal.open(request.cookies.get(COOKIE))
    except Expired:
        raise SessionExpired() from None
    if session is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise LoginRequired(target)
    request.state.session = session
    return session


def role(*allowed: str):
    """A dependency: the session, when its role is one of ``allowed`` (else the 404 page: a
    page someone may not use does not exist for them)."""

    def check(session: Session = Depends(current)) -> Session:
        if session.role not in allowed:
            raise PageNotFound()
        return session

    return check


CSRF_REFUSED = "表单校验码缺失或不符（CSRF）"  # the error handler answers it with the 请求无效 page


async def checked_form(request: Request, session: Session = Depends(current)) -> FormData:
    """The form of a state-changing request, after its CSRF token was checked."""
    form = await request.form()
    sent = str(form.get(CSRF_FIELD) or request.headers.get(CSRF_HEADER) or "")
    if not sent or not hmac.compare_digest(sent, session.csrf):
        raise HTTPException(403, CSRF_REFUSED)
    return form


def render(request: Request, template: str, status: int = 200, **values: Any) -> HTMLResponse:
    session = getattr(request.state, "session", None)
    values.setdefault("errors", {})
    values.setdefault("form", {})
    values.setdefault("open_form", None)
    return TEMPLATES.TemplateResponse(
        request, template, {"session": session, "role_labels": ROLE_LABELS, **values}, status_code=status
    )


def redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def login_redirect(next_url: str) -> RedirectResponse:
    return redirect(f"/login?next={quote(next_url, safe='')}")


async def units_of(request: Request, session: Session) -> list[dict]:
    """The tenant's units directory (cached per process: it rarely changes)."""
    context = ctx(request)
    units = context.units.get(session.tenant)
    if not units:
        units = (await context.services.get("tasking", f"/v1/tenants/{session.tenant}/units", session.token))["items"]
        context.units[session.tenant] = units
    return units


async def listing(
    request: Request, session: Session, service: str, tail: str, template: str, offset: int, limit: int, **params
) -> HTMLResponse:
    """A page of one of the tenant's lists (``/v1/tenants/<tenant>/<tail>`` of ``service``)."""
    start = max(offset, 0)
    data = await ctx(request).services.get(
        service, f"/v1/tenants/{session.tenant}/{tail}", session.token, limit=limit, offset=start, **params
    )
    return render(request, template, data=data, offset=start, limit=limit)


async def unit_names(request: Request, session: Session) -> dict[str, str]:
    return {u["code"]: u["name"] for u in await units_of(request, session)}


def _kind_label(kind: str | None) -> str:
    return KIND_LABEL.get(kind or "", kind or "—")


def _rule_label(rule: str | None) -> str:
    return f"{KIND_LABEL[rule]}办理时限" if rule in KIND_LABEL else "本县督办时限规定"


TEMPLATES.env.filters["kind_label"] = _kind_label
TEMPLATES.env.filters["rule_label"] = _rule_label
TEMPLATES.env.filters["local"] = local_time
