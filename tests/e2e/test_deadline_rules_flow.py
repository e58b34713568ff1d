"""Deadline rules as the reference documents count them, through the running services: when a
period starts, what meets it, and what counts as an urge."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from e2e_support import (
    OFFICE,
    START,
    act,
    assigned_row,
    at,
    ledger,
    meeting_decision,
    notices_issued_at_once,
    publish,
    set_clock,
    unit,
    wait_for,
)

pytestmark = pytest.mark.e2e
DEFAULT_BACKENDS = ["sqlite"]
ZJJ = unit("zjj")


def escalation(system, task: str) -> dict:
    return httpx.get(f"{system.url('escalation')}/v1/tenants/demo/tasks/{task}/escalation", timeout=10).json()


def test_a_decision_assigned_three_working_days_after_the_meeting_keeps_the_meetings_due_date(system, nats_server):
    """County notice: 「县政府常务会的落实情况须在会后半个月内…反馈」: counted from the meeting (Tue Nov 17),
    not from the notice issued three working days later (Fri Nov 20)."""
    asyncio.run(publish(nats_server.url, [meeting_decision("md-rules-after", decisions=1, held_on="2026-11-17")]))
    row = assigned_row(system, "md-rules-after")
    assert (row["due_on"], row["deadline_rule"]) == ("2026-12-02", "meeting_executive")  # Nov 17 + 15 days; not Dec 7
    row = wait_for(
        lambda: next((i for i in ledger(system, q="md-rules-after")["items"] if i["deadline_label"]), None),
        what="the label",
    )
    assert row["deadline_label"] == "会后半个月"
    task = wait_for(
        lambda: (lambda t: t if t.get("deadline_label") else None)(
            httpx.get(f"{system.url('tasking')}/v1/tenants/demo/tasks/{row['task_id']}", timeout=10).json()
        ),
        what="the task's label",
    )
    assert (task["due_on"], task["deadline_label"]) == ("2026-12-02", "会后半个月")


def test_a_unit_that_sends_its_feedback_in_time_is_not_urged_and_reports_monthly(system, nats_server):
    """Bozhou: the first rung is 「逾期不报被催办1次」, late AND not reported; 「办理时限规定超过1个月的，由
    办理单位分月报告工作进展情况」. A feedback report in time meets the meeting's period."""
    asyncio.run(publish(nats_server.url, [meeting_decision("md-rules-fed", decisions=1)]))
    row = assigned_row(system, "md-rules-fed")
    task = row["task_id"]
    assert row["due_on"] == "2026-12-07"
    act(system, task, "acknowledge", ZJJ)
    asyncio.run(set_clock(nats_server.url, at("2026-12-04", 10)))
    act(system, task, "progress", ZJJ, {"text": "已制定实施方案，正在推进", "progress": 20})
    wait_for(
        lambda: ledger(system, q="md-rules-fed")["items"][0]["due_on"] == "2027-01-07",
        what="the next feedback's day in the ledger",
    )
    asyncio.run(set_clock(nats_server.url, at("2026-12-08", 10)))  # past the first period's end
    item = ledger(system, q="md-rules-fed")["items"][0]
    assert item["light"] == "green" and item["urges"] == 0
    assert escalation(system, task)["urges"] == 0
    asyncio.run(set_clock(nats_server.url, at("2027-01-08", 10)))  # the January report missed: 逾期不报
    state = wait_for(
        lambda: (lambda s: s if s["urges"] >= 1 else None)(escalation(system, task)),
        what="urged for the missed monthly report",
    )
    assert [u["reason"] for u in state["urge_list"]] == ["overdue"]
    asyncio.run(set_clock(nats_server.url, START))


def test_a_return_for_rework_does_not_add_an_urge(system, nats_server):
    """Bozhou: 「逾期不报被催办1次或因办理质量不高退回重办的，由…督查室予以通报」: the return takes the first
    rung's bulletin, once; it issues no 催办单 and counts no urge, however often it happens."""
    asyncio.run(publish(nats_server.url, [meeting_decision("md-rules-return", decisions=1)]))
    task = assigned_row(system, "md-rules-return")["task_id"]
    act(system, task, "acknowledge", ZJJ)
    for n in range(3):
        act(system, task, "completion", ZJJ, {"text": f"已完成{n}", "attachments": []})
        act(system, task, "return", OFFICE, {"reason": "材料不完整"})
    state = wait_for(
        lambda: (lambda s: s if s["returns"] == 3 else None)(escalation(system, task)), what="three returns"
    )
    assert state["urges"] == 0 and state["urge_list"] == []
    assert [s["step"] for s in state["steps"]] == [1] and state["steps"][0]["actions"] == ["bulletin_office"]
    assert sum(d["points"] for d in state["deductions"]) == 2  # the first rung's, no urge's


