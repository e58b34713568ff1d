"""The committed AsyncAPI document is what the code generates, is valid AsyncAPI 3.0.0, and says
what the code does: each address is a subject the code publishes on, each consumer receives
exactly what its filter takes (decision 0018)."""

import copy
import json
import re
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import quote

import pytest
from jsonschema import Draft7Validator

from asyncapi_support import Stored, load, local, problems
from duban_common import anchors, subjects
from duban_common.bindings import outbound_headers
from duban_common.contracts import asyncapi, events
from duban_common.contracts.dead_letters import DeadLetter
from duban_common.contracts.submissions import KINDS
from duban_common.envelope import new_event
from duban_common.provisioning import CONSUMERS

REGENERATE = "regenerate with: .venv/bin/python -m duban_common.contracts.asyncapi"
OFFICIAL = Path(__file__).resolve().parents[1] / "data" / "asyncapi-3.0.0.schema.json"


@pytest.fixture(scope="module")
def document() -> dict:
    return load()


@pytest.fixture(scope="module")
def official() -> Draft7Validator:
    return Draft7Validator(json.loads(OFFICIAL.read_text(encoding="utf-8")))


def test_the_committed_document_is_what_the_code_generates(document, tmp_path):
    assert document == asyncapi.document(), REGENERATE
    assert asyncapi.DEFAULT_PATH.read_text(encoding="utf-8") == asyncapi.render(asyncapi.document()), REGENERATE
    assert asyncapi.main(["--check"]) == 0
    out = tmp_path / "asyncapi.json"
    assert asyncapi.main(["--check", str(out)]) == 1  # missing
    assert asyncapi.main([str(out)]) == 0 and asyncapi.main(["--check", str(out)]) == 0
    assert asyncapi.main(["a", "b"]) == 2


def test_it_is_valid_asyncapi_3_and_the_validation_can_fail(document, official):
    assert document["asyncapi"] == "3.0.0"
    assert [e.message for e in official.iter_errors(document)] == []
    broken = copy.deepcopy(document)
    next(iter(broken["operations"].values()))["action"] = "publish"
    del broken["channels"]["ev.task.assigned"]["messages"]["task.assigned.v1"]["payload"]
    broken["channels"]["ev.task.assigned"]["messages"]["task.assigned.v1"]["payload"] = 3
    assert len(list(official.iter_errors(broken))) >= 2


def _refs(node):
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str):
            yield node["$ref"]
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def _pointer(node, pointer: str):
    for part in filter(None, pointer.split("/")):
        node = node[part]  # KeyError: the reference dangles
    return node


def test_every_reference_resolves(document):
    refs = set(_refs(document))
    assert refs
    for ref in refs:
        target, _, fragment = ref.partition("#")
        if not target:
            _pointer(document, fragment)
            continue
        path = asyncapi.DEFAULT_PATH.parent / target
        assert path.is_file(), ref
        schema = json.loads(path.read_text(encoding="utf-8"))
        _pointer(schema, fragment)
        for inner in _refs(schema):  # each schema file's own $defs references
            assert inner.startswith("#/"), (ref, inner)
            _pointer(schema, inner[1:])


def _expand(channel: dict) -> set[str]:
    """The channel's subjects for tenant demo: every value of each enumerated parameter."""
    out = {channel["address"].replace("{tenant}", "demo")}
    for name, parameter in channel["parameters"].items():
        if name != "tenant":
            assert parameter.get("enum"), f"{channel['address']}: parameter {name} is not enumerated"
            out = {s.replace(f"{{{name}}}", v) for s in out for v in parameter["enum"]}
    assert not any("{" in s for s in out), out
    return out


