"""The CloudEvents 1.0 envelope (structured JSON mode) with the ``tenant`` extension.

``id`` is unique per producer (``source``) and doubles as the ``Nats-Msg-Id`` header so
JetStream drops re-publishes inside its duplicate window. Times are stored and sent in UTC.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timezone
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_serializer, field_validator

from . import subjects


def utc_text(instant: datetime) -> str:
    """An instant as ISO 8601 in UTC with microseconds and ``Z``, as every message carries it."""
    return instant.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class Envelope(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)

    specversion: Literal["1.0"]
    id: str = Field(min_length=1, max_length=200)
    source: str = Field(min_length=1, max_length=500)
    type: str = Field(pattern=subjects.TYPE_RE.pattern)
    time: AwareDatetime
    tenant: str = Field(
        json_schema_extra={"pattern": subjects.TENANT_RE.pattern}
    )  # checked below, with a clearer message
    datacontenttype: Literal["application/json"] = "application/json"
    subject: str | None = None
    data: dict[str, Any]

    @field_validator("tenant")
    @classmethod
    def _tenant_slug(cls, value: str) -> str:
        try:
            return subjects.validate_tenant(value)
        except subjects.SubjectError as error:
            raise ValueError(str(error)) from None

    @field_validator("time")
    @classmethod
    def _utc(cls, value: datetime) -> datetime:
        return value.astimezone(timezone.utc)

    @field_serializer("time")
    def _iso(self, value: datetime) -> str:
        return utc_text(value)

    @property
    def key(self) -> str:
        """Identity of the event: ``(tenant, source, id)`` (CONTRACT.md); used by inboxes.

        The tenant is part of it: two tenants' platforms may use the same source and id."""
        return f"{self.tenant} {self.source} {self.id}"

    @property
    def aggregate(self) -> str:
        return subjects.split_type(self.type)[0]

    @property
    def name(self) -> str:
        return subjects.split_type(self.type)[1]

    def to_bytes(self) -> bytes:
        return self.model_dump_json(exclude_none=True).encode()

    @classmethod
    def from_bytes(cls, raw: bytes | str) -> "Envelope":
        return cls.model_validate_json(raw)


def new_event(
    *,
    tenant: str,
    type: str,
    source: str,
    data: BaseModel | dict[str, Any],
    time: datetime,
    id: str | None = None,
) -> Envelope:
    payload = data.model_dump(mode="json") if isinstance(data, BaseModel) else data
    return Envelope(
        specversion="1.0",
        id=id or str(uuid.uuid4()),
        source=source,
        type=type,
        time=time,
        tenant=tenant,
        data=payload,
    )
