"""Batched mode of ``POST submissions`` (``application/cloudevents-batch+json``): each event of
the array answered on its own, in one response; and the route's description of the modes."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable

from fastapi.responses import JSONResponse
from pydantic import BaseModel

from duban_common.envelope import Envelope

MODES_DOC = """Takes a submission (CloudEvents 1.0) in any of the HTTP binding's three content modes:

- **structured**: `content-type: application/cloudevents+json` (or `application/json`), the whole
  envelope as the JSON body (examples/modes/structured.http);
- **binary**: the attributes in `ce-specversion`, `ce-id`, `ce-source`, `ce-type`, `ce-time`,
  `ce-tenant` headers (percent-encoded as the binding says), `content-type: application/json`
  and `data` as the body (examples/modes/binary.http);
- **batched**: `content-type: application/cloudevents-batch+json`, a JSON array of structured
  envelopes (examples/modes/batch.http), at most `max_batch_events` (100) of them within the body limit.
  Answered `200` with one result per event, in order: `201` registered or pending, `200` a
  duplicate, `422` refused with the reason; each event is taken or refused on its own.

`(tenant, source, id)` identifies a submission whatever the mode or channel: sending it again
answers `200` with `"duplicate": true` and changes nothing. The modes in full: docs/contract.md."""


def request_body(max_events: int) -> dict:
    """The route's request body in the OpenAPI document: one media type per content mode. The
    batch's items are not described further: each is refused on its own, in a 200."""
    envelope = Envelope.model_json_schema()
    return {
        "requestBody": {
            "required": True,
            "content": {
                "application/cloudevents+json": {"schema": envelope, "description": "structured mode: the envelope"},
                "application/json": {
                    "schema": {"type": "object"},
                    "description": (
                        "binary mode when any ce- header is sent: the event's data, its attributes in ce-specversion, ce-id, ce-source, "
                        "ce-type, ce-time, ce-tenant (percent-encoded); without ce- headers, a structured envelope"
                    ),
                },
                "application/cloudevents-batch+json": {
                    "schema": {"type": "array", "items": {}, "minItems": 1, "maxItems": max_events},
                    "description": "batched mode: structured envelopes, each answered on its own",
                },
            },
        }
    }


class SubmissionAnswer(BaseModel):
    """An event taken (201, ``status`` registered or pending) or taken before (200, ``duplicate``)."""

    submission_id: str
    duplicate: bool
    status: str
    pending_reason: str | None = None
    matter_ids: list[str]


class EventAnswer(BaseModel):
    """What the event at ``index`` got: ``status`` as if it had been sent alone (201, 200, 422),
    then that answer's fields (a submission's, or ``detail`` and ``errors`` of a refusal)."""

    model_config = {"extra": "allow"}
    index: int
    id: str | None = None
    source: str | None = None
    http_status: int


class BatchAnswer(BaseModel):
    accepted: int
    duplicates: int
    refused: int
    results: list[EventAnswer]


Accept = Callable[[Callable[[], Envelope], Callable[[list], list]], Awaitable[tuple[int, dict]]]


def _refusal(status: int, reason: str, kind: str) -> JSONResponse:
    return JSONResponse(
        {"detail": reason, "errors": [{"loc": ["body"], "msg": reason, "type": kind}]}, status_code=status
    )


def _named(item) -> dict:
    """The event's own id and source, where it names them, so a client can match the answers."""
    if not isinstance(item, dict):
        return {}
    return {k: item[k] for k in ("id", "source") if isinstance(item.get(k), str)}


async def answer(body: bytes, limit: int, accept: Accept) -> JSONResponse:
    """Every event of the batch through ``accept`` (its own transaction each), in order: a later
    copy of an earlier event in the same batch is answered as its duplicate."""
    try:
        items = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return _refusal(422, "批量模式的消息体不是有效的 JSON", "json_invalid")
    if not isinstance(items, list):
        return _refusal(422, "批量模式的消息体应为 JSON 数组，每个元素是一个结构化模式的事件", "batch_not_array")
    if not items:
        return _refusal(422, "批量模式的数组是空的：至少要有一个事件", "batch_empty")
    if len(items) > limit:
        return _refusal(413, f"一批最多 {limit} 个事件，收到 {len(items)} 个；请分批发送", "batch_too_large")
    results = []
    for index, item in enumerate(items):
        status, payload = await accept(
            lambda item=item: Envelope.model_validate(item), lambda loc, i=index: ["body", i, *loc]
        )
        results.append({"index": index, **_named(item), "http_status": status, **payload})
    counts = [r["http_status"] for r in results]
    return JSONResponse(
        {
            "accepted": counts.count(201),
            "duplicates": counts.count(200),
            "refused": sum(c >= 400 for c in counts),
            "results": results,
        }
    )
