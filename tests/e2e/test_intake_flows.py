"""Intake with the other services running: triage by the office, the work report import,
and citizens' personal data kept out of logs, events and the ledger."""

from __future__ import annotations

import asyncio
import io
import json
from datetime import date

import httpx
import pytest
from openpyxl import Workbook

from e2e_support import example, ledger, publish, read_stream, wait_for

pytestmark = pytest.mark.e2e
DEFAULT_BACKENDS = [
    "sqlite"
]  # full matrix: DUBAN_E2E_BACKENDS=sqlite,postgresql (intake's flows; its PostgreSQL paths run in test_first_flow and the contract tests)


def _post(system, path: str, **kw) -> httpx.Response:
    return httpx.post(f"{system.url('intake')}{path}", timeout=30, **kw)


def _queue(system, **params) -> dict:
    return httpx.get(
        f"{system.url('intake')}/v1/tenants/demo/submissions", params={"limit": 500, **params}, timeout=10
    ).json()


def test_submission_without_lead_unit_waits_for_the_office_which_registers_or_refuses(system, nats_server):
    a = example("leader_instruction", id="triage-a")
    del a["data"]["lead_unit"], a["data"]["co_units"]
    b = example("document", id="triage-b")
    del b["data"]["lead_unit"], b["data"]["co_units"]
    for env in (a, b):
        r = _post(system, "/v1/tenants/demo/submissions", json=env)
        assert r.status_code == 201 and r.json()["status"] == "pending" and r.json()["pending_reason"] == "no_lead_unit"

    queue = _queue(system, status="pending", kind="leader_instruction")
    assert "triage-a" in {i["external_id"] for i in queue["items"]} and "triage-b" not in {
        i["external_id"] for i in queue["items"]
    }
    paged = _queue(system, status="pending", limit=1)
    assert len(paged["items"]) == 1 and paged["total"] >= 2
    sid_a = next(i["id"] for i in queue["items"] if i["external_id"] == "triage-a")
    sid_b = next(i["id"] for i in _queue(system, status="pending")["items"] if i["external_id"] == "triage-b")

    bad = _post(
        system, f"/v1/tenants/demo/submissions/{sid_a}/register", json={"items": [{"seq": 1, "lead_unit": "nosuch"}]}
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["loc"] == ["body", "items", 0, "lead_unit"]
    none = _post(system, f"/v1/tenants/demo/submissions/{sid_a}/register", json={"items": []})
    assert none.status_code == 422 and "还没有牵头单位" in none.json()["detail"]

    ok = _post(
        system,
        f"/v1/tenants/demo/submissions/{sid_a}/register",
        json={"items": [{"seq": 1, "lead_unit": "nyj", "co_units": ["czj"]}], "note": "县长批示，交农业农村局"},
    )
    assert ok.status_code == 200 and len(ok.json()["matter_ids"]) == 1
    matter_id = ok.json()["matter_ids"][0]
    again = _post(
        system, f"/v1/tenants/demo/submissions/{sid_a}/register", json={"items": [{"seq": 1, "lead_unit": "nyj"}]}
    )
    assert again.status_code == 409

    refused = _post(
        system, f"/v1/tenants/demo/submissions/{sid_b}/refuse", json={"reason": "属于常规公文流转，不予立项"}
    )
    assert refused.status_code == 200
    assert _post(system, f"/v1/tenants/demo/submissions/{sid_b}/refuse", json={"reason": "再次"}).status_code == 409

    item = wait_for(
        lambda: next(
            (i for i in ledger(system)["items"] if i["matter_id"] == matter_id and i["status"] == "assigned"), None
        ),
        what="the registered matter assigned",
    )
    assert item["lead_unit"] == "nyj" and item["co_units"] == ["czj"]
    rejected = wait_for(
        lambda: [
            json.loads(m.data) for m in asyncio.run(read_stream(nats_server.url, "duban.ev.demo.submission.rejected"))
        ],
        what="submission.rejected published",
    )
    assert [(e["data"]["external_id"], e["data"]["reason"]) for e in rejected] == [
        ("triage-b", "属于常规公文流转，不予立项")
    ]
    assert {i["external_id"]: i["status"] for i in _queue(system)["items"]}.keys() >= {"triage-a", "triage-b"}
    assert {i["external_id"]: i["status"] for i in _queue(system)["items"]}["triage-b"] == "refused"


def test_a_review_policy_holds_even_complete_submissions(system):
    url = f"{system.url('intake')}/v1/tenants/demo/triage-policies/superior_assignment"
    assert httpx.put(url, json={"review_required": True}, timeout=10).status_code == 200
    try:
        r = _post(system, "/v1/tenants/demo/submissions", json=example("superior_assignment", id="review-1"))
        assert (
            r.status_code == 201 and r.json()["status"] == "pending" and r.json()["pending_reason"] == "review_required"
        )
        sid = r.json()["submission_id"]
        ok = _post(system, f"/v1/tenants/demo/submissions/{sid}/register", json={"note": "同意立项"})
        assert ok.status_code == 200 and len(ok.json()["matter_ids"]) == 1
    finally:
        httpx.put(url, json={"review_required": False}, timeout=10)


def _workbook() -> tuple[bytes, dict[str, int]]:
    wb = Workbook()
    ws = wb.active
    ws.append(["2026年政府工作报告重点任务分解表"])
    ws.append(["序号", "板块", "任务", "牵头领导", "牵头单位", "配合单位", "完成时限"])
    units = [
        ("县住房和城乡建设局", "zjj"),
        ("jtj", "jtj"),
        ("县教育局", "jyj"),
        ("县卫生健康局", "wjj"),
        ("nyj", "nyj"),
        ("县城市管理局", "cgj"),
    ]
    dues = [date(2026, 12, 31), "2026-06-30", "6月底", "年底", "2026年9月30日", None]
    expected = {"imported": 0, "refused": 0, "pending": 0}
    n = 0
    for i in range(36):
        name, _ = units[i % len(units)]
        co = "县财政局、fgj" if i % 4 == 0 else ""
        ws.append(
            [
                n := n + 1,
                f"{['一', '二', '三'][i % 3]}、重点工作",
                f"重点任务第{i + 1}项：完成相关建设",
                "李副县长",
                name,
                co,
                dues[i % len(dues)],
            ]
        )
        expected["imported"] += 1
    for row in (
        [n + 1, "四、其他", "", "李副县长", "zjj", "", "年底"],  # no task
        [n + 2, "四、其他", "修缮县城排水管网", "李副县长", "县水务局", "", "年底"],  # unknown lead unit
        [n + 3, "四、其他", "推进垃圾分类", "李副县长", "cgj", "cgj", "年底"],  # lead also co-unit
        [n + 4, "四、其他", "建设智慧停车系统", "李副县长", "cgj", "县不存在局", "年底"],  # unknown co-unit
        [n + 5, "四、其他", "开展全民健身活动", "李副县长", "jyj", "", "尽快"],  # date not understood
        [n + 6, "一、重点工作", "重点任务第1项：完成相关建设", "李副县长", "zjj", "", "年底"],  # same task as row 3
    ):
        ws.append(row)
        expected["refused"] += 1
    for i in range(3):  # no lead unit: imported, waiting for the office
        ws.append([n + 7 + i, "五、待定", f"待定任务{i + 1}", "", "", "", "年底"])
        expected["imported"] += 1
        expected["pending"] += 1
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue(), expected


def test_work_report_import_reports_each_row_and_a_second_import_adds_nothing(system):
    content, expected = _workbook()
    url = "/v1/tenants/demo/imports/work-report?year=2026"
    r = _post(
        system,
        url,
        content=content,
        headers={"content-type": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
    )
    assert r.status_code == 200, r.text
    report = r.json()
    rows = {row["row"]: row for row in report["rows"]}
    assert len(rows) == 45
    assert (report["imported"], report["refused"], report["duplicate"]) == (
        expected["imported"],
        expected["refused"],
        0,
    )
    assert sum(1 for row in report["rows"] if row["submission_status"] == "pending") == expected["pending"]
    reasons = {row["row"]: " ".join(row["reasons"]) for row in report["rows"] if row["status"] == "refused"}
    assert reasons == {
        39: "缺少任务内容",
        40: "牵头单位“县水务局”不在单位名录中",
        41: "“cgj”既是牵头单位又是配合单位",
        42: "配合单位“县不存在局”不在单位名录中",
        43: "完成时限“尽快”无法识别，请填写日期（如 2026-06-30、6月底、年底）",
        44: "与第 3 行任务重复",
    }
    first = rows[3]
    assert (
        first["status"] == "imported" and first["submission_status"] == "registered" and len(first["matter_ids"]) == 1
    )

    matter_ids = {m for row in report["rows"] for m in row["matter_ids"]}
    items = wait_for(
        lambda: (lambda it: it if len(it) == 36 and all(i["due_on"] for i in it) else None)(
            [i for i in ledger(system, kind="work_report_task")["items"] if i["matter_id"] in matter_ids]
        ),
        what="36 matters with deadlines",
    )
    by_id = {i["matter_id"]: i for i in items}
    assert by_id[first["matter_ids"][0]]["lead_unit"] == "zjj"  # a unit name resolved to its code
    assert by_id[rows[4]["matter_ids"][0]]["due_on"] == "2026-06-30"  # explicit due dates win
    assert by_id[rows[5]["matter_ids"][0]]["due_on"] == "2026-06-30"  # "6月底"
    assert by_id[rows[3]["matter_ids"][0]]["co_units"] == ["czj", "fgj"]

    again = _post(system, url, content=content).json()
    assert (again["imported"], again["duplicate"], again["refused"]) == (0, expected["imported"], expected["refused"])
    assert {m for row in again["rows"] for m in row["matter_ids"]} == matter_ids
    assert (
        len([i for i in ledger(system, kind="work_report_task")["items"] if i["external_id"].startswith("wr-2026-")])
        == 36
    )

    broken = _post(system, url, content=b"not a workbook")
    assert broken.status_code == 422 and "not a readable .xlsx" in broken.json()["detail"]


def test_a_citizens_phone_number_appears_nowhere_in_clear(system, nats_server):
    phone, name = "13987654321", "欧阳小明"
    env = example("online_message", id="pii-1")
    env["data"]["citizen"] = {"name": name, "phone": phone}
    env["data"]["content"] = "小区门口路灯不亮，已经一个月了。"
    asyncio.run(publish(nats_server.url, [env]))
    bad = example("online_message", id="pii-bad")
    bad["data"]["citizen"] = {"name": name, "phone": phone}
    bad["data"]["channel"] = "carrier pigeon"
    asyncio.run(publish(nats_server.url, [bad]))
    r = _post(system, "/v1/tenants/demo/submissions", json={**bad, "id": "pii-bad-http"})
    assert r.status_code == 422

    item = wait_for(
        lambda: next(
            (i for i in ledger(system, kind="online_message")["items"] if i["external_id"] == "pii-1" and i["due_on"]),
            None,
        ),
        what="the online message in the ledger",
    )
    listed = next(i for i in _queue(system, kind="online_message")["items"] if i["external_id"] == "pii-1")
    assert (listed["citizen_name"], listed["citizen_phone"]) == ("欧**明", "139****4321")
    detail = httpx.get(f"{system.url('intake')}/v1/tenants/demo/submissions/{listed['id']}", timeout=10).json()
    assert detail["data"]["citizen"] == {"name": "欧**明", "phone": "139****4321"}

    ev_text = b"".join(m.data for m in asyncio.run(read_stream(nats_server.url, "duban.ev.>"))).decode()
    assert "139****4321" in ev_text
    places = {
        "ledger": json.dumps(ledger(system), ensure_ascii=False),
        "submission list": json.dumps(_queue(system), ensure_ascii=False),
        "submission detail": json.dumps(detail, ensure_ascii=False),
        "events other services read": ev_text,
        **{f"{name_} log": sp.log_path.read_text(errors="replace") for name_, sp in system.services.items()},
    }
    for db_file in system.data_dir.glob("intake.db*"):  # stored protected: encrypted at rest
        places[f"intake database file {db_file.name}"] = db_file.read_bytes().decode("utf-8", errors="replace")
    for where, text in places.items():
        assert phone not in text, f"full phone number found in {where}"
        assert name not in text, f"full name found in {where}"
    assert item["title"] == env["data"]["title"]