def test_each_address_is_a_subject_the_code_publishes_on(document):
    published = {subjects.inbound("demo", kind) for kind in KINDS}  # duban publish, the demo player
    for event_type in events.EVENT_TYPES:  # what the outbox routes (UnitOfWork.emit)
        for channel in events.NOTIFICATION_CHANNELS:
            published.add(events.subject_of("demo", event_type, {"channel": channel}))
    published |= {subjects.dead_letter("demo", spec.service) for spec in CONSUMERS}  # ConsumerRunner._dead_letter
    published |= {anchors.subject(f"{spec.service}:demo") for spec in CONSUMERS}  # anchors.publish

    on_channels = set()
    for channel in document["channels"].values():
        message = next(iter(channel["messages"].values()))  # structured mode: the envelope
        payload = message["payload"]
        kind = next((p["properties"]["type"]["const"] for p in payload.get("allOf", []) if "properties" in p), None)
        if kind in events.EVENT_TYPES:
            for subject in _expand(channel):
                assert subject == events.subject_of("demo", kind, {"channel": subject.rsplit(".", 1)[-1]}), subject
        on_channels |= _expand(channel)
    assert on_channels == published
    assert "duban.out.demo.notification.webhook" in on_channels and "duban.dlq.demo.intake" in on_channels


def _nats_match(filter_subject: str, subject: str) -> bool:
    """NATS wildcards, independently of the generator: ``*`` one token, ``>`` one or more at the end."""
    tokens = [{"*": r"[^.]+", ">": r"[^.]+(\.[^.]+)*"}.get(t, re.escape(t)) for t in filter_subject.split(".")]
    return re.fullmatch(r"\.".join(tokens), subject) is not None


def test_nats_match_oracle():
    assert _nats_match("duban.ev.*.task.>", "duban.ev.demo.task.assigned")
    assert not _nats_match("duban.ev.*.task.>", "duban.ev.demo.task")
    assert not _nats_match("duban.in.*.*", "duban.in.demo.a.b")


def test_each_consumer_receives_exactly_what_its_filter_takes(document):
    received: dict[str, set[str]] = {}
    for op in document["operations"].values():
        if op["action"] == "receive":
            consumer = op["x-duban-consumer"]
            received.setdefault(consumer["durable"], set()).add(op["channel"]["$ref"].removeprefix("#/channels/"))
    # a consumer that only refuses (intake-strays) takes what no channel declares
    assert set(received) == {spec.durable for spec in CONSUMERS if not spec.refuse}
    for spec in CONSUMERS:

        def match(s: str) -> bool:
            return any(_nats_match(f, s) for f in spec.filters)

        takes = {cid for cid, channel in document["channels"].items() if all(match(s) for s in _expand(channel))}
        assert (
            not {cid for cid, channel in document["channels"].items() if any(match(s) for s in _expand(channel))}
            - takes
        ), spec.durable
        assert received.get(spec.durable, set()) == takes, spec.durable
    assert received["reporting-projections"] == {c for c in document["channels"] if c.startswith("ev.")}


def test_every_channel_is_sent_and_each_operation_names_its_channels_message(document):
    sent = {op["channel"]["$ref"] for op in document["operations"].values() if op["action"] == "send"}
    assert sent == {f"#/channels/{cid}" for cid in document["channels"]}
    for op in document["operations"].values():
        assert [m["$ref"] for m in op["messages"]] == [
            f"{op['channel']['$ref']}/messages/{name}" for name in local(document, op["channel"])["messages"]
        ]
        for message in op["messages"]:
            local(document, message)


# --- the broker check of tests/asyncapi_support.py ------------------------------------------


def _outbox(event_type: str, data: dict, **headers) -> Stored:
    """An event as the outbox relay publishes it (bindings.outbound_headers)."""
    env = new_event(
        tenant="demo", type=event_type, source="/services/test 督办", data=data, time=datetime.now(timezone.utc)
    )
    body = env.to_bytes()
    return Stored(events.subject_of("demo", event_type, data), body, {**outbound_headers(env.id, body), **headers})


SENT = {
    "notification_id": "n1",
    "channel": "sms",
    "recipient_masked": "139****5678",
    "template": "urge",
    "status": "sent",
    "attempts": 1,
    "sent_at": "2026-11-20T01:00:00Z",
}
REQUESTED = {
    "notification_id": "n2",
    "channel": "mail",
    "recipient": {"address": "a@b.cn"},
    "template": "urge",
    "text": "请办理",
    "ref": {"task_id": "t1"},
    "created_at": "2026-11-20T01:00:00Z",
}


