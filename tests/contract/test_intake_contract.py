"""CONTRACT.md inbound: every kind, on a real NATS server, against the intake process."""

from __future__ import annotations

import asyncio
import copy
import json

import httpx
import pytest

from duban_cli.embedded import EmbeddedSystem
from duban_common.contracts.submissions import KINDS
from duban_common.natsserver import free_port
from e2e_support import example, publish, read_stream, wait_for


@pytest.fixture(scope="module")
def intake(tmp_path_factory, nats_server):
    system = EmbeddedSystem(data_dir=tmp_path_factory.mktemp("intake-contract"), nats_url=nats_server.url,
                            ports={"intake": free_port(), "tasking": free_port()}, clock="simulated")
    try:
        system.start_services(names=("intake",))
        httpx.put(f"{system.url('intake')}/v1/admin/tenants/ctr", json={"name": "契约测试县"}, timeout=10).raise_for_status()
        yield system
    finally:
        system.stop()


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
    "meeting_decision": {"meeting_type": "executive", "meeting_held_on": "2026-11-20", "minutes_no": "〔2026〕12号", "decision_seq": 1},
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
        ev = sorted(events, key=lambda e: e["data"]["origin"].get("decision_seq") or 0)[0]
        assert ev["type"] == "duban.matter.registered.v1" and ev["tenant"] == "ctr"
        data = ev["data"]
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
        return {json.loads(json.loads(m.data)["original"])["id"]: json.loads(m.data)
                for m in asyncio.run(read_stream(nats_server.url, "duban.dlq.ctr.intake"))}

    got = wait_for(lambda: (lambda l: l if len(l) >= len(BREAK) else None)(letters()), what="a dead letter per kind")
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
        return {json.loads(json.loads(m.data)["original"])["id"]: json.loads(m.data)["reason"]
                for m in asyncio.run(read_stream(nats_server.url, subject))}

    ctr = wait_for(lambda: (lambda r: r if other["id"] in r and kind["id"] in r else None)(reasons("duban.dlq.ctr.intake")), what="dead letters")
    assert "subject kind 'online_message' does not match" in ctr[other["id"]]
    assert "unknown submission type 'duban.submission.petition.v1'" in ctr[kind["id"]]
    nobody = wait_for(lambda: reasons("duban.dlq.nobody.intake"), what="unknown tenant dead letter")
    assert nobody[unknown["id"]] == "unknown tenant 'nobody'"


def test_oversized_bodies_are_refused_before_parsing(intake, nats_server):
    big = b"x" * 1_100_000
    r = httpx.post(f"{intake.url('intake')}/v1/tenants/ctr/submissions", content=big, headers={"content-type": "application/json"}, timeout=10)
    assert r.status_code == 413 and "请求内容过大" in r.json()["detail"]
    asyncio.run(publish(nats_server.url, [], subject="duban.in.ctr.document", raw=b'{"pad": "' + b"y" * 1_000_100 + b'"}'))
    letters = wait_for(lambda: [json.loads(m.data) for m in asyncio.run(read_stream(nats_server.url, "duban.dlq.ctr.intake"))
                                if "exceeds the limit" in json.loads(m.data)["reason"]], what="oversize dead letter")
    assert letters[0]["subject"] == "duban.in.ctr.document"


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
