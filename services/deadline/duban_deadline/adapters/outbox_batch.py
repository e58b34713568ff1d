"""A unit of work whose ``emit`` writes the outbox rows of a whole batch in one statement.

The firing loop emits one event per timer, hundreds per transaction; one INSERT round trip
per event was most of its cost. Same rows, same transaction, same order (one multi-row
INSERT keeps the outbox sequence in emit order). Candidate for duban_common.outbox.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from pydantic import BaseModel

from duban_common import subjects
from duban_common.envelope import Envelope, new_event
from duban_common.outbox import InfraTables, UnitOfWork


class BatchedUnitOfWork(UnitOfWork):
    def __init__(self, session, tables: InfraTables, clock, source: str) -> None:
        super().__init__(session, tables, clock, source)
        self._outbox = tables.outbox
        self._rows: list[dict] = []

    async def emit(self, tenant: str, type: str, data: BaseModel | dict[str, Any], *, subject: str | None = None) -> Envelope:
        env = new_event(tenant=tenant, type=type, source=self.source, data=data, time=self.now())
        target = subject or subjects.event_subject_for_type(tenant, type)
        self._rows.append(dict(event_id=env.id, subject=target, payload=env.to_bytes(), created_at=datetime.now(timezone.utc)))
        self.emitted.append(env)
        return env

    async def flush(self) -> None:
        """Write the buffered events; call before the transaction commits."""
        if self._rows:
            await self.session.execute(self._outbox.insert(), self._rows)
            self._rows = []
