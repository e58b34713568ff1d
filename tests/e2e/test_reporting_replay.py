"""Reporting end to end: a quarter of supervision work driven through the public APIs, its
statistics checked against figures computed here from what the test did, and then the read
models rebuilt from the EV stream (``duban rebuild reporting``), live and from an empty
database, giving the same ledger and statistics.

The system here has a NATS server of its own: the session's server is shared by every e2e
module, and its EV stream holds earlier modules' events that this module's reporting never saw,
so a rebuild from the first event could not equal the live ledger there."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
from datetime import datetime
from functools import partial

import httpx
import nats
import pytest

from duban_cli.embedded import SERVICES
from duban_common.calendar import TZ
from duban_common.natsserver import NatsServer, free_port
from e2e_support import (
    OFFICE,
    START,
    demo_system,
    duban_command,
    ledger,
    meeting_decision,
    publish,
    read_stream,
    set_clock,
    unit,
    wait_for,
)
from e2e_support import act as act_on_task

pytestmark = pytest.mark.e2e

TENANT = "tj"
act = partial(act_on_task, tenant=TENANT)  # the quarter's tasks are all the statistics county's


@pytest.fixture(scope="module")
def own_system(tmp_path_factory):
    data = tmp_path_factory.mktemp("duban-replay")
    server = NatsServer(data / "nats").start()
    ports = {s: free_port() for s in SERVICES}
    try:
        with demo_system(data, server.url, ports, tenants={TENANT: "统计县"}, log_lines=10) as system:
            yield system
    finally:
        server.stop()


async def _positions(url: str) -> tuple[int, int, int]:
    nc = await nats.connect(url)
    try:
        js = nc.jetstream()
        last = (await js.stream_info("DUBAN_EV")).state.last_seq
        ci = await js.consumer_info("DUBAN_EV", "reporting-projections")
        return last, ci.num_pending + ci.num_ack_pending, ci.delivered.stream_seq
    finally:
        await nc.close()


def settle(system) -> None:
    """Until nothing more is published and reporting has applied everything."""
    seen: list[tuple] = []

    def quiet():
        seen.append(asyncio.run(_positions(system.nats_url)))
        return len(seen) >= 3 and seen[-1] == seen[-2] == seen[-3] and seen[-1][1] == 0 and seen[-1][2] == seen[-1][0]

    wait_for(quiet, timeout_s=60, interval_s=0.7, what="the EV stream to settle and reporting to catch up")


@pytest.fixture(scope="module")
def quarter(own_system):
    """Five tasks of one executive meeting (assigned Fri 2026-11-20, due Mon 2026-12-07 17:30):
    zjj closes two on Wed 11-25 (one after a return), wjj gets an extension to 12-21, and on Tue
    12-08 fgj closes late and wjj on time, while jyj's stays open and overdue."""
    system = own_system
    env = meeting_decision("rp-quarter", decisions=5, tenant=TENANT)
    env["data"]["decisions"][4]["lead_unit"] = "zjj"
    asyncio.run(publish(system.nats_url, [env]))
    rows = wait_for(
        lambda: (lambda r: r if len(r) == 5 and all(i["task_id"] and i["due_on"] for i in r) else None)(
            ledger(system, TENANT, q="rp-quarter")["items"]
        ),
        what="five assigned tasks with deadlines",
    )
    task = {r["decision_seq"]: r["task_id"] for r in rows}
    assert {r["due_on"] for r in rows} == {"2026-12-07"}
    za, fgj, jyj, wjj, zb = (task[i] for i in range(1, 6))
    for t, code in ((za, "zjj"), (zb, "zjj"), (fgj, "fgj"), (jyj, "jyj"), (wjj, "wjj")):
        act(system, t, "acknowledge", unit(code))
    deadline = f"{system.url('deadline')}/v1/tenants/{TENANT}/tasks/{wjj}/extensions"
    ext = httpx.post(deadline, json={"reason": "需跨部门协调", "requested_due_on": "2026-12-21"}, timeout=10)
    assert ext.status_code == 201, ext.text
    ok = httpx.post(f"{deadline}/{ext.json()['id']}/decision", json={"decision": "approved"}, timeout=10)
    assert ok.status_code == 200, ok.text
    try:
        asyncio.run(set_clock(system.nats_url, datetime(2026, 11, 25, 10, 0, tzinfo=TZ)))
        act(system, za, "completion", unit("zjj"), {"text": "已完成"})
        act(system, za, "accept", OFFICE)
        act(system, zb, "completion", unit("zjj"), {"text": "已完成"})
        act(system, zb, "return", OFFICE, {"reason": "材料不完整"})
        act(system, zb, "completion", unit("zjj"), {"text": "已补充"})
        act(system, zb, "accept", OFFICE)
        asyncio.run(set_clock(system.nats_url, datetime(2026, 12, 8, 10, 0, tzinfo=TZ)))
        wait_for(
            lambda: (
                {i["light"] for i in ledger(system, TENANT, q="rp-quarter", light="red")["items"]} == {"red"}
                and ledger(system, TENANT, q="rp-quarter", light="red")["total"] == 2
            ),
            what="two red lights",
        )
        act(system, fgj, "completion", unit("fgj"), {"text": "已完成"})
        act(system, fgj, "accept", OFFICE)
        act(system, wjj, "completion", unit("wjj"), {"text": "已完成"})
        act(system, wjj, "accept", OFFICE)
        settle(system)
    except Exception:
        asyncio.run(set_clock(system.nats_url, START))
        raise
    return {"za": za, "zb": zb, "fgj": fgj, "jyj": jyj, "wjj": wjj}


