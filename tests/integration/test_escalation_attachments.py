"""A written explanation (书面说明) carries files as reports do: the urged unit uploads them to
escalation (real NATS Object Store, SQLite), the explanation names them, its event and the task's
escalation state list them, and nobody else's unit finds them."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import timedelta

import httpx
import nats
import pytest

from attachment_support import objects, pdf_bytes, unit
from duban_common import tenancy
from duban_common.testing.streams import stored_messages
from duban_escalation.adapters.orm import explanations, watched_tasks
from duban_escalation.bootstrap import bootstrap
from duban_escalation.config import EscalationSettings
from e2e_support import START

OFFICE = {"X-Duban-Role": "supervision_office"}


@pytest.fixture
async def escalation(fresh_nats, tmp_path):
    """Escalation on a NATS server of its own (not the session's: its consumers would work through
    every event the other tests published)."""
    runtime = bootstrap(
        EscalationSettings(
            nats_url=fresh_nats.url, database_url=f"sqlite+aiosqlite:///{tmp_path}/escalation.db", outbox_poll_s=0.1
        )
    )
    await runtime.start()
    nc = await nats.connect(fresh_nats.url)
    http = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=runtime.app("escalation")), base_url="http://escalation", timeout=30
    )
    try:
        yield runtime, nc.jetstream(), http
    finally:
        await http.aclose()
        await nc.close()
        await asyncio.wait_for(runtime.stop(), timeout=30)


async def test_an_explanation_names_its_files_and_only_the_urged_unit_sees_them(escalation):
    runtime, js, http = escalation
    tenant, task = f"expl-{uuid.uuid4().hex[:8]}", str(uuid.uuid4())
    with tenancy.scoped(tenant):  # what the ladder's second rung left: an explanation required from zjj
        async with runtime.db.transaction() as s:
            await s.execute(
                watched_tasks.insert(),
                dict(
                    task_id=task,
                    tenant=tenant,
                    matter_id="m1",
                    unit="zjj",
                    title="农村供水保障",
                    urges=2,
                    returns=0,
                    overdue=True,
                    closed=False,
                    updated_at=START,
                ),
            )
            await s.execute(
                explanations.insert(),
                dict(
                    task_id=task,
                    step=2,
                    tenant=tenant,
                    unit="zjj",
                    required_at=START,
                    due_at=START + timedelta(days=3650),
                ),
            )
    url = f"/v1/tenants/{tenant}/tasks/{task}"
    body = pdf_bytes()
    assert (
        await http.post(f"{url}/attachments", files={"file": ("说明.pdf", body)}, headers=unit("fgj"))
    ).status_code == 404
    r = await http.post(
        f"{url}/attachments", files={"file": ("关于逾期原因的书面说明（盖章）.pdf", body)}, headers=unit("zjj")
    )
    assert r.status_code == 201, r.text
    ref = r.json()
    assert await objects(js, tenant) == [f"{tenant}/{ref['id']}"]

    text = {"text": "因征地手续尚未完成，工程延误，现已整改。"}
    wrong = await http.post(f"{url}/explanations", json={**text, "attachments": ["no-such-file"]}, headers=unit("zjj"))
    assert wrong.status_code == 422 and "no-such-file" in wrong.json()["detail"]
    r = await http.post(f"{url}/explanations", json={**text, "attachments": [ref["id"]]}, headers=unit("zjj"))
    assert r.status_code == 200, r.text

    listed = {k: ref[k] for k in ("id", "name", "size", "content_type")}
    state = (await http.get(f"{url}/escalation", headers=OFFICE)).json()
    assert state["explanations"][0]["attachments"] == [listed]
    for _ in range(200):
        if await runtime.relay.pending() == 0:
            break
        await asyncio.sleep(0.05)
    [event] = [
        json.loads(m.data) for m in await stored_messages(js, f"duban.ev.{tenant}.escalation.explanation_submitted")
    ]
    assert event["data"]["attachments"] == [ref["id"]] and event["data"]["attachment_refs"] == [ref]

    got = await http.get(f"{url}/attachments/{ref['id']}", headers=unit("zjj"))
    assert got.status_code == 200 and got.content == body
    assert (await http.get(f"{url}/attachments/{ref['id']}", headers={"X-Duban-Role": "discipline"})).content == body
    assert (await http.get(f"{url}/attachments/{ref['id']}", headers=unit("fgj"))).status_code == 404
    assert (
        await http.get(f"/v1/tenants/expl-elsewhere/tasks/{task}/attachments/{ref['id']}", headers=unit("zjj"))
    ).status_code == 404
