"""Each delivery's log lines carry its own event_id, never the previous delivery's
(duban_common.consumer): a poison message after a valid one in the same pull was logged as
dead-lettered with the valid one's event_id."""

from __future__ import annotations

import asyncio
import json
from types import SimpleNamespace

import structlog

from duban_common.consumer import ConsumerRunner
from duban_common.provisioning import ConsumerSpec
from duban_common.settings import ServiceSettings


class FakeMsg:
    def __init__(self, data: bytes, seq: int) -> None:
        self.data, self.subject, self.headers = data, "duban.in.demo.meeting_decision", {}
        self.metadata = SimpleNamespace(num_delivered=1, sequence=SimpleNamespace(stream=seq))
        self.settled: list[str] = []

    async def ack(self) -> None:
        self.settled.append("ack")

    async def nak(self, delay=None) -> None:
        self.settled.append("nak")

    async def term(self) -> None:
        self.settled.append("term")


def _envelope(event_id: str) -> bytes:
    return json.dumps(
        {
            "specversion": "1.0",
            "id": event_id,
            "source": "/platforms/oa",
            "type": "duban.submission.meeting_decision.v1",
            "time": "2026-11-20T01:00:00Z",
            "tenant": "demo",
            "datacontenttype": "application/json",
            "data": {},
        }
    ).encode()


def test_a_dead_letter_after_a_valid_delivery_is_logged_with_no_event_id_of_the_valid_one():
    spec = ConsumerSpec("intake", "submissions", "DUBAN_IN", "duban.in.*.*")
    runner = ConsumerRunner(
        spec, {"*": lambda event, delivery, uow: None}, None, None, None, None, ServiceSettings(service="intake"), None
    )
    seen: dict[int, dict] = {}

    async def dead_letter(msg, reason, delivered) -> None:  # where the "dead-lettered" line is logged
        seen[msg.metadata.sequence.stream] = structlog.contextvars.get_contextvars()
        await msg.term()

    async def commit(group) -> None:
        for w in group:
            w.outcome = "processed"

    runner._dead_letter, runner._commit_until_database_answers = dead_letter, commit
    valid, poison = FakeMsg(_envelope("evt-valid-1"), 1), FakeMsg(b"\x01" * 50, 2)
    asyncio.run(runner.handle_batch([valid, poison]))
    assert (valid.settled, poison.settled) == (["ack"], ["term"])
    assert seen[2].get("event_id") is None and seen[2]["service"] == "intake", seen[2]
