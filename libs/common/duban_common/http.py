"""HTTP helpers every service's API shares."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from http import HTTPStatus
from typing import Annotated, Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, BeforeValidator, ConfigDict
from starlette.exceptions import HTTPException as StarletteHTTPException

from . import problems, subjects
from .logging import get_logger
from .problems import cut

log = get_logger(__name__)


def valid_tenant(tenant: str) -> str:
    """The tenant in a path, or 404 with the slug rule when it cannot be one."""
    try:
        return subjects.validate_tenant(tenant)
    except subjects.SubjectError as error:
        raise HTTPException(404, str(error)) from None


class ErrorItem(BaseModel):
    """One thing wrong with a request: where (``loc``: location, then field names and indexes) and what."""

    model_config = ConfigDict(extra="allow")  # FastAPI's own items also carry input, ctx, url
    loc: list[str | int]
    msg: str
    type: str | None = None


class Problem(BaseModel):
    """The body of every refused request (duban_common.problems): ``detail`` says what was wrong,
    in Chinese; ``errors`` lists each thing wrong with its location (empty when nothing in the
    request itself was)."""

    detail: str
    errors: list[ErrorItem] = []


# For every APIRouter of a service: what its 422 answers really look like (FastAPI would otherwise
# document only its own list-of-errors shape, and a client generated from the document would fail
# on a sentence).
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    422: {"model": Problem, "description": "the request is well-formed but its content was refused: what, and where"},
}
# For a route whose own answer is a page (HTML): its refusals are JSON all the same. (With a model,
# FastAPI would document them in the route's media type.) Problem is in the document's components
# through every other route.
PAGE_ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    422: {
        "description": ERROR_RESPONSES[422]["description"],
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Problem"}}},
    },
}

# The largest row offset a database takes (a signed 64-bit integer, SQLite's and PostgreSQL's
# OFFSET alike): past it a list route answers 422 instead of failing in the driver.
OFFSET_MAX = 2**63 - 1


def _iso_day(value: Any) -> Any:
    """A day is written 2026-11-30 and nothing else: pydantic would also take a number as a Unix
    time (``received_from=-3.9e-13`` listed everything from 1970), which the API's schema refuses."""
    if isinstance(value, date) or (isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value)):
        return value
    raise ValueError("日期格式应为 2026-11-30")


Day = Annotated[date, BeforeValidator(_iso_day)]  # a day in a query or a body: ISO 8601 only


# What every route can be refused with, besides its own answers: the authorizer's (no token,
# another role, tenant or unit), a path naming nothing, and for a write a body that cannot be
# read, one too large, or a state that does not allow it. Documented once, for every route.
REFUSALS: dict[int, str] = {
    400: "the body could not be read as its content type says",
    401: "no bearer token, or one that is expired, forged or of another issuer",
    403: "the token's role, tenant or platform may not do this",
    404: "what the path names does not exist (or is another unit's, which answers the same)",
    409: "the state of what the path names does not allow this now",
    413: "the body is larger than the service takes",
}
WRITES = ("post", "put", "patch", "delete")


def refusals_of(path: str, method: str) -> list[int]:
    codes = [401, 403]
    if "{" in path:
        codes.append(404)
    if method in WRITES:
        codes += [400, 409, 413]
    return sorted(codes)


def document_refusals(schema: dict) -> dict:
    """Add to each ``/v1`` operation of an OpenAPI document the refusals it can answer, in the
    shape they have (:class:`Problem`); what a route documents itself is kept."""
    problem = {"application/json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    if "Problem" not in components:
        own = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
        components.update(own.pop("$defs", {}), Problem=own)
    for path, operations in schema.get("paths", {}).items():
        if not path.startswith("/v1/"):
            continue
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            for code in refusals_of(path, method):
                responses.setdefault(str(code), {"description": REFUSALS[code], "content": problem})
    return schema


def attachment_disposition(name: str, fallback: str) -> str:
    """``Content-Disposition`` of a download under its (Chinese) name: RFC 6266 with the RFC 5987
    ``filename*``, and an ASCII ``filename`` for clients that read only that."""
    from urllib.parse import quote

    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


# --- one error format for every route (duban_common.problems) ---


def problem(
    status: int, detail: str, errors: list[dict[str, Any]] | None = None, headers: Mapping[str, str] | None = None
) -> JSONResponse:
    return JSONResponse({"detail": cut(detail), "errors": errors or []}, status_code=status, headers=headers)


_PLAIN = {404: "没有这个地址", 405: "这个地址不支持该请求方法", 413: "请求内容过大", 500: "服务内部出错，请稍后再试"}


async def _validation(_request: Request, exc: RequestValidationError) -> JSONResponse:
    errs = problems.items(list(exc.errors()))
    return problem(422, problems.summary(errs) or "请求内容不符合要求", errs)


async def _http(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
    detail = exc.detail
    if isinstance(detail, list):  # a route's own list of what was wrong where
        errs = [
            {"loc": list(e.get("loc", [])), "msg": cut(str(e.get("msg", ""))), "type": e.get("type", "invalid")}
            for e in detail
            if isinstance(e, dict)
        ]
        return problem(exc.status_code, problems.summary(errs) or "请求内容不符合要求", errs, exc.headers)
    text = str(detail) or ""
    if text == _phrase(exc.status_code):  # Starlette's own words: no route, wrong method
        text = _PLAIN.get(exc.status_code, text)
    return problem(
        exc.status_code, text, [{"loc": [], "msg": cut(text), "type": f"http_{exc.status_code}"}], exc.headers
    )


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error", path=request.url.path, error=type(exc).__name__)
    return problem(500, _PLAIN[500], [{"loc": [], "msg": _PLAIN[500], "type": "internal_error"}])


def install(app: FastAPI) -> None:
    """Every refusal of the app in the one format."""
    app.add_exception_handler(RequestValidationError, _validation)  # type: ignore[arg-type]  # Starlette types handlers by Exception
    app.add_exception_handler(StarletteHTTPException, _http)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, _unexpected)
