"""The workbench app: pages, static assets, security headers and the operations endpoints."""

from __future__ import annotations

import time
from pathlib import Path

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import PlainTextResponse, Response
from fastapi.staticfiles import StaticFiles
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from ..adapters.services import NotFound, Unavailable
from . import http_approvals, http_auth, http_ledger, http_office, http_review, http_tasks, http_unit
from .web import CSRF_REFUSED, LoginRequired, PageNotFound, SessionExpired, login_redirect, redirect, render

STATIC = Path(__file__).resolve().parents[1] / "static"
# No script but our own files, no inline script or style, no framing, forms only to ourselves
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'self'"
)


def security_headers(app: FastAPI) -> None:
    @app.middleware("http")
    async def headers(request: Request, call_next):
        started = time.perf_counter()
        response = await call_next(request)
        # the page's server time, calls to the services included (bench/workbench.py reads it)
        response.headers["Server-Timing"] = f"app;dur={(time.perf_counter() - started) * 1000:.1f}"
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "same-origin"
        response.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
        if request.url.path not in ("/healthz", "/readyz", "/metrics") and not request.url.path.startswith("/static/"):
            response.headers["Cache-Control"] = "no-store"  # pages carry personal work; never cached
        return response


def error_pages(app: FastAPI) -> None:
    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, error: LoginRequired):
        if request.headers.get("hx-request"):
            return Response(status_code=401, headers={"HX-Redirect": "/login"})
        return login_redirect(error.next_url)

    @app.exception_handler(SessionExpired)
    async def expired(request: Request, _error: SessionExpired):
        if request.headers.get("hx-request"):
            return Response(status_code=401, headers={"HX-Redirect": "/expired"})
        return redirect("/expired")

    @app.exception_handler(PageNotFound)
    @app.exception_handler(NotFound)
    async def not_found(request: Request, _error: Exception):
        return render(
            request, "error.html", 404, title="页面不存在", message="您要找的页面不存在，或者您所在单位无权查看。"
        )

    @app.exception_handler(Unavailable)
    async def unavailable(request: Request, error: Unavailable):
        return render(
            request,
            "error.html",
            503,
            title="暂时无法访问",
            message=f"{error.label}暂时无法访问，请稍后刷新。其他页面不受影响。",
        )

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, error: HTTPException):
        if error.status_code == 403 and error.detail == CSRF_REFUSED:
            return render(
                request,
                "error.html",
                403,
                title="请求无效",
                message="页面已过期或请求来源不明，本次操作没有提交。请返回刷新页面后重试。",
            )
        if error.status_code == 404:
            return await not_found(request, error)
        return PlainTextResponse(str(error.detail), status_code=error.status_code)


def create_app(state) -> FastAPI:
    app = FastAPI(
        title="Duban workbench 督查督办工作台", docs_url=None, redoc_url=None, openapi_url=None, lifespan=state.lifespan
    )
    app.state.ctx = state.ctx
    app.state.identity = state.identity
    app.state.oidc = state.oidc
    security_headers(app)
    error_pages(app)
    app.mount("/static", StaticFiles(directory=str(STATIC)), name="static")
    for module in (http_auth, http_unit, http_tasks, http_office, http_ledger, http_review, http_approvals):
        app.include_router(module.router)

    @app.get("/favicon.ico", include_in_schema=False)
    async def favicon() -> Response:  # browsers ask for it whatever the page says
        return Response(
            (STATIC / "favicon.svg").read_bytes(),
            media_type="image/svg+xml",
            headers={"Cache-Control": "max-age=86400"},
        )

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict:
        return {"status": "ok"}

    @app.get("/readyz", include_in_schema=False)
    async def readyz() -> dict:
        # the workbench holds nothing: it is ready when it serves; each page says which service is down
        return {"status": "ready"}

    @app.get("/metrics", include_in_schema=False)
    async def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return app
