"""Bulletins (政务督查通报) and special reports (督查专报) on the running system.

The test drives a quarter: five matters (a meeting's four decisions and a citizen's message),
three closed on time, one closed after its deadline, one left overdue; escalation urges the late
ones. It then publishes the 2026-Q4 bulletin and reads the DOCX (python-docx) and the PDF
(pypdf) back. The expected figures come from what the test did (assigned, closed, on time,
overdue) and from escalation's own history of each task (urges, bulletins, deductions), never
from reporting's statistics code, which is only polled to know that reporting has caught up.
"""

from __future__ import annotations

import asyncio
import csv
import hashlib
import io
import json
import re
from datetime import date, datetime
from pathlib import Path
from urllib.parse import quote

import docx
import httpx
import pytest
from pypdf import PdfReader

from asyncapi_support import off_contract
from duban_common.calendar import TZ
from duban_reporting.domain.bulletin import ranking_table
from e2e_support import OFFICE, act, example, ledger, meeting_decision, publish, read_stream, set_clock, unit, wait_for

pytestmark = pytest.mark.e2e

PHONE, NAME = "13912345678", "张小三"
UNITS = {
    row["code"]: row["name"]
    for row in csv.DictReader((Path(__file__).resolve().parents[2] / "demo" / "units.csv").open())
}
LATE_CLOCK = datetime(2026, 12, 8, 10, 0, tzinfo=TZ)  # after the meeting's deadlines (2026-12-07 17:30)


def close_out(system, row: dict) -> None:
    act(system, row["task_id"], "completion", unit(row["lead_unit"]), {"text": "已办结"})
    act(system, row["task_id"], "accept", OFFICE)


def reports_url(system) -> str:
    return f"{system.url('reporting')}/v1/tenants/demo/reports"


def post(system, body: dict, headers: dict | None = None) -> httpx.Response:
    return httpx.post(reports_url(system), json=body, headers={**OFFICE, **(headers or {})}, timeout=60)


DIRECTOR = {"X-Duban-Role": "office_director"}


def bulletin(system, body: dict, headers: dict | None = None) -> httpx.Response:
    """A bulletin asked for by hand is a draft (202) until its sign-off ends: 督查室提出 → 政府办公室主任签发."""
    before = httpx.get(reports_url(system), timeout=10).json()["total"]
    r = post(system, body, headers)
    if r.status_code != 202:
        return r
    steps = f"{system.url('reporting')}{r.json()['draft']['links']['signoff']}/steps"
    for who in (OFFICE, DIRECTOR):
        assert httpx.get(reports_url(system), timeout=10).json()["total"] == before, "a draft published something"
        taken = httpx.post(steps, json={"decision": "approve"}, headers=who, timeout=60)
        assert taken.status_code == 200, taken.text
    return post(system, body, headers)  # once issued: 200 with the report


def escalation_of(system, task_id: str) -> dict:
    r = httpx.get(f"{system.url('escalation')}/v1/tenants/demo/tasks/{task_id}/escalation", timeout=10)
    return r.json() if r.status_code == 200 else {}


def squash(text: str) -> str:
    return "".join(text.split())


def download(system, report: dict, fmt: str) -> tuple[bytes, str]:
    r = httpx.get(f"{system.url('reporting')}{report['document'][fmt]}", timeout=30)
    assert r.status_code == 200, r.text
    media = {
        "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "pdf": "application/pdf",
    }[fmt]
    assert r.headers["content-type"] == media
    disposition = r.headers["content-disposition"]
    name = quote(f"{report['report_no']}-{report['title']}.{fmt}", safe="")  # 督查通报〔2026〕1号-关于….docx
    assert disposition.startswith("attachment;") and f"filename*=UTF-8''{name}" in disposition
    return r.content, disposition


def read_docx(content: bytes) -> tuple[list[str], list[list[list[str]]]]:
    d = docx.Document(io.BytesIO(content))
    return [p.text for p in d.paragraphs if p.text.strip()], [
        [[c.text for c in row.cells] for row in t.rows] for t in d.tables
    ]


def read_pdf(content: bytes) -> str:
    """The text without the page numbers (— 2 —), so a paragraph running over a page reads whole."""
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    return squash(re.sub(r"^— \d+ —$", "", text, flags=re.M))


