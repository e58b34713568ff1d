"""A matter's whole life through tasking, with the ledger following every step."""

from __future__ import annotations

import asyncio
import io
from urllib.parse import unquote

import httpx
import pytest
from docx import Document
from pypdf import PdfReader

from e2e_support import OFFICE, act, assign, ledger, meeting_decision, publish, signed_off, unit, wait_for

pytestmark = pytest.mark.e2e


def _row(system, matter_id: str) -> dict | None:
    return next((i for i in ledger(system, q="md-life")["items"] if i["matter_id"] == matter_id), None)


def _expect(system, matter_id: str, **fields) -> dict:
    return wait_for(
        lambda: (lambda r: r if r and all(r.get(k) == v for k, v in fields.items()) else None)(_row(system, matter_id)),
        what=f"ledger row with {fields}",
    )


def test_decision_assign_sign_progress_complete_return_complete_accept(system, nats_server, duban_auth):
    env = meeting_decision("md-life", decisions=2)
    env["data"]["decisions"][1]["lead_unit"] = "jwjw"  # the discipline body cannot lead: the office assigns it
    asyncio.run(publish(nats_server.url, [env]))
    tasking = system.url("tasking")

    rows = wait_for(
        lambda: (lambda r: r if len(r) == 2 else None)(ledger(system, q="md-life")["items"]), what="two matters"
    )
    first = next(r for r in rows if r["decision_seq"] == 1)
    second = next(r for r in rows if r["decision_seq"] == 2)
    first = _expect(system, first["matter_id"], status="assigned")
    task = first["task_id"]

    awaiting = httpx.get(
        f"{tasking}/v1/tenants/demo/matters", params={"status": "awaiting_assignment", "limit": 500}, timeout=10
    ).json()
    assert second["matter_id"] in {m["id"] for m in awaiting["items"]}
    bad = assign(tasking, second["matter_id"], {"lead_unit": "jwjw"})
    assert bad.status_code == 422 and "不能牵头" in bad.json()["detail"]
    ok = assign(
        tasking,
        second["matter_id"],
        {"lead_unit": "jtj", "responsible_person": "张驰", "requirement": "请于月底前报送方案"},
    )
    assert ok.status_code == 200
    _expect(system, second["matter_id"], status="assigned", lead_unit="jtj")

    def step(path: str, headers: dict, body: dict | None = None, expect: int = 200) -> dict:
        r = httpx.post(f"{tasking}/v1/tenants/demo/tasks/{task}/{path}", json=body, headers=headers, timeout=10)
        r = signed_off(r, tasking)  # a completion report: the unit's head signs it off before the office sees it
        assert r.status_code == expect, r.text
        return r.json()

    step("acknowledge", unit("fgj"), expect=404)  # not fgj's task: as if there were none
    wang = {"Authorization": "Bearer " + duban_auth.token(tenant="demo", roles=["unit"], unit="zjj", name="王五")}
    step("acknowledge", wang)
    _expect(system, first["matter_id"], status="acknowledged")
    step("acknowledge", unit("zjj"), expect=409)  # signing twice
    step("progress", unit("zjj"), {"text": "已完成方案初稿", "progress": 50})
    _expect(system, first["matter_id"], status="in_progress", progress=50)

    def upload(name: str) -> str:
        r = httpx.post(
            f"{tasking}/v1/tenants/demo/tasks/{task}/attachments",
            files={"file": (name, b"%PDF-1.4\n%%EOF\n")},
            headers=unit("zjj"),
            timeout=10,
        )
        assert r.status_code == 201, r.text
        return r.json()["id"]

    first_pdf = upload("整改报告.pdf")
    step("completion", unit("zjj"), {"text": "已完成", "attachments": [first_pdf]})
    _expect(system, first["matter_id"], status="completion_submitted")
    step("accept", unit("zjj"), expect=403)  # only the office reviews
    step("return", OFFICE, {"reason": "材料不完整，请补充现场照片"})
    _expect(system, first["matter_id"], status="returned")
    step("completion", unit("zjj"), {"text": "已补充照片", "attachments": [first_pdf, upload("现场照片.pdf")]})
    _expect(system, first["matter_id"], status="completion_submitted")
    step("accept", OFFICE)
    done = _expect(system, first["matter_id"], status="completed", progress=100)
    assert done["light"] == "green" and done["status_label"] == "已办结"

    detail = httpx.get(f"{tasking}/v1/tenants/demo/tasks/{task}", headers=unit("zjj"), timeout=10).json()
    decision = env["data"]["decisions"][0]  # what the unit handler is asked to do, without opening the notice
    assert (detail["title"], detail["content"]) == (decision["title"], decision["content"])
    assert [h["event_type"].split(".")[2] for h in detail["history"]] == [
        "assigned",
        "acknowledged",
        "progress_reported",
        "awaiting_unit_head",
        "completion_submitted",
        "returned",
        "awaiting_unit_head",
        "completion_submitted",
        "completed",
    ]  # each report went to the unit's head (待单位领导审签) first
    assert detail["version"] == 9 and detail["status_label"] == "已办结"
    assert [[a["name"] for a in r["attachments"]] for r in detail["reports"]] == [
        [],
        ["整改报告.pdf"],
        ["整改报告.pdf", "现场照片.pdf"],
    ]
    pdf = httpx.get(f"{tasking}/v1/tenants/demo/tasks/{task}/attachments/{first_pdf}", headers=OFFICE, timeout=10)
    assert pdf.status_code == 200 and pdf.content == b"%PDF-1.4\n%%EOF\n"
    assert detail["history"][1]["detail"]["by"] == "王五（zjj）"  # who acted, from the token

    escalation = wait_for(
        lambda: (lambda r: r.json() if r.status_code == 200 and r.json()["returns"] == 1 else None)(
            httpx.get(f"{system.url('escalation')}/v1/tenants/demo/tasks/{task}/escalation", timeout=10)
        ),
        what="the return counted by escalation",
    )
    # 「…或因办理质量不高退回重办的，由…督查室予以通报」: a return takes the first rung's bulletin; it is not an urge
    wait_for(
        lambda: httpx.get(f"{system.url('escalation')}/v1/tenants/demo/tasks/{task}/escalation", timeout=10).json()[
            "steps"
        ],
        what="the first rung taken for the return",
    )
    escalation = httpx.get(f"{system.url('escalation')}/v1/tenants/demo/tasks/{task}/escalation", timeout=10).json()
    assert escalation["urges"] == 0 and escalation["urge_list"] == []
    assert [st["step"] for st in escalation["steps"]] == [1] and escalation["steps"][0]["actions"] == [
        "bulletin_office"
    ]

    notice = httpx.get(f"{tasking}/v1/tenants/demo/tasks/{task}/notice.docx", timeout=10)
    assert notice.status_code == 200
    text = "\n".join(c.text for t in Document(io.BytesIO(notice.content)).tables for row in t.rows for c in row.cells)
    assert detail["notice_no"].startswith("督办〔") and "县住房和城乡建设局" in text and first["title"] in text
    paras = "\n".join(p.text for p in Document(io.BytesIO(notice.content)).paragraphs)
    # the tenant's issuing body (a tenant setting in intake) heads and signs it; the office's contact is in the 附注
    assert (
        detail["notice_no"] in paras
        and "演示县人民政府办公室文件" in paras
        and "联系人：孙丽，联系电话：0851-84621234" in paras
    )
    assert "签收回执" in paras and f"{detail['notice_no']}-" in unquote(
        notice.headers["content-disposition"].split("filename*=UTF-8''")[1]
    )
    pdf = httpx.get(f"{tasking}/v1/tenants/demo/tasks/{task}/notice.pdf", timeout=30)
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert "演示县人民政府办公室文件" in PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()


