"""The supervision office reveals one citizen's phone for one task's callback (回访), through
intake's app with real tokens: the audit log records who and why; lists stay masked; no other
role may ask, and no reason means no number."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from duban_common import audit, tenancy
from duban_intake.adapters import orm
from duban_intake.bootstrap import bootstrap
from duban_intake.config import IntakeSettings
from service_support import rows

EXAMPLE = json.loads((Path(__file__).resolve().parents[2] / "examples" / "online_message.json").read_text())


@pytest.fixture
async def intake(tmp_path, duban_auth):
    rt = bootstrap(IntakeSettings(data_dir=tmp_path))
    await rt.db.create_all(orm.metadata)  # the audit tables with the service's own
    app = rt.app("intake")

    def client(role: str, **claims) -> httpx.AsyncClient:
        token = duban_auth.token(tenant="*" if role == "operator" else "demo", roles=[role], **claims)
        return httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),
            base_url="http://intake",
            headers={"Authorization": f"Bearer {token}"},
        )

    yield rt, client
    await rt.db.dispose()


async def test_the_office_reveals_one_number_for_one_task_and_the_audit_log_says_who_and_why(intake):
    rt, client = intake
    async with client("operator") as op:
        assert (await op.put("/v1/admin/tenants/demo", json={"name": "演示县"})).status_code in (200, 201)
    async with client("supervision_office", name="李敏") as office:
        submitted = await office.post("/v1/tenants/demo/submissions", json=EXAMPLE)
        assert submitted.status_code == 201, submitted.text
        [matter_id] = submitted.json()["matter_ids"]
        url = f"/v1/tenants/demo/matters/{matter_id}/citizen-phone"

        listed = (await office.get("/v1/tenants/demo/submissions")).json()["items"]
        assert [i["citizen_phone"] for i in listed] == ["139****5678"]  # lists stay masked
        missing = await office.post(url, json={"task_id": "t-1"})
        assert missing.status_code == 422 and missing.json()["detail"] == "缺少必填项：理由"

        revealed = await office.post(url, json={"task_id": "t-1", "reason": "回访办理结果"})
        assert revealed.status_code == 200, revealed.text
        assert (revealed.json()["phone"], revealed.json()["citizen_name"]) == ("13912345678", "张*三")
        assert revealed.headers["cache-control"] == "no-store"
        assert (
            await office.post(
                "/v1/tenants/demo/matters/nothing-here/citizen-phone", json={"task_id": "t-1", "reason": "回访"}
            )
        ).status_code == 404
    async with client("leader") as leader:
        assert (await leader.post(url, json={"task_id": "t-1", "reason": "看看"})).status_code == 403

    with tenancy.scoped(tenancy.ALL):
        entries = [e for e in await rows(rt, audit.audit_log, tenancy.ALL) if e["action"] == "citizen_phone.revealed"]
    assert len(entries) == 1
    actor, refs = json.loads(entries[0]["actor"]), json.loads(entries[0]["refs"])
    assert (actor["name"], actor["role"]) == ("李敏", "supervision_office")
    assert (refs["matter_id"], refs["task_id"], refs["reason"]) == (matter_id, "t-1", "回访办理结果")
    assert "13912345678" not in json.dumps(entries, default=str)