def statistics(system, **params) -> dict:
    r = httpx.get(f"{system.url('reporting')}/v1/tenants/{TENANT}/statistics", params=params, timeout=10)
    assert r.status_code == 200, r.text
    return r.json()


FIELDS = (
    "assigned",
    "completed",
    "completed_on_time",
    "overdue",
    "on_time_rate",
    "avg_handling_workdays",
    "returns",
    "extensions",
)


def escalation_facts(system) -> dict[str, dict]:
    """Urges and deductions per unit, read straight from the EV stream (what escalation decided)."""
    out: dict[str, dict] = {}
    for msg in asyncio.run(read_stream(system.nats_url, f"duban.ev.{TENANT}.escalation.>")):
        body = json.loads(msg.data)
        u = out.setdefault(body["data"]["unit"], {"urges": 0, "deductions": 0.0})
        if body["type"] == "duban.escalation.urged.v1":
            u["urges"] += 1
        elif body["type"] == "duban.escalation.deducted.v1":
            u["deductions"] += body["data"]["points"]
    return out


def test_statistics_of_the_quarter_and_its_months(own_system, quarter):
    q4 = statistics(own_system, period="2026-Q4")
    assert q4["period"] == {"from": "2026-10-01", "to": "2026-12-31", "label": "2026年第四季度"}
    got = {u["unit"]: tuple(u[f] for f in FIELDS) for u in q4["by_unit"]}
    # handling days: 11-20 → 11-25 is 3 working days (23, 24, 25); 11-20 → 12-08 is 12 (5 + 5 + 12-07, 12-08)
    assert got == {
        "zjj": (2, 2, 2, 0, 100.0, 3.0, 1, 0),
        "wjj": (1, 1, 1, 0, 100.0, 12.0, 0, 1),  # on time: its deadline moved to 12-21
        "fgj": (1, 1, 0, 1, 0.0, 12.0, 0, 0),  # closed a day late, after its overdue fact
        "jyj": (1, 0, 0, 1, None, None, 0, 0),  # still open and overdue
    }
    escalated = escalation_facts(
        own_system
    )  # escalation urges on an overdue fact; a return takes the first rung, no urge
    assert {u for u, f in escalated.items() if f["urges"]} == {"fgj", "jyj"}
    assert escalated["zjj"]["deductions"] > 0  # zjj's return: the first rung's bulletin and its points
    for u in q4["by_unit"]:
        e = escalated.get(u["unit"], {"urges": 0, "deductions": 0.0})
        assert (u["urges"], u["deductions"], u["score"]) == (
            e["urges"],
            round(e["deductions"], 2),
            round(100 - e["deductions"], 1),
        ), u["unit"]
    assert [(r["rank"], r["unit"], r["admonition"]) for r in q4["ranking"]] == [
        (1, "zjj", True),
        (2, "wjj", False),
        (3, "fgj", True),
        (4, "jyj", True),
    ]  # bottom 3 by score; wjj is flawless, zjj lost points
    assert {u["unit"]: u["unit_name"] for u in q4["by_unit"]}["zjj"] == "县住房和城乡建设局"
    (kind,) = q4["by_kind"]
    assert (kind["kind"], kind["kind_label"]) == ("meeting_decision", "会议议定事项")
    assert tuple(kind[f] for f in FIELDS) == (5, 4, 3, 2, 75.0, 7.5, 1, 1)
    assert kind["urges"] == sum(f["urges"] for f in escalated.values())
    assert q4["totals"]["assigned"] == 5 and q4["totals"]["deductions"] == round(
        sum(f["deductions"] for f in escalated.values()), 2
    )

    nov = statistics(own_system, period="2026-11")
    assert tuple(nov["totals"][f] for f in FIELDS) == (5, 2, 2, 0, 100.0, 3.0, 1, 1)
    dec = statistics(own_system, **{"from": "2026-12-01", "to": "2026-12-31"})
    assert tuple(dec["totals"][f] for f in FIELDS) == (0, 2, 1, 2, 50.0, 12.0, 0, 0)
    assert (
        httpx.get(
            f"{own_system.url('reporting')}/v1/tenants/{TENANT}/statistics", params={"period": "2026-Q5"}, timeout=10
        ).status_code
        == 422
    )


