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


def attachment_disposition(name: str, fallback: str) -> str:
    """``Content-Disposition`` of a download under its (Chinese) name: RFC 6266 with the RFC 5987
    ``filename*``, and an ASCII ``filename`` for clients that read only that."""
    from urllib.parse import quote

    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"
