"""The first flow, end to end, through the public contract only."""

from __future__ import annotations

import asyncio
import json
from datetime import date

import httpx
import nats
import pytest

from asyncapi_support import off_contract
from duban_common.calendar import WorkCalendar
from e2e_support import START, ledger, meeting_decision, publish, set_clock, wait_for

pytestmark = pytest.mark.e2e


def _matters(system, ext_id: str) -> list[dict]:
    return [i for i in ledger(system, q=ext_id)["items"] if i["external_id"] == ext_id]


def test_meeting_decision_on_nats_becomes_three_assigned_matters_with_due_dates(system, nats_server):
    asyncio.run(publish(nats_server.url, [meeting_decision("md-nats-1")]))

    items = wait_for(
        lambda: (lambda m: m if len(m) == 3 and all(i["due_on"] and i["lead_unit"] for i in m) else None)(
            _matters(system, "md-nats-1")
        ),
        what="three matters with due dates in the ledger",
    )
    # executive meeting: 15 days from the assignment day (not counted), rolled to a working day
    expected_due = WorkCalendar().add_days(START.date(), 15).day
    assert expected_due == date(2026, 12, 7)  # 2026-12-05 is a Saturday
    by_seq = sorted(items, key=lambda i: i["decision_seq"])
    assert [i["lead_unit"] for i in by_seq] == ["zjj", "fgj", "jyj"]
    assert [i["title"] for i in by_seq] == [f"md-nats-1 议定事项{n}" for n in (1, 2, 3)]
    for item in by_seq:
        assert item["kind"] == "meeting_decision"
        assert item["status"] == "assigned"
        assert item["due_on"] == expected_due.isoformat()
        assert item["deadline_rule"] == "meeting_executive"
        assert item["light"] == "green"
        assert item["provisional"] is False


def test_http_submission_registers_and_a_repeat_answers_duplicate(system):
    env = meeting_decision("md-http-1", decisions=2)
    url = f"{system.url('intake')}/v1/tenants/demo/submissions"
    first = httpx.post(url, json=env, timeout=10)
    assert first.status_code == 201, first.text
    body = first.json()
    assert body["duplicate"] is False and body["status"] == "registered" and len(body["matter_ids"]) == 2

    again = httpx.post(url, json=env, timeout=10)
    assert again.status_code == 200
    assert again.json()["duplicate"] is True
    assert again.json()["submission_id"] == body["submission_id"]
    assert again.json()["matter_ids"] == body["matter_ids"]

    items = wait_for(
        lambda: (lambda m: m if len(m) == 2 and all(i["status"] == "assigned" for i in m) else None)(
            _matters(system, "md-http-1")
        ),
        what="two assigned matters",
    )
    assert sorted(i["matter_id"] for i in items) == sorted(body["matter_ids"])


def test_the_same_decision_published_three_times_gives_three_matters_not_nine(system, nats_server):
    env = meeting_decision("md-thrice")
    asyncio.run(publish(nats_server.url, [env, env, env]))
    wait_for(
        lambda: len(_matters(system, "md-thrice")) == 3 and all(i["due_on"] for i in _matters(system, "md-thrice")),
        what="three matters",
    )
    # and once more over HTTP, once intake has registered it: the same (tenant, source, id) on
    # the other channel (posted earlier, it could come first and be the one registered)
    r = httpx.post(f"{system.url('intake')}/v1/tenants/demo/submissions", json=env, timeout=10)
    assert r.status_code == 200 and r.json()["duplicate"] is True

    # a marker published after the repeats proves they have all been consumed
    asyncio.run(publish(nats_server.url, [meeting_decision("md-thrice-marker", decisions=1)]))
    wait_for(lambda: len(_matters(system, "md-thrice-marker")) == 1, what="the marker matter")
    assert len(_matters(system, "md-thrice")) == 3
    tasks = httpx.get(f"{system.url('tasking')}/v1/tenants/demo/tasks", params={"limit": 500}, timeout=10).json()[
        "items"
    ]
    matter_ids = {i["matter_id"] for i in _matters(system, "md-thrice")}
    assert len([t for t in tasks if t["matter_id"] in matter_ids]) == 3


