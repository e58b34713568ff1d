"""An audit anchor: one chain's head as its service last saw it (decision 0011, anchors.py).

Published by every service on ``duban.audit.<service>.<tenant>`` (``_platform`` for the chain
of changes that belong to no tenant) to the stream DUBAN_AUDIT, which refuses deletes and
purges, with the headers of ``HEADERS``. ``duban audit verify`` checks each chain in the
database against its latest anchor.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

HEADERS: dict[str, str] = {
    "Nats-Msg-Id": "anchor:<chain>:<seq>:<hash>: an unchanged head published again is dropped inside the duplicate window",
}


class AuditAnchor(BaseModel):
    model_config = ConfigDict(extra="allow")

    chain: str  # <service>:<tenant>
    seq: int  # the head's entry number (gapless from 1)
    hash: str  # the head entry's SHA-256, hex
    at: str  # when it was published, UTC ISO 8601
