"""CONTRACT.md inbound: every kind, on a real NATS server, against the intake process."""

from __future__ import annotations

import asyncio
import copy
import hashlib
import json

import httpx
import nats
import pytest

from duban_common.contracts.dead_letters import ORIGINAL_LIMIT, REASON_LIMIT, fetch_original
from duban_common.contracts.submissions import KINDS
from e2e_support import example, intake_only, publish, read_stream, wait_for


@pytest.fixture(scope="module")
def intake(tmp_path_factory, nats_server):
    with intake_only(tmp_path_factory.mktemp("intake-contract"), nats_server.url, "ctr", "契约测试县") as system:
        yield system


def _for_tenant(env: dict, tenant: str = "ctr", suffix: str = "") -> dict:
    env = copy.deepcopy(env)
    env["tenant"], env["id"] = tenant, env["id"] + suffix
    return env


def _registered(url: str) -> dict[str, list[dict]]:
    msgs = asyncio.run(read_stream(url, "duban.ev.ctr.matter.registered"))
    out: dict[str, list[dict]] = {}
    for m in msgs:
        env = json.loads(m.data)
        out.setdefault(env["data"]["origin"]["external_id"], []).append(env)
    return out


EXPECTED_ORIGIN = {
    "meeting_decision": {
        "meeting_type": "executive",
        "meeting_held_on": "2026-11-20",
        "minutes_no": "〔2026〕12号",
        "decision_seq": 1,
    },
    "leader_instruction": {"leader_name": "王县长", "leader_role": "principal", "origin_on": "2026-11-20"},
    "deputy_suggestion": {"origin_on": "2026-03-05"},
    "cppcc_proposal": {"led_by_leader": "李副县长"},
    "online_message": {"origin_on": "2026-11-20"},
    "work_report_task": {},
    "superior_assignment": {"origin_on": "2026-11-18"},
    "document": {"handling": "multi", "origin_on": "2026-11-19"},
}


def test_every_kind_round_trips_nats_to_matter_registered(intake, nats_server):
    envs = [_for_tenant(example(kind)) for kind in KINDS]
    asyncio.run(publish(nats_server.url, envs))
    wait_for(lambda: len(_registered(nats_server.url)) >= len(KINDS), what="a matter.registered for every kind")
    registered = _registered(nats_server.url)
    for env in envs:
        kind = env["type"].split(".")[2]
        events = registered[env["id"]]
        expected_items = len(env["data"]["decisions"]) if kind == "meeting_decision" else 1
        assert len(events) == expected_items, kind
        first_event = sorted(events, key=lambda e: e["data"]["origin"].get("decision_seq") or 0)[0]
        assert first_event["type"] == "duban.matter.registered.v1" and first_event["tenant"] == "ctr"
        data = first_event["data"]
        assert data["origin"]["kind"] == kind and data["origin"]["source"] == env["source"]
        first = env["data"]["decisions"][0] if kind == "meeting_decision" else env["data"]
        assert data["title"] == first["title"] and data["content"] == first["content"]
        assert data["lead_unit"] == first["lead_unit"]
        assert data["co_units"] == first.get("co_units", [])
        for field, value in EXPECTED_ORIGIN[kind].items():
            assert data["origin"][field] == value, (kind, field)
    citizen = registered[_for_tenant(example("online_message"))["id"]][0]["data"]["citizen"]
    assert citizen["name_masked"] == "张*三" and citizen["phone_masked"] == "139****5678"
    assert "13912345678" not in json.dumps(registered, ensure_ascii=False)


BREAK = {
    "meeting_decision": (lambda d: d["meeting"].pop("held_on"), "meeting.held_on"),
    "leader_instruction": (lambda d: d["leader"].update(role="mayor"), "leader.role"),
    "deputy_suggestion": (lambda d: d.pop("number"), "number"),
    "cppcc_proposal": (lambda d: d.update(submitted_on="2026-02-30"), "submitted_on"),
    "online_message": (lambda d: d.update(channel="wechat"), "channel"),
    "work_report_task": (lambda d: d.update(year="twenty"), "year"),
    "superior_assignment": (lambda d: d.pop("reference_no"), "reference_no"),
    "document": (lambda d: d.update(handling="slow"), "handling"),
}


