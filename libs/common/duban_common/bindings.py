"""CloudEvents' content modes on HTTP and NATS: structured, binary and batched (docs/contract.md).

The HTTP binding and the NATS binding (with headers, NATS 2.2) map an event the same way:
- structured: ``content-type: application/cloudevents+json`` (or no ``ce-`` header at all, as
  Duban always took it), the whole event as JSON in the body;
- binary: each attribute in a ``ce-<name>`` header, percent-encoded (HTTP binding 3.1.3.2),
  ``content-type`` is ``datacontenttype`` and the body is ``data``;
- batched (HTTP only): ``content-type: application/cloudevents-batch+json``, a JSON array of
  structured events.

Inbound, :func:`envelope_of` turns one message of either single mode into the same
:class:`~duban_common.envelope.Envelope`, so identity and dedup do not depend on the mode.
Outbound, events stay structured and :func:`outbound_headers` adds the ``ce-`` headers, so a
subscriber can route on them without parsing the body.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any, Literal
from urllib.parse import quote, unquote

from .envelope import Envelope

HEADER_PREFIX = "ce-"
STRUCTURED = "application/cloudevents+json"
BATCH = "application/cloudevents-batch+json"
JSON = "application/json"
# Every printable ASCII character except space, '"' and '%' goes into a header as it is (HTTP
# binding 3.1.3.2); everything else is percent-encoded as UTF-8.
_SAFE = "".join(c for c in map(chr, range(0x21, 0x7F)) if c not in ' "%')
_UNSAFE = re.compile(r'[^\x21-\x7e]|[ "%]')
_REQUIRED = ("specversion", "id", "source", "type", "time", "tenant")  # time and tenant: Duban's envelope needs them
_NOT_AN_ATTRIBUTE = ("data", "data_base64", "datacontenttype")  # never a header of their own

Mode = Literal["structured", "binary", "batch"]


class BindingError(ValueError):
    """A message that is no event in the mode it says it is in: ``reason`` for people (Chinese),
    ``errors`` each with its place (``["header", "ce-source"]``, ``["body"]``)."""

    def __init__(self, reason: str, errors: list[dict]) -> None:
        super().__init__(reason)
        self.reason = reason
        self.errors = errors


def media_type(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


def _header(headers: Mapping[str, str], name: str) -> str | None:
    return next((v for k, v in headers.items() if k.lower() == name), None)


def mode(headers: Mapping[str, str]) -> Mode:
    """The content mode of a message: its ``content-type`` decides; without a CloudEvents media
    type, any ``ce-`` header makes it binary, and none leaves it structured (a JSON envelope)."""
    declared = media_type(_header(headers, "content-type"))
    if declared == BATCH:
        return "batch"
    if declared == STRUCTURED:
        return "structured"
    return "binary" if any(k.lower().startswith(HEADER_PREFIX) for k in headers) else "structured"


def _refused(reason: str, loc: list, type_: str) -> BindingError:
    return BindingError(reason, [{"loc": loc, "msg": reason, "type": type_}])


def binary_event(headers: Mapping[str, str], body: bytes) -> dict[str, Any]:
    """The structured form of a binary-mode message (attributes from ``ce-`` headers, percent-
    decoded; ``data`` from the body), for the envelope to validate like any other."""
    event: dict[str, Any] = {}
    for name, value in headers.items():
        lower = name.lower()
        if not lower.startswith(HEADER_PREFIX):
            continue
        attribute = lower[len(HEADER_PREFIX) :]
        if attribute in _NOT_AN_ATTRIBUTE:
            raise _refused(
                f"二进制模式下 {attribute} 不能放在 {lower} 头里：数据放在消息体，数据类型放在 content-type 头",
                ["header", lower],
                "binding_misplaced",
            )
        try:
            event[attribute] = unquote(value, errors="strict")
        except UnicodeDecodeError:
            raise _refused(f"{lower} 头的百分号编码不是有效的 UTF-8", ["header", lower], "binding_encoding") from None
    missing = [f"{HEADER_PREFIX}{a}" for a in _REQUIRED if not event.get(a)]
    if missing:
        raise BindingError(
            f"二进制模式缺少 CloudEvents 属性头：{'、'.join(missing)}",
            [{"loc": ["header", h], "msg": f"缺少 {h} 头", "type": "missing"} for h in missing],
        )
    declared = _header(headers, "content-type")
    if declared is not None and media_type(declared) != JSON:  # none: application/json, the envelope's default
        raise _refused(
            f"二进制模式的 content-type 应为 {JSON}（data 是 JSON 对象），收到的是 {declared!r}",
            ["header", "content-type"],
            "binding_content_type",
        )
    try:
        event["data"] = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise _refused("二进制模式的消息体（data）不是有效的 JSON", ["body"], "json_invalid") from None
    event["datacontenttype"] = JSON
    return event


def binary_place(loc: list) -> list:
    """Where a binary-mode message carried a field of the envelope: ``data`` in the body, each
    other attribute in its ``ce-`` header."""
    if not loc:
        return ["header"]
    if loc[0] == "data":
        return ["body", *loc[1:]]
    return ["header", f"{HEADER_PREFIX}{loc[0]}", *loc[1:]]


def envelope_of(headers: Mapping[str, str] | None, body: bytes) -> Envelope:
    """One event in structured or binary mode. Raises :class:`BindingError` (the mode's own
    rules) or pydantic's ``ValidationError`` (the envelope's)."""
    headers = headers or {}
    found = mode(headers)
    if found == "batch":
        raise _refused(
            f"这里每条消息只能是一个事件，不接受批量模式（{BATCH}）", ["header", "content-type"], "binding_batch"
        )
    if found == "binary":
        return Envelope.model_validate(binary_event(headers, body))
    return Envelope.from_bytes(body)


def header_value(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return quote(text, safe=_SAFE) if _UNSAFE.search(text) else text  # most values need no encoding: skip quote()


def outbound_headers(event_id: str, payload: bytes) -> dict[str, str]:
    """The headers an outbox event is published with: ``Nats-Msg-Id`` (JetStream's dedup), the
    structured content type, and each attribute of the envelope as a ``ce-`` header."""
    attributes = json.loads(payload)
    headers = {"Nats-Msg-Id": event_id, "content-type": STRUCTURED}
    headers.update(
        {
            HEADER_PREFIX + k: header_value(v)
            for k, v in attributes.items()
            if k not in _NOT_AN_ATTRIBUTE and v is not None
        }
    )
    return headers
