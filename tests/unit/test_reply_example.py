"""The documented example of the reply (examples/out/reply.json) is on the contract."""

from __future__ import annotations

import json
from pathlib import Path

from duban_common.contracts import events
from duban_common.envelope import Envelope

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "out" / "reply.json"


def test_the_reply_example_is_a_valid_envelope_of_its_event_on_the_reply_topic():
    envelope = Envelope.model_validate(json.loads(EXAMPLE.read_text(encoding="utf-8")))
    assert envelope.type == events.MATTER_REPLIED
    reply = events.MatterReplied.model_validate(envelope.data)
    assert (
        reply.model_dump(mode="json", exclude_unset=True).keys() == envelope.data.keys()
    )  # nothing the model does not name
    assert reply.attachment_refs[0].task_id and reply.source_no == "GD20261120000123"
    assert events.subject_of(envelope.tenant, envelope.type, envelope.data) == "duban.out.demo.reply"
