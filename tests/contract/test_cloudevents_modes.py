"""CloudEvents' content modes, sent and read by the official CloudEvents Python SDK as another
platform would: structured, binary and batched over HTTP, structured and binary over NATS (its
binding maps binary mode onto headers as HTTP's does), against the intake process and a real
nats-server. Every event is registered once whatever mode or channel brought it."""

from __future__ import annotations

import asyncio
import copy
import json

import httpx
import nats
import pytest
from cloudevents.core.bindings import http as ce_http
from cloudevents.core.formats.json import JSONFormat
from cloudevents.core.v1.event import CloudEvent
from dateutil.parser import isoparse

from asyncapi_support import Stored, problems
from e2e_support import EXAMPLES, example, intake_only, read_stream, wait_for

TENANT = "cem"
FORMAT = JSONFormat()


@pytest.fixture(scope="module")
def intake(tmp_path_factory, nats_server):
    with intake_only(tmp_path_factory.mktemp("ce-modes"), nats_server.url, TENANT, "云事件测试县") as system:
        yield system


def _event(kind: str, id_: str, **attributes) -> CloudEvent:
    """The documented example of a kind as an SDK event of this module's tenant."""
    env = copy.deepcopy(example(kind))
    env.update(tenant=TENANT, id=id_, **attributes)
    data = env.pop("data")
    env["time"] = isoparse(env["time"])
    return CloudEvent(attributes=env, data=data)


def _submissions(system) -> str:
    return f"{system.url('intake')}/v1/tenants/{TENANT}/submissions"


def _post(system, message: ce_http.HTTPMessage) -> httpx.Response:
    return httpx.post(_submissions(system), content=message.body, headers=message.headers, timeout=30)


def _batch(*events: CloudEvent) -> ce_http.HTTPMessage:
    """A batch as the JSON event format defines it: an array of the SDK's structured events."""
    return ce_http.HTTPMessage(
        {"content-type": "application/cloudevents-batch+json"}, b"[" + b",".join(FORMAT.write(e) for e in events) + b"]"
    )


async def _publish_nats(url: str, kind: str, *messages: ce_http.HTTPMessage) -> None:
    nc = await nats.connect(url)
    try:
        js = nc.jetstream()
        for m in messages:
            await js.publish(f"duban.in.{TENANT}.{kind}", m.body, headers=m.headers)
    finally:
        await nc.close()


def _registered(url: str) -> dict[str, list[dict]]:
    """matter.registered events by the submission's (source, id)."""
    out: dict[str, list[dict]] = {}
    for m in asyncio.run(read_stream(url, f"duban.ev.{TENANT}.matter.registered")):
        origin = json.loads(m.data)["data"]["origin"]
        out.setdefault((origin["source"], origin["external_id"]), []).append(json.loads(m.data))
    return out


def _key(event: CloudEvent) -> tuple[str, str]:
    return event.get_source(), event.get_id()


def _wait_registered(url: str, *events: CloudEvent) -> dict:
    return wait_for(
        lambda: (lambda r: r if all(_key(e) in r for e in events) else None)(_registered(url)),
        what="a matter.registered for each event",
    )


def test_structured_binary_and_batched_over_http_are_each_registered_once(intake, nats_server):
    structured, binary = _event("leader_instruction", "http-structured"), _event("document", "http-binary")
    in_batch = [_event("leader_instruction", "http-batch-1"), _event("superior_assignment", "http-batch-2")]

    r = _post(intake, ce_http.to_structured(structured, FORMAT))
    assert r.status_code == 201 and r.json()["status"] == "registered", r.text
    message = ce_http.to_binary(binary, FORMAT)
    assert message.headers["ce-source"] and "ce-tenant" in message.headers and b"specversion" not in message.body
    r = _post(intake, message)
    assert r.status_code == 201 and r.json()["status"] == "registered", r.text
    r = _post(intake, _batch(*in_batch))
    assert r.status_code == 200, r.text
    answer = r.json()
    assert (answer["accepted"], answer["duplicates"], answer["refused"]) == (2, 0, 0)
    assert [(x["index"], x["id"], x["http_status"], x["status"]) for x in answer["results"]] == [
        (0, "http-batch-1", 201, "registered"),
        (1, "http-batch-2", 201, "registered"),
    ]

    registered = _wait_registered(nats_server.url, structured, binary, *in_batch)
    for e in (structured, binary, *in_batch):
        assert len(registered[_key(e)]) == 1, _key(e)
    document = registered[_key(binary)][0]["data"]
    assert document["title"] == binary.get_data()["title"] and document["origin"]["kind"] == "document"


