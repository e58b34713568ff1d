"""办理结果回传 through the running services: a closed matter that came from another platform
publishes one reply on duban.out.<tenant>.reply, with the text and the files; a superior
assignment's only after its sign-off chain."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest

from asyncapi_support import off_contract
from e2e_support import example, ledger, publish, read_stream, signed_off, wait_for

pytestmark = pytest.mark.e2e
DEFAULT_BACKENDS = ["sqlite"]  # the contract of one event: the backend is not its subject

OFFICE = {"X-Duban-Role": "supervision_office"}
PDF = b"%PDF-1.4\n%%EOF\n"


def unit(code: str) -> dict:
    return {"X-Duban-Role": "unit", "X-Duban-Unit": code}


def replies(nats_server, matter_id: str | None = None) -> list[dict]:
    messages = asyncio.run(read_stream(nats_server.url, "duban.out.demo.reply"))
    bodies = [json.loads(m.data) for m in messages]
    return [b for b in bodies if matter_id is None or b["data"]["matter_id"] == matter_id]


def assigned(system, nats_server, kind: str, external_id: str) -> dict:
    """Publish the kind's example under a new id; its ledger row once its task is assigned."""
    asyncio.run(publish(nats_server.url, [example(kind, id=external_id)]))
    return wait_for(
        lambda: next((i for i in ledger(system, q=external_id)["items"] if i["task_id"]), None),
        what=f"{external_id} assigned",
    )


def complete(system, row: dict, text: str, file_name: str, reviewer: dict) -> None:
    """The lead unit signs, reports done with a file; the office accepts."""
    url = f"{system.url('tasking')}/v1/tenants/demo/tasks/{row['task_id']}"
    lead = unit(row["lead_unit"])

    def act(path: str, headers: dict, body: dict | None = None, expect: int = 200) -> None:
        response = signed_off(
            httpx.post(f"{url}/{path}", json=body, headers=headers, timeout=10), system.url("tasking")
        )
        assert response.status_code == expect, response.text

    act("acknowledge", lead)
    upload = httpx.post(f"{url}/attachments", files={"file": (file_name, PDF)}, headers=lead, timeout=10)
    assert upload.status_code == 201, upload.text
    act("completion", lead, {"text": text, "attachments": [upload.json()["id"]]})
    act("accept", reviewer)
    act("accept", reviewer, expect=409)  # accepted twice: refused, nothing sent again


@pytest.mark.parametrize(
    ("kind", "external_id", "source_no"),
    [
        ("online_message", "hotline-reply-1", "GD20261120000123"),
        ("cppcc_proposal", "zx-reply-1", "第118号"),
    ],
)
def test_a_closed_matter_from_another_platform_publishes_one_reply(
    system, nats_server, duban_auth, kind, external_id, source_no
):
    row = assigned(system, nats_server, kind, external_id)
    reviewer = {"Authorization": "Bearer " + duban_auth.token(tenant="demo", roles=["supervision_office"], name="孙丽")}
    complete(system, row, "已协调供热公司检修管网，室温已达标并电话回复群众。", "办理结果.pdf", reviewer)
    sent = wait_for(lambda: replies(nats_server, row["matter_id"]), what="the reply")
    assert len(sent) == 1
    reply = sent[0]["data"]
    assert (reply["kind"], reply["external_id"], reply["source_no"]) == (kind, external_id, source_no)
    assert (
        reply["source"] == example(kind)["source"]
        and reply["text"] == "已协调供热公司检修管网，室温已达标并电话回复群众。"
    )
    assert [(f["name"], f["task_id"], f["size"]) for f in reply["attachment_refs"]] == [
        ("办理结果.pdf", row["task_id"], len(PDF))
    ]
    assert reply["signed_by"] == "孙丽"
    file = reply["attachment_refs"][0]
    download = httpx.get(
        f"{system.url('tasking')}/v1/tenants/demo/tasks/{file['task_id']}/attachments/{file['id']}", timeout=10
    )
    assert download.status_code == 200 and download.content == PDF


def test_a_superior_assignments_reply_goes_out_only_after_two_leaders_approve_it(system, nats_server, duban_auth):
    row = assigned(system, nats_server, "superior_assignment", "sj-reply-1")
    complete(system, row, "已完成辖区安全生产大检查，排查隐患12处，已全部整改。", "检查情况报告.pdf", OFFICE)
    tasking = system.url("tasking")

    def leader(name: str) -> dict:
        return {"Authorization": "Bearer " + duban_auth.token(tenant="demo", roles=["leader"], name=name, subject=name)}

    waiting = wait_for(
        lambda: [
            d
            for d in httpx.get(
                f"{tasking}/v1/tenants/demo/approvals", params={"mine": 1}, headers=leader("李副县长"), timeout=10
            ).json()
            if d["doc_type"] == "superior_reply"
        ],
        what="the reply's draft",
    )
    assert len(waiting) == 1 and waiting[0]["payload"]["text"].startswith("已完成辖区安全生产大检查")
    steps = f"{tasking}/v1/tenants/demo/drafts/{waiting[0]['id']}/steps"
    assert (
        httpx.post(steps, json={"decision": "approve"}, headers=OFFICE, timeout=10).status_code == 403
    )  # the office cannot
    assert httpx.post(steps, json={"decision": "approve"}, headers=leader("李副县长"), timeout=10).status_code == 200
    assert replies(nats_server, row["matter_id"]) == []  # one leader is not enough: 分管副县长, then 县长
    assert (
        httpx.post(steps, json={"decision": "approve"}, headers=leader("李副县长"), timeout=10).status_code == 409
    )  # two people
    assert (
        httpx.post(steps, json={"decision": "approve"}, headers=leader("王县长"), timeout=10).json()["status"]
        == "issued"
    )
    sent = wait_for(lambda: replies(nats_server, row["matter_id"]), what="the reply after its approvals")
    assert (
        len(sent) == 1
        and sent[0]["data"]["signed_by"] == "王县长"
        and sent[0]["data"]["source_no"] == "市督〔2026〕88号"
    )
    assert (
        httpx.post(steps, json={"decision": "approve"}, headers=leader("王县长"), timeout=10).status_code == 200
    )  # a retry
    assert len(replies(nats_server, row["matter_id"])) == 1


def test_a_matter_of_the_county_own_sends_no_reply(system, nats_server):
    row = assigned(system, nats_server, "leader_instruction", "li-reply-1")
    complete(system, row, "已落实", "落实情况.pdf", OFFICE)
    wait_for(
        lambda: next((i for i in ledger(system, q="li-reply-1")["items"] if i["status"] == "completed"), None),
        what="closed",
    )
    assert replies(nats_server, row["matter_id"]) == []


def test_every_message_the_broker_holds_is_on_the_contract(system, nats_server):
    assert replies(nats_server), "no reply was published: the check would not cover it"
    assert off_contract(nats_server.url) == []