def test_tasking_keeps_to_the_decline_window_the_tenant_set_in_deadline(system, nats_server):
    """Issue: 「A tenant that changes its decline window in deadline's policy is still refused by tasking
    after the old window」. Deadline owns it and announces decline_until; tasking keeps no copy."""
    url = f"{system.url('deadline')}/v1/tenants/demo/deadline-policies"
    assert httpx.put(url, json={"settings": {"decline_workdays": 4}}, headers=OFFICE, timeout=10).status_code == 200
    try:
        asyncio.run(publish(nats_server.url, [meeting_decision("md-rules-decline", decisions=2)]))
        rows = wait_for(
            lambda: (lambda r: r if len(r) == 2 else None)(
                [i for i in ledger(system, q="md-rules-decline")["items"] if i["task_id"] and i["due_on"]]
            ),
            what="two tasks",
        )
        tasks = [r["task_id"] for r in sorted(rows, key=lambda r: r["decision_seq"])]
        for t in tasks:
            wait_for(
                lambda: (
                    httpx.get(f"{system.url('tasking')}/v1/tenants/demo/tasks/{t}", timeout=10)
                    .json()
                    .get("decline_until")
                ),
                what="the decline window from the deadline service",
            )
        lead = {r["task_id"]: r["lead_unit"] for r in rows}

        def decline(task: str) -> httpx.Response:
            """The task's lead unit declines it as not its remit."""
            return httpx.post(
                f"{system.url('tasking')}/v1/tenants/demo/tasks/{task}/decline",
                json={"reason": "不属于本单位职责"},
                headers=unit(lead[task]),
                timeout=10,
            )

        asyncio.run(
            set_clock(nats_server.url, at("2026-11-25", 10))
        )  # 3 working days after Friday's assignment: inside 4
        r = decline(tasks[0])
        assert r.status_code == 200, r.text
        asyncio.run(set_clock(nats_server.url, at("2026-11-27", 10)))  # 5 working days: past it
        r = decline(tasks[1])
        assert r.status_code == 409 and "2026-11-26 17:30" in r.json()["detail"]
    finally:
        httpx.put(url, json={}, headers=OFFICE, timeout=10)
        asyncio.run(set_clock(nats_server.url, START))


