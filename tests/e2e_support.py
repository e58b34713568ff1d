"""Helpers for end-to-end tests. The five services run as separate processes against a real NATS server, SQLite files
in a temporary folder and the simulated clock: what `duban up` runs."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from contextlib import contextmanager
from datetime import datetime
from datetime import time as day_time

import httpx
import nats

from duban_cli.embedded import EmbeddedSystem, demo_units_path, load_demo_tenant, notices_issued_at_once
from duban_common.calendar import TZ
from duban_common.clock import SERVICES, set_shared_time
from duban_common.natsserver import free_port
from duban_common.testing.streams import stored_messages

START = datetime(2026, 11, 20, 9, 0, tzinfo=TZ)  # a Friday; the executive-meeting deadline ends on a Saturday
OFFICE = {"X-Duban-Role": "supervision_office"}


def unit(code: str) -> dict:
    """A handler of the unit ``code``."""
    return {"X-Duban-Role": "unit", "X-Duban-Unit": code}


def at(day: str, hour: int, minute: int = 0) -> datetime:
    """``day`` (ISO) at ``hour``:``minute`` in Asia/Shanghai."""
    return datetime.combine(datetime.fromisoformat(day).date(), day_time(hour, minute), tzinfo=TZ)


@contextmanager
def demo_system(
    data_dir,
    nats_url: str,
    ports: dict[str, int],
    *,
    extra_env: dict[str, str] | None = None,
    tenants: dict[str, str] | None = None,
    log_lines: int = 0,
):
    """What ``duban up`` runs, on the simulated clock at :data:`START`: the demo tenant with its units, and
    each of ``tenants`` (slug → name) with the same units; every tenant's escalation notices issued at once
    (the tests follow the ladder's events; test_escalation_signoff.py has the chains). On the way out the
    services stop and the last ``log_lines`` lines of each service's log are printed."""
    system = EmbeddedSystem(
        data_dir=data_dir, nats_url=nats_url, ports=ports, clock="simulated", extra_env=extra_env or {}
    )
    try:
        system.start_services()
        for slug, name in {"demo": "演示县", **(tenants or {})}.items():
            load_demo_tenant(system, demo_units_path(), slug=slug, name=name)
            notices_issued_at_once(system, slug)
        asyncio.run(set_clock(nats_url, START))
        yield system
    finally:
        system.stop()
        if log_lines:
            for name, process in system.services.items():
                print(f"--- last lines of {name} log ---")
                print("\n".join(process.log_path.read_text(errors="replace").splitlines()[-log_lines:]))


async def set_clock(url: str, at: datetime, services: tuple[str, ...] = SERVICES) -> None:
    """Move the shared time and wait until each of ``services`` has seen it (those running)."""
    nc = await nats.connect(url)
    try:
        await set_shared_time(nc.jetstream(), at, services=services)
    finally:
        await nc.close()


def wait_for(predicate, timeout_s: float = 30.0, interval_s: float = 0.2, what: str = "condition"):
    deadline = time.monotonic() + timeout_s
    last = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(interval_s)
    raise AssertionError(f"timed out after {timeout_s}s waiting for {what}; last value: {last!r}")


def ledger(system, tenant: str = "demo", headers: dict | None = None, **params) -> dict:
    r = httpx.get(
        f"{system.url('reporting')}/v1/tenants/{tenant}/ledger",
        params={"limit": 500, **params},
        headers=headers,
        timeout=10,
    )
    r.raise_for_status()
    return r.json()


def assigned_row(system, ext_id: str) -> dict:
    """The ledger row of ``ext_id``'s first matter once its task is assigned with its deadline."""
    return wait_for(
        lambda: next((i for i in ledger(system, q=ext_id)["items"] if i["task_id"] and i["due_on"]), None),
        what=f"{ext_id} assigned with its deadline",
    )


def act(system, task: str, path: str, who: dict, body: dict | None = None, tenant: str = "demo") -> dict:
    """A command on a task (``acknowledge``, ``progress``, ``completion``, ``accept``, ...) as ``who``;
    a completion report is signed off by its unit's head first. It must succeed: its answer."""
    tasking = system.url("tasking")
    response = httpx.post(f"{tasking}/v1/tenants/{tenant}/tasks/{task}/{path}", json=body, headers=who, timeout=10)
    response = signed_off(response, tasking, tenant)
    assert response.status_code == 200, response.text
    return response.json()


def assign(tasking: str, matter_id: str, body: dict, tenant: str = "demo") -> httpx.Response:
    """The office assigns (交办) a matter: tasking's answer as it came."""
    return httpx.post(
        f"{tasking}/v1/tenants/{tenant}/matters/{matter_id}/assign", json=body, headers=OFFICE, timeout=10
    )


def duban_command(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """The ``duban`` command line as a process of its own: its exit code and what it printed."""
    command = [sys.executable, "-m", "duban_cli.main", *args]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)


LEADS = ["zjj", "fgj", "jyj", "wjj", "nyj", "jtj"]


def meeting_decision(
    ext_id: str,
    *,
    decisions: int = 3,
    source: str = "/platforms/oa-demo",
    tenant: str = "demo",
    meeting_type: str = "executive",
    held_on: str = "2026-11-20",
) -> dict:
    """A CONTRACT.md meeting_decision envelope with one lead unit per decision."""
    return {
        "specversion": "1.0",
        "id": ext_id,
        "source": source,
        "type": "duban.submission.meeting_decision.v1",
        "time": "2026-11-20T09:30:00+08:00",
        "tenant": tenant,
        "datacontenttype": "application/json",
        "data": {
            "meeting": {
                "type": meeting_type,
                "title": "县政府第12次常务会议",
                "held_on": held_on,
                "minutes_no": "〔2026〕12号",
            },
            "decisions": [
                {
                    "seq": i + 1,
                    "title": f"{ext_id} 议定事项{i + 1}",
                    "content": "按会议要求抓好落实",
                    "lead_unit": LEADS[i % len(LEADS)],
                }
                for i in range(decisions)
            ],
        },
    }


@contextmanager
def intake_only(data_dir, nats_url: str, tenant: str, name: str):
    """Intake alone as a process on the simulated clock, with ``tenant`` registered (the contract tests)."""
    system = EmbeddedSystem(
        data_dir=data_dir, nats_url=nats_url, ports={"intake": free_port(), "tasking": free_port()}, clock="simulated"
    )
    try:
        system.start_services(names=("intake",))
        httpx.put(
            f"{system.url('intake')}/v1/admin/tenants/{tenant}", json={"name": name}, timeout=10
        ).raise_for_status()
        yield system
    finally:
        system.stop()


async def publish(url: str, envelopes: list[dict], *, subject: str | None = None, raw: bytes | None = None) -> None:
    """Publish like an integrating platform: JetStream publish, waiting for each PubAck."""
    nc = await nats.connect(url)
    try:
        js = nc.jetstream()
        if raw is not None:
            await js.publish(subject, raw)
        for env in envelopes:
            kind = env["type"].split(".")[2]
            await js.publish(
                subject or f"duban.in.{env['tenant']}.{kind}", json.dumps(env, ensure_ascii=False).encode()
            )
    finally:
        await nc.close()


EXAMPLES = __import__("pathlib").Path(__file__).resolve().parents[1] / "examples"


def example(kind: str, **overrides) -> dict:
    """The documented example of a kind (examples/<kind>.json), with top-level overrides."""
    env = json.loads((EXAMPLES / f"{kind}.json").read_text())
    env.update(overrides)
    return env


async def read_stream(url: str, subject: str, **connect) -> list:
    """Every message its stream holds on a subject, in stream order (``connect``: nats.connect's options)."""
    nc = await nats.connect(url, **connect)
    try:
        return await stored_messages(nc.jetstream(timeout=10), subject)
    finally:
        await nc.close()


def stream_events(url: str, subject: str, **connect) -> list[dict]:
    """The envelopes the stream holds on ``subject``, decoded."""
    return [json.loads(message.data) for message in asyncio.run(read_stream(url, subject, **connect))]


def signed_off(response, tasking: str, tenant: str = "demo"):
    """A completion report that waits for its unit's head (待单位领导审签, on by default), signed off
    by the head of its unit as the unit would do, so that it reaches the office: the head's
    answer; any other answer as it came."""
    draft_id = response.json().get("draft_id") if response.status_code == 200 else None
    if not draft_id:
        return response
    draft = httpx.get(f"{tasking}/v1/tenants/{tenant}/drafts/{draft_id}", timeout=10)
    assert draft.status_code == 200, draft.text
    head = {"X-Duban-Role": "unit_head", "X-Duban-Unit": draft.json()["unit"]}
    return httpx.post(
        f"{tasking}/v1/tenants/{tenant}/drafts/{draft_id}/steps", json={"decision": "approve"}, headers=head, timeout=10
    )