def test_decline_is_capped_and_the_office_reassigns(system, nats_server):
    asyncio.run(publish(nats_server.url, [meeting_decision("md-life-decline", decisions=1)]))
    tasking = system.url("tasking")
    row = wait_for(
        lambda: next((i for i in ledger(system, q="md-life-decline")["items"] if i["task_id"]), None), what="assigned"
    )
    task = row["task_id"]
    url = f"{tasking}/v1/tenants/demo/tasks/{task}"
    for n, (holder, to) in enumerate((("zjj", "fgj"), ("fgj", "jyj")), start=1):
        r = httpx.post(f"{url}/decline", json={"reason": "不属于本单位职责"}, headers=unit(holder), timeout=10)
        assert r.status_code == 200, r.text
        _expect(system, row["matter_id"], status="declined")
        assert httpx.get(url, timeout=10).json()["declines"] == n
        r = httpx.post(f"{url}/reassign", json={"lead_unit": to, "reason": "重新交办"}, headers=OFFICE, timeout=10)
        assert r.status_code == 200 and r.json()["notice_no"].startswith("督办〔")
        _expect(system, row["matter_id"], status="assigned", lead_unit=to)
    third = httpx.post(f"{url}/decline", json={"reason": "也不属于我们"}, headers=unit("jyj"), timeout=10)
    assert third.status_code == 409 and "上限" in third.json()["detail"]
    detail = httpx.get(url, timeout=10).json()
    assert detail["status"] == "assigned" and detail["lead_unit"] == "jyj" and detail["declines_left"] == 0


