"""Spot checks over 1,000 completed online messages: at least 30% drawn, every draw recorded,
a "not satisfied" callback reopens the task."""

from __future__ import annotations

import asyncio
import json
import os
import uuid

import httpx
import nats
import pytest

from duban_cli.embedded import ServiceProcess
from duban_common.envelope import new_event
from duban_common.natsserver import free_port
from e2e_support import START, read_stream, wait_for

N = 1000
OFFICE = {"X-Duban-Role": "supervision_office"}
UNIT = {"X-Duban-Role": "unit", "X-Duban-Unit": "cgj"}


@pytest.fixture
def tasking(tmp_path, fresh_nats):
    env = dict(
        os.environ,
        DUBAN_NATS_URL=fresh_nats.url,
        DUBAN_DATA_DIR=str(tmp_path),
        DUBAN_HTTP_PORT=str(free_port()),
        DUBAN_CLOCK="simulated",
        PYTHONUNBUFFERED="1",
    )
    p = ServiceProcess("tasking", int(env["DUBAN_HTTP_PORT"]), env, tmp_path / "tasking.log")
    p.start()
    p.wait_ready()
    yield p
    p.stop()


async def _messages(url: str, tenant: str, n: int, kind: str) -> None:
    nc = await nats.connect(url)
    try:
        js = nc.jetstream()
        for i in range(n):
            matter_id = str(uuid.uuid4())
            data = {
                "matter_id": matter_id,
                "title": f"{kind} {i}",
                "content": "路灯不亮",
                "registered_at": START.isoformat(),
                "lead_unit": "cgj",
                "origin": {"kind": kind, "source": "/test", "submission_id": matter_id, "external_id": f"m-{i}"},
            }
            env = new_event(
                tenant=tenant, type="duban.matter.registered.v1", source="/duban/intake", data=data, time=START
            )
            await js.publish(f"duban.ev.{tenant}.matter.registered", env.to_bytes(), headers={"Nats-Msg-Id": env.id})
    finally:
        await nc.close()


async def _complete_all(base: str, tenant: str, task_ids: list[str]) -> None:
    sem = asyncio.Semaphore(16)

    async def one(c: httpx.AsyncClient, t: str) -> None:
        async with sem:
            for path, body, headers in (
                (f"{t}/acknowledge", None, UNIT),
                (f"{t}/completion", {"text": "已办结，已回复网民"}, UNIT),
                (f"{t}/accept", None, OFFICE),
            ):
                r = await c.post(f"/v1/tenants/{tenant}/tasks/{path}", json=body, headers=headers)
                assert r.status_code == 200, r.text

    async with httpx.AsyncClient(base_url=base, timeout=60) as c:
        await asyncio.gather(*(one(c, t) for t in task_ids))


