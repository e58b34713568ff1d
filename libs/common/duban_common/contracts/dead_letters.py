"""A dead letter: a message a consumer will never process, with the reason (STYLE.md 7).

Published by the consumer runner on ``duban.dlq.<tenant>.<service>`` (``unknown`` when the
subject had no valid tenant), with the headers of ``HEADERS``. Intake's refusals of invalid
submissions are dead letters too (CONTRACT.md "Inbound").
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, field_serializer

from ..envelope import utc_text

HEADERS: dict[str, str] = {
    "Nats-Msg-Id": "dlq:<consumer>:<stream sequence of the original>: one dead letter per original message",
    "Duban-Dlq-Reason": "the reason's first line, at most 500 characters",
    "Duban-Original-Subject": "the subject the original message was published on",
}


class DeadLetter(BaseModel):
    model_config = ConfigDict(extra="allow")

    service: str
    consumer: str
    subject: str
    stream_seq: int
    deliveries: int
    reason: str
    failed_at: datetime
    original: str  # the original message as UTF-8 text, or its bytes in hex when it was not text
    original_headers: dict[str, str]

    @field_serializer("failed_at")
    def _iso(self, v: datetime) -> str:
        return utc_text(v)

    def headers(self) -> dict[str, str]:
        return {
            "Nats-Msg-Id": f"dlq:{self.consumer}:{self.stream_seq}",
            "Duban-Dlq-Reason": self.reason.splitlines()[0][:500] if self.reason else "",
            "Duban-Original-Subject": self.subject,
        }
