"""HTTP helpers every service's API shares."""

from __future__ import annotations

from typing import Any

from fastapi import HTTPException
from pydantic import BaseModel, ConfigDict

from . import subjects


def valid_tenant(tenant: str) -> str:
    """The tenant in a path, or 404 with the slug rule when it cannot be one."""
    try:
        return subjects.validate_tenant(tenant)
    except subjects.SubjectError as e:
        raise HTTPException(404, str(e)) from None


class ErrorItem(BaseModel):
    """One thing wrong with a request: where (``loc``: location, then field names and indexes) and what."""

    model_config = ConfigDict(extra="allow")  # FastAPI's own items also carry input, ctx, url
    loc: list[str | int]
    msg: str
    type: str | None = None


class Problem(BaseModel):
    """The body of a refused request: ``detail`` says what was wrong, as a sentence or as the list
    of what was wrong where; ``errors``, where given, lists each thing wrong with its location."""

    detail: str | list[ErrorItem]
    errors: list[ErrorItem] | None = None


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
    422: {"description": ERROR_RESPONSES[422]["description"],
          "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Problem"}}}},
}

# The largest row offset a database takes (a signed 64-bit integer, SQLite's and PostgreSQL's
# OFFSET alike): past it a list route answers 422 instead of failing in the driver.
OFFSET_MAX = 2**63 - 1


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
        for method, op in operations.items():
            responses = op.setdefault("responses", {})
            for code in refusals_of(path, method):
                responses.setdefault(str(code), {"description": REFUSALS[code], "content": problem})
    return schema


def attachment_disposition(name: str, fallback: str) -> str:
    """``Content-Disposition`` of a download under its (Chinese) name: RFC 6266 with the RFC 5987
    ``filename*``, and an ASCII ``filename`` for clients that read only that."""
    from urllib.parse import quote

    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"