@pytest.fixture(scope="module")
def quarter(system, nats_server):
    """The quarter the test drives, and what it expects from it."""
    message = example("online_message", id="rd-msg-1")
    message["data"]["title"] = f"rd-tag 反映小区供暖温度不达标（来电{PHONE}）"
    asyncio.run(publish(nats_server.url, [message, meeting_decision("rd-tag-md", decisions=4)]))
    rows = wait_for(
        lambda: (
            lambda r: r if len(r) == 5 and all(i["task_id"] and i["due_on"] and i["lead_unit"] for i in r) else None
        )(ledger(system, q="rd-tag")["items"]),
        what="five assigned matters with deadlines",
    )
    by = {("msg" if r["kind"] == "online_message" else f"md{r['decision_seq']}"): r for r in rows}
    assert [by[k]["lead_unit"] for k in ("msg", "md1", "md2", "md3", "md4")] == ["zjj", "zjj", "fgj", "jyj", "wjj"]
    for key in ("msg", "md1", "md2", "md3", "md4"):
        act(system, by[key]["task_id"], "acknowledge", unit(by[key]["lead_unit"]))
    for key in ("msg", "md1", "md2"):  # closed out on the day they were assigned: on time
        close_out(system, by[key])
    wait_for(
        lambda: sum(i["status"] == "completed" for i in ledger(system, q="rd-tag")["items"]) == 3,
        what="three closed out",
    )

    asyncio.run(set_clock(nats_server.url, LATE_CLOCK))  # md3 and md4 pass their deadline without a completion report
    late = [by["md3"]["task_id"], by["md4"]["task_id"]]
    wait_for(
        lambda: all(escalation_of(system, t).get("urge_list") and escalation_of(system, t).get("steps") for t in late),
        what="escalation to urge both late tasks",
    )
    close_out(system, by["md4"])  # closed after its deadline: completed, not on time
    wait_for(
        lambda: (
            next(i for i in ledger(system, q="rd-tag")["items"] if i["matter_id"] == by["md4"]["matter_id"])["status"]
            == "completed"
        ),
        what="md4 closed out late",
    )

    # What each unit must show, from the test's own actions and escalation's history of each task.
    expect = {
        code: dict.fromkeys(("assigned", "completed", "on_time", "overdue", "urges", "bulletins", "points"), 0)
        for code in ("zjj", "fgj", "jyj", "wjj")
    }
    for key, row in by.items():
        e = expect[row["lead_unit"]]
        e["assigned"] += 1
        e["completed"] += key in ("msg", "md1", "md2", "md4")
        e["on_time"] += key in ("msg", "md1", "md2")
        e["overdue"] += key in ("md3", "md4")
        history = escalation_of(system, row["task_id"])
        e["urges"] += len(history.get("urge_list") or [])
        e["bulletins"] += sum(
            a in ("bulletin_office", "bulletin_government") for s in history.get("steps") or [] for a in s["actions"]
        )
        e["points"] += sum(d["points"] for d in history.get("deductions") or [])
    assert expect["jyj"]["urges"] >= 1 and expect["wjj"]["urges"] >= 1 and expect["zjj"]["urges"] == 0

    def caught_up() -> bool:  # reporting has applied every fact the expectation counts (polled, not trusted)
        s = httpx.get(
            f"{system.url('reporting')}/v1/tenants/demo/statistics", params={"period": "2026-Q4"}, timeout=10
        ).json()
        got = {
            u["unit"]: (u["completed"], u["overdue"], u["urges"], u["bulletins"], u["deductions"]) for u in s["by_unit"]
        }
        return all(
            got.get(c) == (e["completed"], e["overdue"], e["urges"], e["bulletins"], round(e["points"], 2))
            for c, e in expect.items()
        )

    wait_for(caught_up, what="reporting to apply the quarter's facts")
    return {"by": by, "expect": expect}