def test_split_matter_rolls_up_weighted_progress_and_completes_with_its_last_task(system, nats_server):
    env = meeting_decision("md-life-split", decisions=1)
    env["data"]["decisions"][0]["lead_unit"] = "jwjw"  # cannot lead: waits for the office, which splits it
    asyncio.run(publish(nats_server.url, [env]))
    tasking = system.url("tasking")
    row = wait_for(lambda: next(iter(ledger(system, q="md-life-split")["items"]), None), what="the matter")
    matter = row["matter_id"]
    wait_for(
        lambda: (
            matter
            in {
                m["id"]
                for m in httpx.get(
                    f"{tasking}/v1/tenants/demo/matters",
                    params={"status": "awaiting_assignment", "limit": 500},
                    timeout=10,
                ).json()["items"]
            }
        ),
        what="awaiting assignment",
    )
    dup = httpx.post(
        f"{tasking}/v1/tenants/demo/matters/{matter}/split",
        headers=OFFICE,
        timeout=10,
        json={"tasks": [{"lead_unit": "zjj"}, {"lead_unit": "zjj"}]},
    )
    assert dup.status_code == 422
    r = httpx.post(
        f"{tasking}/v1/tenants/demo/matters/{matter}/split",
        headers=OFFICE,
        timeout=10,
        json={
            "tasks": [
                {"lead_unit": "zjj", "weight": 3, "requirement": "负责改造施工"},
                {"lead_unit": "czj", "weight": 1, "requirement": "负责资金保障"},
            ]
        },
    )
    assert r.status_code == 200, r.text
    big, small = r.json()["task_ids"]
    _expect(system, matter, status="assigned")

    act(system, big, "acknowledge", unit("zjj"))
    act(system, small, "acknowledge", unit("czj"))
    act(system, big, "progress", unit("zjj"), {"text": "施工过半", "progress": 60})
    _expect(system, matter, status="in_progress", progress=45)  # (3×60 + 1×0) / 4
    act(system, small, "completion", unit("czj"), {"text": "资金已拨付"})
    act(system, small, "accept", OFFICE)
    _expect(system, matter, status="in_progress", progress=70)  # (3×60 + 1×100) / 4
    act(system, big, "completion", unit("zjj"), {"text": "改造完成"})
    act(system, big, "accept", OFFICE)
    done = _expect(system, matter, status="completed", progress=100)
    assert done["completed_at"] is not None