def test_malformed_submission_is_dead_lettered_with_reason_and_the_next_one_is_processed(system, nats_server):
    async def scenario() -> dict:
        nc = await nats.connect(nats_server.url)
        try:
            js = nc.jetstream()
            dlq = await js.subscribe(
                "duban.dlq.demo.intake",
                durable=None,
                ordered_consumer=True,
                deliver_policy=nats.js.api.DeliverPolicy.NEW,
            )
            bad = meeting_decision("md-bad-1")
            del bad["data"]["meeting"]["held_on"]
            bad["data"]["decisions"][0]["lead_unit"] = "not a code!"
            await js.publish("duban.in.demo.meeting_decision", json.dumps(bad, ensure_ascii=False).encode())
            msg = await dlq.next_msg(timeout=30)
            return json.loads(msg.data)
        finally:
            await nc.close()

    letter = asyncio.run(scenario())
    assert letter["subject"] == "duban.in.demo.meeting_decision"
    assert letter["service"] == "intake"
    assert "meeting.held_on" in letter["reason"] and "decisions.0.lead_unit" in letter["reason"]
    assert json.loads(letter["original"])["id"] == "md-bad-1"
    assert _matters(system, "md-bad-1") == []

    asyncio.run(publish(nats_server.url, [meeting_decision("md-after-bad", decisions=1)]))
    wait_for(lambda: len(_matters(system, "md-after-bad")) == 1, what="the valid submission after the poison one")


def test_http_validation_names_each_bad_field_and_keeps_nothing(system):
    bad = meeting_decision("md-bad-http")
    bad["data"]["meeting"]["type"] = "party"
    bad["data"]["decisions"][1]["title"] = ""
    r = httpx.post(f"{system.url('intake')}/v1/tenants/demo/submissions", json=bad, timeout=10)
    assert r.status_code == 422
    locs = {tuple(e["loc"]) for e in r.json()["errors"]}
    assert ("data", "meeting", "type") in locs
    assert ("data", "decisions", 1, "title") in locs
    listed = httpx.get(f"{system.url('intake')}/v1/tenants/demo/submissions", params={"limit": 500}, timeout=10).json()[
        "items"
    ]
    assert "md-bad-http" not in {s["external_id"] for s in listed}


def test_unknown_tenant_is_refused_with_the_reason(system):
    env = meeting_decision("md-nobody", tenant="nowhere")
    r = httpx.post(f"{system.url('intake')}/v1/tenants/nowhere/submissions", json=env, timeout=10)
    assert r.status_code == 422
    assert r.json()["detail"] == "没有租户 nowhere"


def test_lights_follow_the_shared_clock(system, nats_server):
    asyncio.run(publish(nats_server.url, [meeting_decision("md-clock", decisions=1)]))
    wait_for(lambda: (_matters(system, "md-clock") or [{}])[0].get("due_on"), what="a due date")
    due = date.fromisoformat(_matters(system, "md-clock")[0]["due_on"])
    from datetime import datetime
    from datetime import time as dtime

    from duban_common.calendar import TZ

    try:
        # two working days before the deadline: yellow; the day after: red
        yellow_day = WorkCalendar().subtract_workdays(due, 2).day
        asyncio.run(set_clock(nats_server.url, datetime.combine(yellow_day, dtime(9, 0), tzinfo=TZ)))
        assert _matters(system, "md-clock")[0]["light"] == "yellow"
        asyncio.run(set_clock(nats_server.url, datetime.combine(due, dtime(18, 0), tzinfo=TZ)))
        assert _matters(system, "md-clock")[0]["light"] == "red"
    finally:
        asyncio.run(set_clock(nats_server.url, START))
    assert _matters(system, "md-clock")[0]["light"] == "green"


def test_every_message_the_broker_holds_is_on_the_contract(system, nats_server):
    assert off_contract(nats_server.url) == []