def test_quarterly_bulletin_in_docx_and_pdf_carries_the_quarters_figures(system, quarter, nats_server):
    expect = quarter["expect"]
    r = bulletin(system, {"kind": "quarterly_bulletin", "period": "2026-Q4"})
    assert r.status_code == 200, r.text
    report = r.json()
    assert report["report_no"] == "督查通报〔2026〕1号" and report["kind"] == "quarterly_bulletin"
    assert (
        report["title"] == "关于2026年第四季度政务督查督办工作情况的通报"
        and report["period"]["label"] == "2026年第四季度"
    )

    docx_bytes, _ = download(system, report, "docx")
    paragraphs, tables = read_docx(docx_bytes)
    assert (
        paragraphs[:2] == ["演示县人民政府办公室文件", "督查通报〔2026〕1号"]
        and squash(paragraphs[2]) == report["title"]
    )
    signed = paragraphs.index("演示县人民政府办公室")  # 落款, then the annexes, then the 版记 (抄送, 印发)
    assert paragraphs[signed + 1] == "2026年12月8日" and paragraphs[signed - 2 : signed] == [
        "附件：1. 各单位督办事项办理情况排名表",
        "2. 催办督办措施明细表",
    ]
    assert paragraphs[-2].startswith("抄送：") and paragraphs[-1] == "演示县人民政府办公室\t2026年12月8日印发"
    headings = [p for p in paragraphs if p[:2] in ("一、", "二、", "三、", "四、")]
    assert headings == ["一、总体情况", "二、各单位办理情况", "三、催办督办及约谈情况", "四、下一步工作要求"]

    total = {
        k: sum(e[k] for e in expect.values())
        for k in ("assigned", "completed", "on_time", "overdue", "urges", "bulletins")
    }
    rate = f"{100 * total['on_time'] / total['completed']:.1f}%"
    assert (total["assigned"], total["completed"], total["on_time"], total["overdue"], rate) == (5, 4, 3, 2, "75.0%")
    overall = (
        f"2026年第四季度，共交办督办任务{total['assigned']}项，审核办结{total['completed']}项，其中按期办结{total['on_time']}项，"
        f"按期办结率{rate}；到期未报送办结报告（逾期）{total['overdue']}项。"
    )
    assert any(p.startswith(overall) for p in paragraphs), paragraphs
    assert any(p.startswith(f"期内共催办{total['urges']}次，通报{total['bulletins']}次") for p in paragraphs)

    commended = next(p for p in paragraphs if p.startswith("（一）按期办结情况。"))
    censured = next(p for p in paragraphs if p.startswith("（二）未按期办结情况。"))
    assert (
        f"{UNITS['fgj']}、{UNITS['zjj']}共2个单位" in commended
        and UNITS["jyj"] not in commended
        and UNITS["wjj"] not in commended
    )
    for code in ("jyj", "wjj"):
        assert UNITS[code] in censured and f"逾期{expect[code]['overdue']}项" in censured
    assert f"{UNITS['wjj']}（逾期1项，超期办结1项，催办{expect['wjj']['urges']}次" in censured
    assert UNITS["fgj"] not in censured and UNITS["zjj"] not in censured

    ranking = next(t for t in tables if t[0][0] == "排名")
    assert ranking[0] == list(ranking_table({"by_unit": [], "ranking": []}).header)  # the columns the bulletin declares
    records = [dict(zip(ranking[0], row)) for row in ranking[1:]]
    # on-time rate first (nothing closed but something overdue counts as 0%), then fewer handling days (none closed: last), then the code
    assert [record["单位"] for record in records] == [UNITS[c] for c in ("fgj", "zjj", "wjj", "jyj")]
    for record in records:
        code = next(c for c, n in UNITS.items() if n == record["单位"])
        e = expect[code]
        want_rate = f"{100 * e['on_time'] / e['completed']:.1f}%" if e["completed"] else "—"
        counted = [record[column] for column in ("交办", "办结", "按期办结", "逾期", "按期办结率")]
        assert counted == [str(e["assigned"]), str(e["completed"]), str(e["on_time"]), str(e["overdue"]), want_rate], (
            record
        )
        assert re.fullmatch(r"—|\d+\.\d", record["平均用时（工作日）"]), record
        assert [record["催办"], record["通报"], record["得分"]] == [
            str(e["urges"]),
            str(e["bulletins"]),
            f"{round(100 - e['points'], 1):g}",
        ], record
        # the bottom three by score are flagged, except a unit with everything on time, nothing overdue, no points lost (zjj)
        assert record["备注"] == ("约谈" if code in ("jyj", "wjj") else ""), record
    talk = next(
        p for p in paragraphs if p.startswith("按照考核得分排名后3位及期内有移交纪委监委情况的单位建议约谈的规定")
    )
    assert UNITS["wjj"] in talk and UNITS["jyj"] in talk and "约谈" in talk

    escalations = next(t for t in tables if t[0] == ["日期", "单位", "事项", "交办单号", "措施"])
    assert sum(row[4] == "催办" for row in escalations[1:]) == total["urges"]
    assert sum(row[4] == "通报" for row in escalations[1:]) == total["bulletins"]
    assert {row[1] for row in escalations[1:] if row[4] == "催办"} == {UNITS["jyj"], UNITS["wjj"]}
    assert all(row[0] == "2026年12月8日" for row in escalations[1:])

    pdf_bytes, _ = download(system, report, "pdf")
    pdf = read_pdf(pdf_bytes)
    for p in paragraphs:  # one model, two renderings: every paragraph of the Word file is in the PDF
        assert squash(p) in pdf, p
    for cell in (UNITS["fgj"], "75.0%", "约谈", "督查通报〔2026〕1号"):
        assert cell in pdf
    every = "".join(paragraphs) + "".join(c for t in tables for row in t for c in row) + pdf
    assert PHONE not in every and NAME not in every