def test_an_invalid_example_of_each_kind_is_dead_lettered_naming_the_field(intake, nats_server):
    envs = []
    for kind, (breaker, _) in BREAK.items():
        env = _for_tenant(example(kind), suffix="-bad")
        breaker(env["data"])
        envs.append(env)
    asyncio.run(publish(nats_server.url, envs))

    def letters():
        return {
            json.loads(json.loads(m.data)["original"])["id"]: json.loads(m.data)
            for m in asyncio.run(read_stream(nats_server.url, "duban.dlq.ctr.intake"))
        }

    got = wait_for(
        lambda: (lambda found: found if len(found) >= len(BREAK) else None)(letters()), what="a dead letter per kind"
    )
    for env in envs:
        kind = env["type"].split(".")[2]
        letter = got[env["id"]]
        assert letter["subject"] == f"duban.in.ctr.{kind}"
        assert BREAK[kind][1] in letter["reason"], (kind, letter["reason"])
        assert letter["reason"].startswith(f"invalid {kind} data")
    assert not any(e["id"] in _registered(nats_server.url) for e in envs)


def test_subject_and_envelope_must_agree_on_tenant_and_kind(intake, nats_server):
    other = _for_tenant(example("document"), suffix="-mismatch")
    asyncio.run(publish(nats_server.url, [other], subject="duban.in.ctr.online_message"))
    unknown = _for_tenant(example("document"), tenant="nobody", suffix="-unknown")
    asyncio.run(publish(nats_server.url, [unknown]))
    kind = _for_tenant(example("document"), suffix="-kind")
    kind["type"] = "duban.submission.petition.v1"
    asyncio.run(publish(nats_server.url, [kind], subject="duban.in.ctr.petition"))

    def reasons(subject):
        return {
            json.loads(json.loads(m.data)["original"])["id"]: json.loads(m.data)["reason"]
            for m in asyncio.run(read_stream(nats_server.url, subject))
        }

    ctr = wait_for(
        lambda: (lambda r: r if other["id"] in r and kind["id"] in r else None)(reasons("duban.dlq.ctr.intake")),
        what="dead letters",
    )
    assert "subject kind 'online_message' does not match" in ctr[other["id"]]
    assert "unknown submission type 'duban.submission.petition.v1'" in ctr[kind["id"]]
    nobody = wait_for(lambda: reasons("duban.dlq.nobody.intake"), what="unknown tenant dead letter")
    assert nobody[unknown["id"]] == "unknown tenant 'nobody'"


def test_oversized_bodies_are_refused_before_parsing(intake, nats_server):
    big = b"x" * 1_100_000
    r = httpx.post(
        f"{intake.url('intake')}/v1/tenants/ctr/submissions",
        content=big,
        headers={"content-type": "application/json"},
        timeout=10,
    )
    assert r.status_code == 413 and "请求内容过大" in r.json()["detail"]
    asyncio.run(
        publish(nats_server.url, [], subject="duban.in.ctr.document", raw=b'{"pad": "' + b"y" * 1_000_100 + b'"}')
    )
    letters = wait_for(
        lambda: [
            json.loads(m.data)
            for m in asyncio.run(read_stream(nats_server.url, "duban.dlq.ctr.intake"))
            if "exceeds the limit" in json.loads(m.data)["reason"]
        ],
        what="oversize dead letter",
    )
    assert letters[0]["subject"] == "duban.in.ctr.document"


def _letters_on(url: str, subject: str, pred) -> list[dict]:
    return [
        letter
        for letter in (json.loads(m.data) for m in asyncio.run(read_stream(url, "duban.dlq.ctr.intake")))
        if letter["subject"] == subject and pred(letter)
    ]


