"""Signing in and out: demo accounts (embedded run) or OpenID Connect (production)."""

from __future__ import annotations

import hmac
import secrets
import time
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from starlette.datastructures import FormData

from ..adapters.identity import NotAllowed, Unauthorized
from ..adapters.oidc import FLOW_COOKIE, FLOW_TTL_S, FlowError
from ..adapters.session import COOKIE, CSRF_FIELD, Session
from .web import (
    LEADER,
    OFFICE,
    OFFICE_DEPUTY,
    OFFICE_DIRECTOR,
    UNIT,
    UNIT_HEAD,
    checked_form,
    current,
    redirect,
    render,
)

LOGIN_CSRF = "duban_login_csrf"
HOME = {
    OFFICE: "/office",
    UNIT: "/todo",
    LEADER: "/kanban",
    UNIT_HEAD: "/approvals",
    OFFICE_DEPUTY: "/approvals",
    OFFICE_DIRECTOR: "/approvals",
}


def safe_next(url: str | None) -> str:
    """Only a path of this site (never //host or a scheme): no open redirect."""
    return url if url and url.startswith("/") and not url.startswith("//") and "\\" not in url else "/"


def secure(request: Request) -> bool:
    setting = request.app.state.ctx.settings.cookie_secure
    return setting if setting is not None else request.url.scheme == "https"


def signed_in(request: Request, session: Session, next_url: str):
    response = redirect(safe_next(next_url))
    seal = request.app.state.ctx.seal
    response.set_cookie(
        COOKIE,
        seal.seal(session),
        httponly=True,
        samesite="lax",
        secure=secure(request),
        max_age=max(int(session.expires_at - time.time()), 1),
        path="/",
    )
    response.delete_cookie(LOGIN_CSRF, path="/login")
    response.delete_cookie(FLOW_COOKIE, path="/oidc")
    return response


router = APIRouter()


@router.get("/")
async def home(session: Session = Depends(current)):
    return redirect(HOME.get(session.role, "/kanban"))


@router.get("/login")
async def login_page(request: Request, next: str | None = None, out: int = 0):
    state = request.app.state
    if state.oidc is not None:
        return redirect(f"/oidc/login?next={quote(safe_next(next), safe='')}")
    token = secrets.token_urlsafe(24)
    response = render(
        request, "login.html", next=safe_next(next), csrf=token, out=out, accounts=state.identity.accounts or {}
    )
    response.set_cookie(
        LOGIN_CSRF, token, httponly=True, samesite="strict", secure=secure(request), path="/login", max_age=3600
    )
    return response


@router.post("/login")
async def login(
    request: Request,
    username: str = Form(""),
    password: str = Form(""),
    next: str = Form("/"),
    csrf_token: str = Form(""),
):
    state = request.app.state
    if state.oidc is not None:  # demo accounts are refused where an identity provider is configured
        return render(
            request,
            "error.html",
            403,
            title="不能使用演示账号",
            message="本系统已接入统一身份认证，请通过单位统一身份认证登录。",
        )
    expected = request.cookies.get(LOGIN_CSRF, "")
    if not expected or not hmac.compare_digest(expected, csrf_token):
        return render(
            request, "error.html", 403, title="请求无效", message="登录页面已失效或请求来源不明，请重新打开登录页面。"
        )
    errors = {}
    if not username.strip():
        errors["username"] = "请输入用户名"
    if not password:
        errors["password"] = "请输入密码"
    session = None if errors else state.identity.demo_login(username, password)
    if session is None:
        errors = errors or {"password": "用户名或密码不正确"}
        response = render(
            request,
            "login.html",
            422,
            next=safe_next(next),
            csrf=expected,
            errors=errors,
            form={"username": username},
            accounts=state.identity.accounts or {},
        )
        return response
    return signed_in(request, session, next)


@router.post("/logout")
async def logout(request: Request, _form: FormData = Depends(checked_form)):
    response = redirect("/login?out=1")
    response.delete_cookie(COOKIE, path="/")
    return response


@router.get("/expired")
async def expired(request: Request):
    response = render(request, "expired.html", 401)
    response.delete_cookie(COOKIE, path="/")
    return response


@router.get("/oidc/login")
async def oidc_login(request: Request, next: str | None = None):
    state = request.app.state
    if state.oidc is None:
        return redirect("/login")
    url, flow = await state.oidc.start(state.ctx.seal.fernet, safe_next(next))
    response = redirect(url)
    response.set_cookie(
        FLOW_COOKIE, flow, httponly=True, samesite="lax", secure=secure(request), path="/oidc", max_age=FLOW_TTL_S
    )
    return response


@router.get("/oidc/callback")
async def oidc_callback(request: Request, state: str = "", code: str = "", error: str | None = None):
    app_state = request.app.state
    if app_state.oidc is None:
        return redirect("/login")
    if error or not code:
        return render(
            request,
            "error.html",
            401,
            title="登录未完成",
            message=f"统一身份认证没有完成登录（{error or '缺少授权码'}），请重新登录。",
        )
    try:
        token, next_url = await app_state.oidc.finish(
            app_state.ctx.seal.fernet, request.cookies.get(FLOW_COOKIE), state, code
        )
        session = app_state.identity.session(token)
    except FlowError as flow_error:
        return render(request, "error.html", 401, title="登录未完成", message=str(flow_error))
    except (Unauthorized, NotAllowed):
        return render(
            request,
            "error.html",
            403,
            title="无权使用工作台",
            message="您的账号没有督查督办工作台的使用权限（需要督查室、承办单位、单位领导、政府办公室、领导或纪检监察角色），请联系系统管理员。",
        )
    return signed_in(request, session, next_url)


__all__ = ["router", "CSRF_FIELD"]