def test_structured_and_binary_over_nats_are_each_registered_once(intake, nats_server):
    structured, binary = _event("online_message", "nats-structured"), _event("online_message", "nats-binary")
    asyncio.run(
        _publish_nats(
            nats_server.url,
            "online_message",
            ce_http.to_structured(structured, FORMAT),
            ce_http.to_binary(binary, FORMAT),
        )
    )
    registered = _wait_registered(nats_server.url, structured, binary)
    assert [len(registered[_key(e)]) for e in (structured, binary)] == [1, 1]
    assert registered[_key(binary)][0]["data"]["citizen"]["phone_masked"] == "139****5678"


def test_the_same_event_in_every_mode_and_channel_is_one_submission(intake, nats_server):
    # a source that percent-encoding must carry: a space, Chinese, '%' and '"'
    event = _event("leader_instruction", "one-event", source='/platforms/热线 12345/"督办" 100%')
    asyncio.run(_publish_nats(nats_server.url, "leader_instruction", ce_http.to_binary(event, FORMAT)))
    registered = _wait_registered(nats_server.url, event)
    matter_id = registered[_key(event)][0]["data"]["matter_id"]

    for message in (ce_http.to_structured(event, FORMAT), ce_http.to_binary(event, FORMAT)):
        r = _post(intake, message)
        assert r.status_code == 200 and r.json()["duplicate"] is True and r.json()["matter_ids"] == [matter_id], r.text
    r = _post(intake, _batch(event, event))
    assert [(x["http_status"], x["duplicate"]) for x in r.json()["results"]] == [(200, True), (200, True)]
    before = _nats_duplicates(intake)
    asyncio.run(_publish_nats(nats_server.url, "leader_instruction", ce_http.to_structured(event, FORMAT)))
    wait_for(lambda: _nats_duplicates(intake) > before, what="the structured repeat on NATS taken as a duplicate")

    listed = httpx.get(_submissions(intake), params={"source": event.get_source()}, timeout=10).json()
    assert listed["total"] == 1 and listed["items"][0]["external_id"] == "one-event"
    assert len(_registered(nats_server.url)[_key(event)]) == 1


def _nats_duplicates(system) -> float:
    """How many leader instructions intake's consumer has found already taken (its metrics)."""
    text = httpx.get(f"{system.url('intake')}/metrics", timeout=10).text
    found = [
        float(x.split()[-1])
        for x in text.splitlines()
        if x.startswith("duban_messages_total{")
        and 'outcome="duplicate"' in x
        and 'subject="duban.in.{tenant}.leader_instruction"' in x
    ]
    return sum(found)


def _dead_letters(url: str) -> dict[str, dict]:
    """Dead letters of this tenant's submissions, by the event id in their ``ce-id`` header or body."""
    out = {}
    for m in asyncio.run(read_stream(url, f"duban.dlq.{TENANT}.intake")):
        letter = json.loads(m.data)
        out[letter["original_headers"].get("ce-id") or json.loads(letter["original"]).get("id")] = letter
    return out


def test_binary_without_ce_source_is_refused_with_its_reason_on_http_and_nats(intake, nats_server):
    for id_ in ("no-source-http", "no-source-nats"):
        message = ce_http.to_binary(_event("document", id_), FORMAT)
        headers = {k: v for k, v in message.headers.items() if k != "ce-source"}
        if id_.endswith("http"):
            r = httpx.post(_submissions(intake), content=message.body, headers=headers, timeout=30)
            assert r.status_code == 422, r.text
            assert "ce-source" in r.json()["detail"] and r.json()["errors"][0]["loc"] == ["header", "ce-source"]
        else:
            asyncio.run(_publish_nats(nats_server.url, "document", ce_http.HTTPMessage(headers, message.body)))
    letters = wait_for(
        lambda: (lambda d: d if "no-source-nats" in d else None)(_dead_letters(nats_server.url)),
        what="the dead letter of the binary message without ce-source",
    )
    letter = letters["no-source-nats"]
    assert "缺少" in letter["reason"] and "ce-source" in letter["reason"]
    assert letter["subject"] == f"duban.in.{TENANT}.document" and json.loads(letter["original"])["doc_no"]
    listed = httpx.get(_submissions(intake), params={"kind": "document"}, timeout=10).json()["items"]
    assert not any(i["external_id"].startswith("no-source") for i in listed)


