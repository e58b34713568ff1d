"""A dead letter: a message a consumer will never process, with the reason (STYLE.md 7).

Published by the consumer runner on ``duban.dlq.<tenant>.<service>`` (``unknown`` when the
subject had no valid tenant), with the headers of ``HEADERS``. Intake's refusals of invalid
submissions are dead letters too (CONTRACT.md "Inbound").

A dead letter always fits the broker's ``max_payload``, whatever the original was: the
original is kept in ``original`` up to :data:`ORIGINAL_LIMIT` bytes of JSON text; a longer one
is cut (``original_truncated``) and the whole of it stays where it was, message
``stream_seq`` of ``original_stream`` (streams keep their messages after a consumer's ack or
term: retention by limits, no age limit; provisioning.py), with its size and SHA-256 to check
it against (:func:`fetch_original`). The reason and the headers are bounded too.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, field_serializer

from ..envelope import utc_text

HEADERS: dict[str, str] = {
    "Nats-Msg-Id": "dlq:<consumer>:<stream sequence of the original>: one dead letter per original message",
    "Duban-Dlq-Reason": "the reason's first line, at most 500 characters",
    "Duban-Original-Subject": "the subject the original message was published on",
}

ORIGINAL_LIMIT = 64 * 1024  # bytes of JSON text for the original kept inside the letter
REASON_LIMIT = 16 * 1024
HEADER_LIMIT = 1024  # characters of one original header's value
HEADERS_KEPT = 32  # original headers kept, at most


class DeadLetter(BaseModel):
    model_config = ConfigDict(extra="allow")

    service: str
    consumer: str
    subject: str
    stream_seq: int
    deliveries: int
    reason: str
    failed_at: datetime
    original: str  # the original message as UTF-8 text, or its bytes in hex when it was not text (original_encoding)
    original_headers: dict[str, str]
    # Added fields (the contract only grows): absent in letters written before them.
    original_stream: str | None = None  # the stream that holds the whole original at stream_seq
    original_size: int | None = None  # bytes of the original message
    original_sha256: str | None = None  # of the original message's bytes, hex
    original_encoding: Literal["utf-8", "hex"] | None = None  # how ``original`` renders the bytes
    original_truncated: bool = False  # true: ``original`` holds only the start; fetch the rest from the stream

    @field_serializer("failed_at")
    def _iso(self, value: datetime) -> str:
        return utc_text(value)

    def headers(self) -> dict[str, str]:
        return {
            "Nats-Msg-Id": f"dlq:{self.consumer}:{self.stream_seq}",
            "Duban-Dlq-Reason": self.reason.splitlines()[0][:500] if self.reason else "",
            "Duban-Original-Subject": self.subject,
        }

    def to_bytes(self) -> bytes:
        return json.dumps(self.model_dump(mode="json"), ensure_ascii=False).encode()


def _json_len(text: str) -> int:
    return len(json.dumps(text, ensure_ascii=False).encode()) - 2


def bounded(text: str, limit: int) -> str:
    """The longest start of ``text`` whose JSON string form takes at most ``limit`` bytes
    (control characters grow six-fold under JSON escaping, CJK three-fold under UTF-8)."""
    if _json_len(text) <= limit:
        return text
    low, high = 0, min(len(text), limit)
    while low < high:  # the longest prefix that fits: found by halving, a few dozen encodings at most
        mid = (low + high + 1) // 2
        if _json_len(text[:mid]) <= limit:
            low = mid
        else:
            high = mid - 1
    return text[:low]


def letter_for(
    data: bytes, headers: dict[str, str] | None, *, stream: str, stream_seq: int, reason: str, **fields
) -> DeadLetter:
    """The dead letter of an original message (``data`` as received), every part bounded."""
    encoding: Literal["utf-8", "hex"]
    try:
        text, encoding = data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        text, encoding = data.hex(), "hex"
    kept = bounded(text, ORIGINAL_LIMIT)
    if encoding == "hex" and len(kept) % 2:
        kept = kept[:-1]  # whole bytes only
    kept_headers = {
        k[:HEADER_LIMIT]: bounded(str(v), HEADER_LIMIT) for k, v in list((headers or {}).items())[:HEADERS_KEPT]
    }
    return DeadLetter(
        stream_seq=stream_seq,
        reason=bounded(reason, REASON_LIMIT),
        original=kept,
        original_headers=kept_headers,
        original_stream=stream,
        original_size=len(data),
        original_sha256=hashlib.sha256(data).hexdigest(),
        original_encoding=encoding,
        original_truncated=kept != text,
        **fields,
    )


async def fetch_original(js, letter: dict | DeadLetter) -> bytes:
    """The whole original of a dead letter, from its stream, checked against its SHA-256."""
    letter = letter if isinstance(letter, DeadLetter) else DeadLetter.model_validate(letter)
    if not letter.original_stream or not letter.original_sha256:
        raise ValueError("this dead letter names no stream or checksum for its original (written before they existed)")
    msg = await js.get_msg(letter.original_stream, letter.stream_seq)
    if hashlib.sha256(msg.data or b"").hexdigest() != letter.original_sha256:
        raise ValueError(
            f"message {letter.stream_seq} of {letter.original_stream} is not this letter's original "
            "(its SHA-256 differs): the stream lost it to a retention limit or was recreated"
        )
    return msg.data