def test_a_tenant_on_the_county_rules_preset_gets_10_15_25_working_days_and_its_own_ladder(
    system, nats_server, tmp_path
):
    """County rules (the first document): 「县政府办公室（含督查室）督办件，一般应在10个工作日内…；转交乡镇或部门的
    督办件…15个工作日…；由乡镇和部门协办的督办件…25个工作日」, and its ladder: 「在《督查专报》上进行通报批评；
    通报批评后仍未办理的…公开通报批评」, the latter published for the media or publicity platform."""
    import json
    import subprocess
    import sys
    from pathlib import Path

    from openpyxl import Workbook

    from e2e_support import read_stream

    wb = Workbook()
    for row in [
        ("code", "name", "type", "head", "contact", "phone"),
        ("zjj", "黔西县住房和城乡建设局", "department", "张三", "赵四", "13900000002"),
        ("fgj", "黔西县发展和改革局", "department", "钱五", "孙六", "13900000003"),
        ("jyj", "黔西县教育局", "department", "周七", "吴八", "13900000004"),
    ]:
        wb.active.append(list(row))
    wb.save(tmp_path / "units.xlsx")
    duban = str(Path(sys.executable).parent / "duban")
    urls = [f"--{s}-url={system.url(s)}" for s in ("intake", "tasking", "deadline", "escalation")]
    done = subprocess.run(
        [
            duban,
            "--nats-url",
            system.nats_url,
            "tenant",
            "create",
            "qianxi",
            "--name",
            "黔西县人民政府",
            "--units",
            str(tmp_path / "units.xlsx"),
            "--preset",
            "county_rules",
            *urls,
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "preset county_rules" in done.stdout
    notices_issued_at_once(system, "qianxi")  # the county rules' censures as the ladder makes them
    bad = httpx.put(
        f"{system.url('escalation')}/v1/tenants/qianxi/ladder", json={"preset": "nowhere"}, headers=OFFICE, timeout=10
    )
    assert bad.status_code == 422 and "未知的规则预设" in bad.text

    env = meeting_decision("qx-md", decisions=3, tenant="qianxi")
    env["data"]["decisions"][0]["handled_by_office"] = True
    env["data"]["decisions"][1]["co_units"] = ["jyj"]
    assert httpx.post(f"{system.url('intake')}/v1/tenants/qianxi/submissions", json=env, timeout=10).status_code == 201
    rows = wait_for(
        lambda: (lambda r: r if len(r) == 3 and all(i["due_on"] for i in r) else None)(
            ledger(system, tenant="qianxi", q="qx-md")["items"]
        ),
        what="three deadlines",
    )
    got = {r["decision_seq"]: (r["deadline_rule"], r["due_on"]) for r in rows}
    assert got == {
        1: ("office_itself", "2026-12-04"),
        2: ("with_co_units", "2026-12-25"),
        3: ("one_unit", "2026-12-11"),
    }

    task = next(r["task_id"] for r in rows if r["decision_seq"] == 3)
    esc = f"{system.url('escalation')}/v1/tenants/qianxi/tasks/{task}"
    wait_for(
        lambda: (lambda r: r.status_code == 200 and r.json()["unit"])(httpx.get(f"{esc}/escalation", timeout=10)),
        what="the task in escalation",
    )
    for key in ("qx-1", "qx-2"):
        assert (
            httpx.post(f"{esc}/urge", headers={**OFFICE, "Idempotency-Key": key}, json={}, timeout=20).status_code
            == 200
        )
    state = httpx.get(f"{esc}/escalation", timeout=10).json()
    assert [(s["step"], s["actions"]) for s in state["steps"]] == [
        (1, ["censure_in_special_report"]),
        (2, ["public_censure"]),
    ]
    censures = wait_for(
        lambda: asyncio.run(read_stream(nats_server.url, "duban.out.qianxi.publicity.censure")),
        what="the public censure",
    )
    [c] = [json.loads(m.data) for m in censures]
    assert c["type"] == "duban.publicity.censure.v1" and c["tenant"] == "qianxi"
    assert c["data"]["task_id"] == task and c["data"]["unit"] == "jyj" and "公开通报批评" in c["data"]["text"]


def test_a_notice_issued_late_shows_in_the_statistics_the_bulletin_data_and_the_dashboard_per_issuer(
    system, nats_server
):
    """County notice: notices go out within 3 working days of an executive meeting and 「专门机构研究确定
    事项的分解交办须在会后…3个工作日内下达」. Issuing later is shown per issuer (the office, a special
    body's office), not only in deadline's API."""
    late_office = meeting_decision(
        "md-rules-late", decisions=1, held_on="2026-11-13"
    )  # limit Wed 18th, issued Fri 20th
    late_body = meeting_decision("md-rules-late-sb", decisions=1, meeting_type="special_body", held_on="2026-11-13")
    asyncio.run(publish(nats_server.url, [late_office, late_body]))
    want = [
        {"issued_by": "special_body", "issued_by_label": "专门机构办公室", "count": 1},
        {"issued_by": "supervision_office", "issued_by_label": "督查室", "count": 1},
    ]

    def stats() -> dict:
        return httpx.get(
            f"{system.url('reporting')}/v1/tenants/demo/statistics", params={"period": "2026-11"}, timeout=10
        ).json()

    s = wait_for(
        lambda: (lambda x: x if len(x["notices_late"]) == 2 else None)(stats()),
        what="two late notices in the statistics",
    )
    assert s["notices_late"] == want and s["totals"]["notices_late"] == 2
    page = httpx.get(
        f"{system.url('reporting')}/v1/tenants/demo/dashboard", params={"period": "2026-11"}, timeout=10
    ).text
    assert "交办通知超时下发 2 件（专门机构办公室 1 件、督查室 1 件）" in page


def test_the_ledger_turns_yellow_when_the_tenants_policy_in_deadline_says(system, nats_server):
    """Issue §5: the yellow-light threshold lived in deadline's tenant policy and in reporting's config;
    deadline owns it and announces yellow_from, reporting keeps no copy of its own."""
    url = f"{system.url('deadline')}/v1/tenants/demo/deadline-policies"
    assert httpx.put(url, json={"settings": {"yellow_workdays": 5}}, headers=OFFICE, timeout=10).status_code == 200
    try:
        asyncio.run(publish(nats_server.url, [meeting_decision("md-rules-yellow", decisions=1)]))
        row = assigned_row(system, "md-rules-yellow")
        assert row["due_on"] == "2026-12-07" and row["light"] == "green"
        asyncio.run(
            set_clock(nats_server.url, at("2026-12-01", 10))
        )  # 4 working days before: yellow in 5, green in reporting's 2
        item = ledger(system, q="md-rules-yellow")["items"][0]
        assert item["light"] == "yellow"
        assert [i["matter_id"] for i in ledger(system, q="md-rules-yellow", light="yellow")["items"]] == [
            item["matter_id"]
        ]
        assert ledger(system, q="md-rules-yellow", light="green")["items"] == []
    finally:
        httpx.put(url, json={}, headers=OFFICE, timeout=10)
        asyncio.run(set_clock(nats_server.url, START))