def test_a_batch_answers_each_event_on_its_own_within_its_bounds(intake, nats_server):
    good, bad = (
        json.loads(FORMAT.write(_event("leader_instruction", "batch-good"))),
        json.loads(FORMAT.write(_event("leader_instruction", "batch-bad"))),
    )
    bad["data"].pop("title")
    body = [good, bad, good, ["not", "an", "event"], {**good, "id": "batch-other", "tenant": "other"}]
    r = httpx.post(
        _submissions(intake), json=body, headers={"content-type": "application/cloudevents-batch+json"}, timeout=30
    )
    assert r.status_code == 200, r.text
    results = r.json()["results"]
    assert [x["http_status"] for x in results] == [201, 422, 200, 422, 422]
    assert results[2]["submission_id"] == results[0]["submission_id"]
    assert any(e["loc"] == ["body", 1, "data", "title"] for e in results[1]["errors"]), results[1]
    assert results[3]["errors"][0]["loc"][:2] == ["body", 3] and results[4]["errors"][0]["loc"] == ["body", 4, "tenant"]
    assert (r.json()["accepted"], r.json()["duplicates"], r.json()["refused"]) == (1, 1, 3)

    limit = 100
    too_many = [json.loads(FORMAT.write(_event("leader_instruction", f"over-{i}"))) for i in range(limit + 1)]
    r = httpx.post(
        _submissions(intake), json=too_many, headers={"content-type": "application/cloudevents-batch+json"}, timeout=30
    )
    assert r.status_code == 413 and f"最多 {limit} 个" in r.json()["detail"], r.text
    for empty in (b"[]", b'{"id": "x"}', b"[{"):
        r = httpx.post(
            _submissions(intake),
            content=empty,
            headers={"content-type": "application/cloudevents-batch+json"},
            timeout=30,
        )
        assert r.status_code == 422 and r.json()["detail"], (empty, r.text)
    listed = httpx.get(_submissions(intake), params={"limit": 500}, timeout=10).json()["items"]
    assert listed and not any(i["external_id"].startswith("over-") for i in listed)


def _http_example(name: str) -> tuple[str, dict[str, str], bytes]:
    """examples/modes/<name>.http (a request as REST clients write it) for this module's tenant."""
    head, _, body = (EXAMPLES / "modes" / f"{name}.http").read_text(encoding="utf-8").partition("\n\n")
    request_line, *lines = head.splitlines()
    headers = dict(line.split(": ", 1) for line in lines if not line.startswith("Authorization"))
    headers = {k: TENANT if k == "ce-tenant" else v for k, v in headers.items()}
    path = request_line.split(" ", 1)[1].split("8101", 1)[1].replace("/tenants/demo/", f"/tenants/{TENANT}/")
    body = body.replace('"tenant": "demo"', f'"tenant": "{TENANT}"')
    return path, headers, body.encode()


def test_the_documented_example_of_each_mode_is_taken(intake, nats_server):
    answers = {}
    for name in ("structured", "binary", "batch"):
        path, headers, body = _http_example(name)
        answers[name] = httpx.post(f"{intake.url('intake')}{path}", content=body, headers=headers, timeout=30)
        assert answers[name].status_code in (200, 201), (name, answers[name].text)
    assert answers["structured"].json()["status"] == "registered" and answers["binary"].json()["status"] == "registered"
    assert [x["http_status"] for x in answers["batch"].json()["results"]] == [201, 201]
    binary = httpx.get(f"{_submissions(intake)}/{answers['binary'].json()['submission_id']}", timeout=10).json()
    assert binary["source"] == "/platforms/县政府办公室 OA" and binary["data"]["doc_no"] == "县政办〔2026〕121号"


def test_what_the_broker_holds_of_this_tenant_is_on_the_asyncapi_contract(intake, nats_server):
    """Binary-mode submissions (and the one refused for its missing ce-source), structured ones,
    and intake's events with their ce- headers, checked against the committed AsyncAPI document."""

    async def read() -> list[Stored]:
        msgs = [
            m
            for family in ("in", "ev", "dlq")
            for m in await read_stream(nats_server.url, f"duban.{family}.{TENANT}.>")
        ]
        return [Stored(m.subject, m.data, dict(m.headers or {}), m.metadata.sequence.stream) for m in msgs]

    stored = asyncio.run(read())
    assert any("ce-source" in m.headers and m.subject.startswith("duban.in.") for m in stored)
    assert any(m.headers.get("ce-type") == "duban.matter.registered.v1" for m in stored)
    assert problems(stored) == []