async def _fetch_original(url: str, letter: dict) -> bytes:
    nc = await nats.connect(url)
    try:
        return await fetch_original(nc.jetstream(), letter)
    finally:
        await nc.close()


@pytest.mark.parametrize(
    "raw",
    [b"\x01" * 200_000, b"\xff\xfe" * 300_000, b"\x00" * 1_040_000],
    ids=["control-characters", "invalid-utf8", "near-max-payload"],
)
def test_poison_that_grows_under_encoding_is_dead_lettered_within_max_payload(intake, nats_server, raw):
    """The broker took it, so a dead letter must say so: never one larger than max_payload (lost after max_deliver)."""
    subject = "duban.in.ctr.online_message"
    sha = hashlib.sha256(raw).hexdigest()
    asyncio.run(publish(nats_server.url, [], subject=subject, raw=raw))
    [letter] = wait_for(
        lambda: _letters_on(nats_server.url, subject, lambda letter: letter.get("original_sha256") == sha),
        what="a dead letter of the oversized poison",
    )
    assert letter["reason"] and letter["original_size"] == len(raw) and letter["original_truncated"] is True
    assert letter["original_stream"] == "DUBAN_IN" and letter["deliveries"] == 1
    assert len(json.dumps(letter, ensure_ascii=False).encode()) <= ORIGINAL_LIMIT + REASON_LIMIT + 4096
    assert asyncio.run(_fetch_original(nats_server.url, letter)) == raw  # the whole original, by reference


@pytest.mark.parametrize(
    "subject", ["duban.in.ctr.online_message.extra", "duban.in.ctr.online_message.a.b", "duban.in.ctr"]
)
def test_a_subject_intake_cannot_take_is_dead_lettered_not_kept_unread(intake, nats_server, subject):
    """DUBAN_IN stores duban.in.>: what is not duban.in.<tenant>.<kind> gets a dead letter with the reason
    (on duban.dlq.unknown.intake when the subject has no tenant token)."""
    env = _for_tenant(example("online_message"), suffix=f"-stray-{subject.count('.')}")
    asyncio.run(publish(nats_server.url, [env], subject=subject))
    letters = wait_for(
        lambda: [
            json.loads(m.data)
            for m in asyncio.run(read_stream(nats_server.url, "duban.dlq.*.intake"))
            if json.loads(m.data)["subject"] == subject
        ],
        what=f"a dead letter for {subject}",
    )
    assert len(letters) == 1 and json.loads(letters[0]["original"])["id"] == env["id"]
    assert letters[0]["consumer"] == "intake-strays" and "is not duban.in.<tenant>.<kind>" in letters[0]["reason"]
    assert env["id"] not in _registered(nats_server.url)


def test_the_same_submission_on_nats_then_http_is_one_matter(intake, nats_server):
    env = _for_tenant(example("leader_instruction"), suffix="-twice")
    asyncio.run(publish(nats_server.url, [env]))
    wait_for(lambda: env["id"] in _registered(nats_server.url), what="the NATS submission registered")
    r = httpx.post(f"{intake.url('intake')}/v1/tenants/ctr/submissions", json=env, timeout=10)
    assert r.status_code == 200 and r.json()["duplicate"] is True and len(r.json()["matter_ids"]) == 1
    assert len(_registered(nats_server.url)[env["id"]]) == 1
    assert r.json()["matter_ids"] == [_registered(nats_server.url)[env["id"]][0]["data"]["matter_id"]]


def test_metrics_count_submissions_by_kind_channel_and_outcome(intake):
    text = httpx.get(f"{intake.url('intake')}/metrics", timeout=10).text
    assert 'duban_intake_submissions_total{channel="nats",kind="document",outcome="registered"}' in text
    assert 'duban_intake_submissions_total{channel="http",kind="leader_instruction",outcome="duplicate"}' in text
    assert 'duban_intake_submissions_total{channel="nats",kind="online_message",outcome="invalid"}' in text