def test_spot_check_draws_at_least_30_percent_and_records_every_draw(tasking, fresh_nats):
    tenant, base = "spot", tasking.url
    units = "code,name,type,head,contact,phone\ncgj,县城市管理局,department,华山,金燕,13800000014\n"
    httpx.put(
        f"{base}/v1/tenants/{tenant}/units", content=units, headers={"content-type": "text/csv"}, timeout=10
    ).raise_for_status()
    # the tenant's setting: completion reports go straight to the office (no unit head's sign-off; not this test's subject)
    httpx.put(
        f"{base}/v1/tenants/{tenant}/signoff-chains/completion_report", json={"steps": []}, timeout=10
    ).raise_for_status()
    asyncio.run(_messages(fresh_nats.url, tenant, N, "online_message"))
    asyncio.run(
        _messages(fresh_nats.url, tenant, 20, "leader_instruction")
    )  # completed too, but not in an online-message draw

    def tasks(**params) -> list[dict]:
        out, offset = [], 0
        while True:
            page = httpx.get(
                f"{base}/v1/tenants/{tenant}/tasks", params={"limit": 500, "offset": offset, **params}, timeout=30
            ).json()
            out += page["items"]
            offset += 500
            if offset >= page["total"]:
                return out

    wait_for(lambda: len(tasks()) == N + 20, timeout_s=120, what="all tasks assigned")
    asyncio.run(_complete_all(base, tenant, [t["id"] for t in tasks()]))
    assert len(tasks(status="completed")) == N + 20

    r = httpx.post(
        f"{base}/v1/tenants/{tenant}/spot-checks", json={"kind": "online_message"}, headers=OFFICE, timeout=60
    )
    assert r.status_code == 201, r.text
    check = r.json()
    assert check["population"] == N and len(check["selected"]) >= 0.3 * N
    online = {t["id"] for t in tasks() if t["title"].startswith("online_message")}
    assert set(check["selected"]) <= online

    recorded = httpx.get(f"{base}/v1/tenants/{tenant}/spot-checks/{check['id']}", timeout=30).json()
    assert recorded["seed"] == check["seed"] and recorded["rate"] == 0.3
    assert len(recorded["draws"]) == N, "every task considered by the draw is recorded, selected or not"
    assert {d["task_id"] for d in recorded["draws"] if d["selected"]} == set(check["selected"])
    assert {d["task_id"] for d in recorded["draws"]} == online

    unhappy, happy = check["selected"][:2]
    cb = f"{base}/v1/tenants/{tenant}/spot-checks/{check['id']}/callbacks"
    assert httpx.post(f"{cb}/{happy}", json={"satisfied": True}, headers=OFFICE, timeout=10).status_code == 200
    assert (
        httpx.post(
            f"{cb}/{unhappy}", json={"satisfied": False, "note": "网民反映路灯仍未修复"}, headers=OFFICE, timeout=10
        ).status_code
        == 200
    )
    assert httpx.post(f"{cb}/{unhappy}", json={"satisfied": True}, headers=OFFICE, timeout=10).status_code == 409
    not_drawn = next(t for t in online if t not in set(check["selected"]))
    assert httpx.post(f"{cb}/{not_drawn}", json={"satisfied": True}, headers=OFFICE, timeout=10).status_code == 404
    assert httpx.post(f"{cb}/{happy}", json={"satisfied": True}, headers=UNIT, timeout=10).status_code == 403

    reopened = httpx.get(f"{base}/v1/tenants/{tenant}/tasks/{unhappy}", timeout=10).json()
    assert reopened["status"] == "reopened" and reopened["history"][-1]["detail"]["reason"] == "网民反映路灯仍未修复"
    assert httpx.get(f"{base}/v1/tenants/{tenant}/tasks/{happy}", timeout=10).json()["status"] == "completed"

    # every recorded callback is a fact of its own (satisfied or not), published once: the refused repeat emitted nothing
    def spot_checked() -> list[dict]:
        found = [
            json.loads(m.data) for m in asyncio.run(read_stream(fresh_nats.url, f"duban.ev.{tenant}.task.spot_checked"))
        ]
        return found if len(found) >= 2 else []

    checked = wait_for(spot_checked, what="two task.spot_checked events")
    assert {
        (e["type"], e["data"]["task_id"], e["data"]["satisfied"], e["data"]["spot_check_id"], e["data"]["unit"])
        for e in checked
    } == {
        ("duban.task.spot_checked.v1", happy, True, check["id"], "cgj"),
        ("duban.task.spot_checked.v1", unhappy, False, check["id"], "cgj"),
    }
    assert len(checked) == 2, [e["data"] for e in checked]
    assert next(e for e in checked if not e["data"]["satisfied"])["data"]["note"] == "网民反映路灯仍未修复"
    assert [h["event_type"] for h in reopened["history"]][-2:] == [
        "duban.task.spot_checked.v1",
        "duban.task.reopened.v1",
    ]

    again = httpx.post(
        f"{base}/v1/tenants/{tenant}/spot-checks", json={"kind": "online_message"}, headers=OFFICE, timeout=10
    )
    assert again.status_code == 409, "a task is drawn from once"

    # 「复核率应在30%以上」: no draw below the tenant's minimum, a per-tenant setting (30 % by default)
    low = httpx.post(
        f"{base}/v1/tenants/other/spot-checks", json={"kind": "online_message", "rate": 0.2}, headers=OFFICE, timeout=10
    )
    assert low.status_code == 422 and "最低复核率 30%" in low.json()["detail"]
    settings = f"{base}/v1/tenants/{tenant}/spot-check-settings"
    assert httpx.put(settings, json={"min_rate": 1.5}, headers=OFFICE, timeout=10).status_code == 422
    assert httpx.put(settings, json={"min_rate": 0.5}, headers=OFFICE, timeout=10).status_code == 200
    assert httpx.get(settings, headers=OFFICE, timeout=10).json()["min_rate"] == 0.5
    below = httpx.post(
        f"{base}/v1/tenants/{tenant}/spot-checks",
        json={"kind": "online_message", "rate": 0.4},
        headers=OFFICE,
        timeout=10,
    )
    assert below.status_code == 422 and "最低复核率 50%" in below.json()["detail"]
    assert (
        httpx.get(f"{base}/v1/tenants/other/spot-check-settings", headers=OFFICE, timeout=10).json()["min_rate"] == 0.3
    )