def snapshot(system) -> dict:
    out = {}
    for tenant in ("demo", TENANT):
        rows = ledger(system, tenant)
        assert rows["total"] <= 500
        out[tenant] = sorted(rows["items"], key=lambda i: i["matter_id"])
    for period in ("2026-Q4", "2026-11", "2026-12"):
        out[period] = statistics(system, period=period)
    return out


def duban(system, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, DUBAN_DATA_DIR=str(system.data_dir), DUBAN_NATS_URL=system.nats_url)
    done = duban_command(*args, env=env)
    print(f"$ duban {' '.join(args)}\n{done.stdout}{done.stderr}")
    return done


def test_a_rebuild_gives_the_same_ledger_and_statistics_as_the_live_projections(own_system, quarter):
    system = own_system
    live = snapshot(system)
    assert len(live[TENANT]) == 5 and live["2026-Q4"]["totals"]["completed"] == 4

    check = duban(system, "rebuild", "reporting", "--check")
    assert check.returncode == 0 and "identical" in check.stdout

    done = duban(system, "rebuild", "reporting")  # with the service running
    assert done.returncode == 0 and "0 failed" in done.stdout
    assert snapshot(system) == live

    # From nothing: the service restarts on an empty database (its durable consumer has acked
    # everything, so it alone would never see those events again) and the rebuild brings it back.
    sp = system.services["reporting"]
    sp.stop()
    for suffix in ("", "-wal", "-shm"):
        (system.data_dir / f"reporting.db{suffix}").unlink(missing_ok=True)
    sp.start()
    sp.wait_ready()
    assert ledger(system, TENANT)["total"] == 0
    assert duban(system, "rebuild", "reporting").returncode == 0
    assert snapshot(system) == live

    # The live consumer carries on after a rebuild, each event applied once.
    asyncio.run(publish(system.nats_url, [meeting_decision("rp-after", decisions=1, tenant=TENANT)]))
    wait_for(
        lambda: (lambda r: r["total"] == 1 and r["items"][0]["due_on"])(ledger(system, TENANT, q="rp-after")),
        what="a new matter",
    )
    settle(system)
    assert duban(system, "rebuild", "reporting", "--check").returncode == 0
    assert ledger(system, TENANT)["total"] == len(live[TENANT]) + 1