def test_numbering_idempotency_special_reports_masking_and_the_published_events(system, quarter, nats_server):
    by = quarter["by"]
    first = bulletin(
        system, {"kind": "quarterly_bulletin", "period": "2026-Q4"}
    )  # the natural key: one bulletin per period
    assert first.status_code == 200
    again = post(system, {"kind": "quarterly_bulletin", "period": "2026-q4"})
    assert again.status_code == 200 and again.json()["created"] is False
    assert again.json()["report_id"] == first.json()["report_id"] and again.json()["report_no"] == "督查通报〔2026〕1号"

    november = post(
        system, {"kind": "quarterly_bulletin", "period": "2026-11"}
    )  # drafted, then refused: it takes no number
    assert november.status_code == 202 and november.json()["created"] is True, november.text
    refused = httpx.post(
        f"{system.url('reporting')}{november.json()['draft']['links']['signoff']}/steps",
        json={"decision": "refuse", "reason": "11月情况已在季度通报中反映"},
        headers=OFFICE,
        timeout=10,
    )
    assert refused.status_code == 200 and refused.json()["status"] == "refused", refused.text
    december = bulletin(system, {"kind": "quarterly_bulletin", "period": "2026-12"})
    assert december.status_code == 200 and december.json()["report_no"] == "督查通报〔2026〕2号"
    paragraphs, _ = read_docx(download(system, december.json(), "docx")[0])
    # in December: nothing assigned, md4 closed late, md3 and md4 overdue (their deadlines fell on 12-07)
    assert any(
        p.startswith(
            "2026年12月，共交办督办任务0项，审核办结1项，其中按期办结0项，按期办结率0.0%；到期未报送办结报告（逾期）2项。"
        )
        for p in paragraphs
    ), paragraphs

    keyed = post(system, {"kind": "quarterly_bulletin", "period": "2026-Q4"}, {"Idempotency-Key": "rd-reissue-1"})
    assert keyed.status_code == 200 and keyed.json()["report_id"] == first.json()["report_id"], (
        "one bulletin per period, key or not"
    )

    campaign = post(system, {"kind": "special_report", "campaign": {"kind": "online_message", "q": "rd-tag"}})
    assert campaign.status_code == 201, campaign.text
    assert campaign.json()["report_no"] == "督查专报〔2026〕1号"
    assert campaign.json()["title"] == "关于涉及“rd-tag”的网民留言类督办事项办理情况的督查专报"
    paragraphs, tables = read_docx(download(system, campaign.json(), "docx")[0])
    pdf = read_pdf(download(system, campaign.json(), "pdf")[0])
    cells = [c for t in tables for row in t for c in row]
    assert "网民留言（张*三 139****5678）" in cells and "rd-tag 反映小区供暖温度不达标（来电139****5678）" in cells
    assert squash("rd-tag反映小区供暖温度不达标（来电139****5678）") in pdf and "张*三" in pdf
    every = "".join(paragraphs) + "".join(cells) + pdf
    assert PHONE not in every and NAME not in every, "a citizen's phone or name in clear in a special report"
    assert any("已全部按期办结，建议予以销号" in p for p in paragraphs)

    listed = lambda: httpx.get(reports_url(system), timeout=10).json()["total"]  # noqa: E731
    before = listed()
    refusals = [
        (post(system, {"kind": "quarterly_bulletin", "period": "2026-Q5"}), 422, "2026-Q5"),
        (
            post(
                system,
                {"kind": "special_report", "matter_id": by["md3"]["matter_id"], "campaign": {"kind": "document"}},
            ),
            422,
            "只能指定",
        ),
        (post(system, {"kind": "special_report", "matter_id": "no-such-matter"}), 404, "no-such-matter"),
        (post(system, {"kind": "special_report", "campaign": {"q": "rd-nothing-matches"}}), 422, "没有符合"),
        (
            httpx.post(reports_url(system), json={"kind": "quarterly_bulletin"}, headers=unit("jyj"), timeout=10),
            403,
            "可执行的角色：supervision_office",
        ),  # the access table (duban_common.auth)
        (post(system, {"kind": "annual_assessment"}), 422, "kind"),
    ]
    for response, status, reason in refusals:
        assert response.status_code == status and reason in response.text, response.text
    assert listed() == before, "a refused request published something"

    matter = post(
        system, {"kind": "special_report", "matter_id": by["md3"]["matter_id"], "published_by": "督查室 李红"}
    )
    assert (
        matter.status_code == 201 and matter.json()["report_no"] == "督查专报〔2026〕2号"
    )  # the refusals took no number
    paragraphs, tables = read_docx(download(system, matter.json(), "docx")[0])
    progress = next(t for t in tables if t[0][0] == "序号")
    assert progress[1][2] == UNITS["jyj"] and progress[1][-1] == "逾期未办结"
    urges = quarter["expect"]["jyj"]["urges"]
    due = date.fromisoformat(by["md3"]["due_on"])  # dates as the standard writes them: 2026年12月7日
    assert any(
        f"{UNITS['jyj']}承办的“{by['md3']['title']}”（时限{due.year}年{due.month}月{due.day}日，已催办{urges}次）" in p
        for p in paragraphs
    )
    assert any(p.startswith(f"建议对{UNITS['jyj']}进一步加大督办力度") for p in paragraphs)

    ids = {x.json()["report_id"]: x.json() for x in (first, december, campaign, matter)}
    listing = httpx.get(reports_url(system), params={"kind": "special_report"}, timeout=10).json()
    assert [i["report_no"] for i in listing["items"]] == ["督查专报〔2026〕2号", "督查专报〔2026〕1号"]
    one = httpx.get(f"{reports_url(system)}/{matter.json()['report_id']}", timeout=10).json()
    assert one["published_by"] == "督查室 李红" and one["issuer"] == "演示县人民政府办公室"
    assert httpx.get(f"{reports_url(system)}/no-such-report", timeout=10).status_code == 404

    def published() -> list[dict]:
        msgs = asyncio.run(read_stream(nats_server.url, "duban.out.demo.report.published"))
        return [json.loads(m.data) for m in msgs if json.loads(m.data)["data"]["report_id"] in ids]

    events = wait_for(
        lambda: (lambda e: e if len(e) >= len(ids) else None)(published()), what="report.published for every report"
    )
    assert len(events) == len(ids), "a repeated request published a second event"
    for env in events:
        data, report = env["data"], ids[env["data"]["report_id"]]
        assert env["type"] == "duban.report.published.v1" and env["tenant"] == "demo"
        assert (data["report_no"], data["title"], data["kind"], data["period"]) == (
            report["report_no"],
            report["title"],
            report["kind"],
            report["period"],
        )
        assert (
            data["document"]["docx"] == report["document"]["docx"]
            and data["document"]["sha256"] == report["document"]["sha256"]
        )
        assert hashlib.sha256(download(system, report, "pdf")[0]).hexdigest() == data["document"]["sha256"]["pdf"]
        assert PHONE not in json.dumps(env, ensure_ascii=False)


def test_every_message_the_broker_holds_is_on_the_contract(system, quarter, nats_server):
    assert off_contract(nats_server.url) == []
