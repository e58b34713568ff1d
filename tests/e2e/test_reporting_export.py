"""The ledger's filters and its .xlsx export, on the running system: a citizen's message, a leader's
instruction with a co-unit and a meeting's decisions, one closed out and one half done."""

from __future__ import annotations

import asyncio
import io
from datetime import date

import httpx
import pytest
from openpyxl import load_workbook

from duban_reporting.adapters.xlsx import HEADERS
from e2e_support import OFFICE, act, example, ledger, meeting_decision, publish, unit, wait_for

pytestmark = pytest.mark.e2e
DEFAULT_BACKENDS = [
    "sqlite"
]  # full matrix: DUBAN_E2E_BACKENDS=sqlite,postgresql (a file format; the ledger query runs on both in test_reporting_documents)

PHONE, NAME = "13912345678", "张小三"


def export(system, **params) -> list[list]:
    r = httpx.get(f"{system.url('reporting')}/v1/tenants/demo/ledger.xlsx", params=params, timeout=30)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    wb = load_workbook(io.BytesIO(r.content))
    assert wb.sheetnames == ["督办台账", "说明"]
    every = [str(c) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for c in row if c is not None]
    assert not any(PHONE in c or NAME in c for c in every), "a citizen's phone or name in clear in the export"
    return [list(r) for r in wb["督办台账"].iter_rows(values_only=True)]


@pytest.fixture(scope="module")
def matters(system, nats_server):
    message = example("online_message", id="ex-msg-1")
    message["data"]["title"] = f"ex-tag 反映小区供暖温度不达标（来电{PHONE}）"
    instruction = example("leader_instruction", id="ex-ps-1")
    instruction["data"]["title"] = "ex-tag 关于加快推进农村供水保障工程的批示"
    asyncio.run(publish(nats_server.url, [message, instruction, meeting_decision("ex-tag-md", decisions=2)]))
    rows = wait_for(
        lambda: (lambda r: r if len(r) == 4 and all(i["task_id"] and i["due_on"] for i in r) else None)(
            ledger(system, q="ex-tag")["items"]
        ),
        what="four assigned matters with deadlines",
    )
    by = {
        (
            "msg"
            if r["kind"] == "online_message"
            else "ps"
            if r["kind"] == "leader_instruction"
            else f"md{r['decision_seq']}"
        ): r
        for r in rows
    }
    md1, md2 = by["md1"], by["md2"]
    act(system, md1["task_id"], "acknowledge", unit(md1["lead_unit"]))
    act(system, md1["task_id"], "completion", unit(md1["lead_unit"]), {"text": "已完成"})
    act(system, md1["task_id"], "accept", OFFICE)
    act(system, md2["task_id"], "acknowledge", unit(md2["lead_unit"]))
    act(system, md2["task_id"], "progress", unit(md2["lead_unit"]), {"text": "过半", "progress": 50})
    wait_for(
        lambda: (
            {i["matter_id"]: (i["status"], i["progress"]) for i in ledger(system, q="ex-tag")["items"]}.items()
            >= {md1["matter_id"]: ("completed", 100), md2["matter_id"]: ("in_progress", 50)}.items()
        ),
        what="the ledger to follow",
    )
    # a feedback report in time meets a meeting decision's period: its next feedback falls due a month on
    wait_for(
        lambda: (
            next(i for i in ledger(system, q="ex-tag")["items"] if i["matter_id"] == md2["matter_id"])["due_on"]
            > md2["due_on"]
        ),
        what="md2's next feedback due date in the ledger",
    )
    return {
        k: next(i for i in ledger(system, q="ex-tag")["items"] if i["matter_id"] == v["matter_id"])
        for k, v in by.items()
    }


def test_ledger_filters(system, matters):
    ps, msg = matters["ps"], matters["msg"]
    assert ps["co_units"] == ["czj"] and ps["notice_no"].startswith("督办〔2026〕") and ps["leader_name"] == "王县长"
    assert msg["citizen_name"] == "张*三" and msg["citizen_phone"] == "139****5678" and PHONE not in msg["title"]
    ids = lambda **p: {i["matter_id"] for i in ledger(system, q="ex-tag", **p)["items"]}  # noqa: E731
    assert ids(unit="czj") == {ps["matter_id"]}  # a co-unit finds the matter too
    assert ids(unit="nyj") == {ps["matter_id"]}
    assert ids(leader="王县长") == {ps["matter_id"]}
    assert ids(kind="online_message") == {msg["matter_id"]}
    assert ids(status="completed") == {matters["md1"]["matter_id"]}
    assert (
        len(ids(period="2026-11", date_field="assigned")) == 4 and ids(period="2026-10", date_field="assigned") == set()
    )
    due = matters["md2"]["due_on"]
    assert matters["md2"]["matter_id"] in ids(date_field="due", **{"from": due, "to": due})
    assert {i["matter_id"] for i in ledger(system, q=ps["notice_no"])["items"]} == {ps["matter_id"]}
    ordered = [i["progress"] for i in ledger(system, q="ex-tag", sort="-progress")["items"]]
    assert ordered == sorted(ordered, reverse=True) and ordered[0] == 100
    page = ledger(system, q="ex-tag", sort="title", limit=2, offset=2)
    assert page["total"] == 4 and len(page["items"]) == 2
    r = httpx.get(f"{system.url('reporting')}/v1/tenants/demo/ledger", params={"period": "2026-13"}, timeout=10)
    assert r.status_code == 422 and "2026-13" in r.text


def test_export_has_the_offices_columns_and_masks_personal_data(system, matters):
    rows = export(system, q="ex-tag", sort="registered_at")
    assert rows[0] == list(HEADERS)  # the columns the export declares; each is read below by its name
    body = {r[2]: dict(zip(HEADERS, r)) for r in rows[1:]}
    assert len(body) == 4
    msg = body[matters["msg"]["title"]]
    assert msg["事项名称"] == "ex-tag 反映小区供暖温度不达标（来电139****5678）"
    assert msg["来源"] == "网民留言（张*三 139****5678）" and msg["牵头单位"] == "县住房和城乡建设局"
    ps = body[matters["ps"]["title"]]
    assert (ps["编号"], ps["来源"], ps["牵头单位"], ps["协办单位"]) == (
        matters["ps"]["notice_no"],
        "领导批示（王县长批示）",
        "县农业农村局",
        "县财政局",
    )
    assert ps["交办日期"].date() == date(2026, 11, 20) and ps["办理时限"].date() == date.fromisoformat(
        matters["ps"]["due_on"]
    )
    assert (ps["办理状态"], ps["亮灯"], ps["催办次数"], ps["办理进度"], ps["办结日期"]) == (
        "已交办",
        "绿灯",
        0,
        0,
        None,
    )
    md1, md2 = body[matters["md1"]["title"]], body[matters["md2"]["title"]]
    assert (md1["办理状态"], md1["办理进度"], md1["办结日期"].date()) == ("已办结", 1, date(2026, 11, 20))
    assert md1["来源"] == "会议议定事项（县政府第12次常务会议第1项）"
    assert (md2["办理状态"], md2["办理进度"]) == ("办理中", 0.5)

    assert [r[2] for r in export(system, q="ex-tag", unit="czj")[1:]] == [matters["ps"]["title"]]
    everything = export(system)
    assert len(everything) - 1 == ledger(system)["total"]