def test_messages_as_the_code_writes_them_are_on_the_contract():
    letter = DeadLetter(
        service="tasking",
        consumer="tasking-matters",
        subject="duban.ev.demo.matter.registered",
        stream_seq=7,
        deliveries=5,
        reason="boom",
        failed_at=datetime.now(timezone.utc),
        original="{}",
        original_headers={},
    )
    dead = Stored(
        subjects.dead_letter("demo", "tasking"), json.dumps(letter.model_dump(mode="json")).encode(), letter.headers()
    )
    assert (
        problems([_outbox(events.NOTIFICATION_SENT, SENT), _outbox(events.NOTIFICATION_REQUESTED, REQUESTED), dead])
        == []
    )


def test_a_wrong_msg_id_a_subject_on_no_channel_and_a_bad_payload_are_reported():
    wrong_id = _outbox(events.NOTIFICATION_SENT, SENT, **{"Nats-Msg-Id": "something-else"})
    stray = Stored("duban.out.demo.notification.fax", _outbox(events.NOTIFICATION_REQUESTED, REQUESTED).data)
    no_header = _outbox(events.NOTIFICATION_SENT, SENT)
    no_header = Stored(
        no_header.subject, no_header.data, {k: v for k, v in no_header.headers.items() if k != "Nats-Msg-Id"}
    )
    bad = _outbox(events.NOTIFICATION_SENT, {k: v for k, v in SENT.items() if k != "status"})
    found = problems([wrong_id, stray, no_header, bad])
    assert len(found) == 5, found  # no_header: the header missing, and not the envelope's id
    assert "is not the envelope's id" in found[0] and "on no channel" in found[1]
    assert "'Nats-Msg-Id' is a required property" in found[2] and "'status' is a required property" in found[4]


def test_outbox_ce_headers_must_be_there_and_say_what_the_envelope_says():
    fine = _outbox(events.NOTIFICATION_SENT, SENT)
    assert fine.headers["ce-source"] == "/services/test%20%E7%9D%A3%E5%8A%9E" and problems([fine]) == []
    other_source = Stored(fine.subject, fine.data, {**fine.headers, "ce-source": "/elsewhere"})
    no_type = Stored(fine.subject, fine.data, {k: v for k, v in fine.headers.items() if k != "ce-type"})
    binary_type = Stored(fine.subject, fine.data, {**fine.headers, "content-type": "application/json"})
    found = problems([other_source, no_type, binary_type])
    assert len(found) == 3, found
    assert "header ce-source '/elsewhere' is not the envelope's source" in found[0]
    assert "'ce-type' is a required property" in found[1] and "content-type" in found[2]


def test_a_binary_mode_submission_is_on_the_contract_with_its_ce_headers():
    env = json.loads((Path(__file__).resolve().parents[2] / "examples" / "document.json").read_text(encoding="utf-8"))
    headers = {f"ce-{k}": quote(v, safe="") for k, v in env.items() if k not in ("data", "datacontenttype")}
    binary = Stored(
        "duban.in.demo.document",
        json.dumps(env["data"]).encode(),
        {**headers, "content-type": "application/json"},
        seq=1,
    )
    assert problems([binary]) == []
    no_source = Stored(
        binary.subject, binary.data, {k: v for k, v in binary.headers.items() if k != "ce-source"}, seq=2
    )
    assert any("'ce-source' is a required property" in p for p in problems([no_source]))
    assert problems([no_source, refused_by_intake(no_source, "缺少 ce-source")]) == []


def refused_by_intake(message: Stored, reason: str) -> Stored:
    """The dead letter intake's submissions consumer publishes when it refuses ``message`` at its first delivery."""
    letter = DeadLetter(
        service="intake",
        consumer="intake-submissions",
        subject=message.subject,
        stream_seq=message.seq,
        deliveries=1,
        reason=reason,
        failed_at=datetime.now(timezone.utc),
        original=message.data.decode(),
        original_headers=message.headers,
    )
    return Stored("duban.dlq.demo.intake", json.dumps(letter.model_dump(mode="json")).encode(), letter.headers())


def test_an_invalid_submission_is_on_the_contract_only_when_a_dead_letter_refused_it():
    submission = Stored("duban.in.demo.meeting_decision", json.dumps({"specversion": "1.0", "id": "x"}).encode(), seq=3)
    assert "on channel in.meeting_decision" in problems([submission])[0]
    assert problems([submission, refused_by_intake(submission, "invalid")]) == []
