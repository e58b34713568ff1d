"""Audit chain heads anchored outside the database (docs/decisions/0011-audit.md).

The hash chain shows an entry altered or removed in the middle; it cannot show a rewritten
tail (the last entries deleted and the head row rewound) or a chain deleted with its head.
So every service publishes each chain's head ``(chain, seq, hash)`` to the JetStream stream
``DUBAN_AUDIT`` (created with ``deny_delete`` and ``deny_purge``: what was published stays)
at least every :attr:`ServiceSettings.audit_anchor_every_s` seconds and when it stops, and
``duban audit verify`` checks the database against the latest anchor of each chain.

An unchanged head is published again with the same ``Nats-Msg-Id``: inside the stream's
duplicate window the server keeps only the first, so idle chains cost nothing.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from sqlalchemy import select

from . import tenancy
from .audit import audit_head
from .contracts.audit_anchors import AuditAnchor
from .logging import get_logger
from .provisioning import STREAMS

if TYPE_CHECKING:
    from nats.js import JetStreamContext

    from .db import Database

log = get_logger(__name__)

STREAM = "DUBAN_AUDIT"
PREFIX = f"duban.{STREAMS[STREAM].family}"  # the stream's subjects, as provisioning declares them


@dataclass(frozen=True)
class Anchor:
    chain: str
    seq: int
    hash: str
    at: str = ""  # when it was published (UTC, ISO 8601)


def subject(chain: str) -> str:
    """``<service>:<tenant>`` → ``duban.audit.<service>.<tenant>`` (both are single tokens)."""
    service, tenant = chain.split(":", 1)
    return f"{PREFIX}.{service}.{tenant}"


def chain_of(subject_: str) -> str:
    _, _, service, tenant = subject_.split(".", 3)
    return f"{service}:{tenant}"


async def read_heads(db: "Database") -> list[Anchor]:
    """Every chain's head in this database (the heads of all tenants: an operator's read)."""
    with tenancy.scoped(tenancy.ALL):
        async with db.read() as session:
            rows = (await session.execute(select(audit_head.c.chain, audit_head.c.seq, audit_head.c.hash))).all()
    return [Anchor(r.chain, int(r.seq), r.hash) for r in rows]


async def publish(js: "JetStreamContext", heads: list[Anchor]) -> int:
    """Publish the heads; returns how many the stream stored (not dropped as duplicates)."""
    stored = 0
    at = datetime.now(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")
    for head in heads:
        body = AuditAnchor(chain=head.chain, seq=head.seq, hash=head.hash, at=at).model_dump_json().encode()
        ack = await js.publish(
            subject(head.chain), body, headers={"Nats-Msg-Id": f"anchor:{head.chain}:{head.seq}:{head.hash}"}
        )
        stored += not ack.duplicate
    return stored


async def anchor_once(db: "Database", js: "JetStreamContext") -> int:
    return await publish(js, await read_heads(db))


async def anchor_or_log(db: "Database", js: "JetStreamContext") -> None:
    try:
        await anchor_once(db, js)
    except Exception as error:  # noqa: BLE001 - NATS or the database away: the next round anchors the same heads or later ones
        log.warning("anchoring the audit chain heads failed", error=repr(error))


async def keep_anchoring(db: "Database", js: "JetStreamContext", every_s: float) -> None:
    """A service's background loop: anchor every chain's head every ``every_s`` seconds (the
    service anchors them once at start and once at stop too, :class:`~duban_common.runtime.Runtime`)."""
    while True:
        await asyncio.sleep(every_s)
        await anchor_or_log(db, js)


async def latest(js: "JetStreamContext") -> dict[str, Anchor]:
    """chain → its latest anchor, for every chain ever anchored."""
    info = await js.stream_info(STREAM, subjects_filter=f"{PREFIX}.>")
    out: dict[str, Anchor] = {}
    for subj in sorted(info.state.subjects or {}):
        msg = await js.get_last_msg(STREAM, subj)
        body = AuditAnchor.model_validate_json(msg.data or b"")
        out[body.chain] = Anchor(body.chain, body.seq, body.hash, body.at)
    return out
