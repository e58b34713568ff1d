"""The reporting rhythm (月督查、季通报、年终考核) on the running system: when the simulated clock
passes the quarter's end, reporting drafts the quarterly bulletin by itself; it publishes nothing
until its sign-off chain ends (督查室提出 → 政府办公室主任签发, the library's default), whose last
step numbers it; a refused draft takes no number."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime

import httpx
import pytest

from duban_common.calendar import TZ
from e2e_support import ledger, meeting_decision, publish, read_stream, set_clock, wait_for

pytestmark = pytest.mark.e2e
DEFAULT_BACKENDS = [
    "sqlite"
]  # numbering and the draft's key are also tested on PostgreSQL (tests/integration/test_reporting_rhythm.py)

OFFICE = {"X-Duban-Role": "supervision_office"}
DEPUTY = {"X-Duban-Role": "office_deputy"}
DIRECTOR = {"X-Duban-Role": "office_director"}
LAST_EVENING = datetime(2026, 12, 31, 23, 0, tzinfo=TZ)
NEW_YEAR = datetime(2027, 1, 1, 0, 30, tzinfo=TZ)


def drafts(system, **params) -> dict:
    r = httpx.get(f"{system.url('reporting')}/v1/tenants/demo/rhythm/drafts", params=params, headers=OFFICE, timeout=10)
    assert r.status_code == 200, r.text
    return r.json()


def step(system, draft: dict, who: dict, decision: str = "approve", reason: str | None = None) -> httpx.Response:
    url = f"{system.url('reporting')}{draft['links']['signoff']}/steps"
    return httpx.post(url, json={"decision": decision, "reason": reason}, headers=who, timeout=60)


def published(nats_url: str) -> list[dict]:
    return [json.loads(m.data)["data"] for m in asyncio.run(read_stream(nats_url, "duban.out.demo.report.published"))]


def reports(system) -> list[dict]:
    return httpx.get(f"{system.url('reporting')}/v1/tenants/demo/reports", headers=OFFICE, timeout=10).json()["items"]


@pytest.fixture(scope="module")
def quarter_ended(system, nats_server):
    """Two matters in the fourth quarter; then the clock passes the evening before and the quarter's end."""
    asyncio.run(publish(nats_server.url, [meeting_decision("rh-tag", decisions=2)]))
    wait_for(lambda: len(ledger(system, q="rh-tag")["items"]) == 2, what="two registered matters")
    asyncio.run(set_clock(nats_server.url, LAST_EVENING))
    before = drafts(system, kind="quarterly_bulletin")
    asyncio.run(set_clock(nats_server.url, NEW_YEAR))  # returns once reporting has handled the new time
    return before


def test_the_quarterly_bulletin_is_drafted_at_the_quarters_end_and_published_only_when_issued(
    system, nats_server, quarter_ended
):
    assert quarter_ended["total"] == 0, "nothing is drafted before the quarter has ended"
    (draft,) = drafts(system, kind="quarterly_bulletin")["items"]
    assert (draft["label"], draft["state"], draft["title"]) == (
        "2026年第四季度",
        "waiting",
        "关于2026年第四季度政务督查督办工作情况的通报",
    )
    assert draft["summary"]["totals"]["assigned"] == 2 and draft["summary"]["admonition_bottom"] == 3
    kinds = sorted((d["kind"], d["label"]) for d in drafts(system)["items"])
    assert kinds == [
        ("annual_assessment", "2026年"),
        ("monthly_summary", "2026年11月"),
        ("monthly_summary", "2026年12月"),
        ("quarterly_bulletin", "2026年第四季度"),
    ]
    assert reports(system) == [] and published(nats_server.url) == [], "a draft publishes nothing"

    queue = httpx.get(
        f"{system.url('reporting')}/v1/tenants/demo/approvals", params={"mine": 1}, headers=OFFICE, timeout=10
    )
    assert draft["draft_id"] in [d["id"] for d in queue.json()], "the office's queue holds the bulletin to propose"
    early = step(system, draft, DIRECTOR)
    assert early.status_code == 403 and "督查室" in early.json()["detail"], "the first step is the office's (提出)"
    proposed = step(system, draft, OFFICE)
    assert proposed.status_code == 200 and proposed.json()["waiting_for"] == "政府办公室主任签发", proposed.text
    assert reports(system) == [] and published(nats_server.url) == [], "proposed is not issued"
    deputy = step(system, draft, DEPUTY)
    assert deputy.status_code == 403 and "政府办公室主任" in deputy.json()["detail"], "only the office director issues"
    issued = step(system, draft, DIRECTOR)
    assert issued.status_code == 200 and issued.json()["number"] == "督查通报〔2027〕1号", issued.text
    (report,) = reports(system)
    assert (report["report_no"], report["kind"]) == ("督查通报〔2027〕1号", "quarterly_bulletin")
    assert report["published_by"].startswith("office_director"), "who signed it, as the step names them"
    again = step(system, draft, DIRECTOR)
    assert again.status_code == 200 and again.json()["number"] == "督查通报〔2027〕1号"
    wait_for(lambda: len(published(nats_server.url)) == 1, what="report.published on the outbound stream")
    (event,) = published(nats_server.url)
    assert (event["report_id"], event["kind"], event["period"]["label"]) == (
        report["report_id"],
        "quarterly_bulletin",
        "2026年第四季度",
    )
    (issued_draft,) = drafts(system, kind="quarterly_bulletin")["items"]
    assert issued_draft["state"] == "issued" and issued_draft["links"]["report"].endswith(report["report_id"])


def test_a_refused_draft_takes_no_number(system, nats_server, quarter_ended):
    months = {d["label"]: d for d in drafts(system, kind="monthly_summary")["items"]}
    assert step(system, months["2026年12月"], OFFICE).status_code == 200
    assert step(system, months["2026年12月"], DIRECTOR, "refuse").status_code == 422, "a refusal says why"
    refusal = step(system, months["2026年12月"], DIRECTOR, "refuse", "12月数据尚未核实")
    assert refusal.status_code == 200 and refusal.json()["status"] == "refused", refusal.text
    assert {d["label"]: d["state"] for d in drafts(system, kind="monthly_summary")["items"]}["2026年12月"] == "refused"
    assert step(system, months["2026年12月"], DIRECTOR).status_code == 409
    assert step(system, months["2026年11月"], OFFICE).status_code == 200
    issued = step(system, months["2026年11月"], DIRECTOR)
    assert issued.status_code == 200 and issued.json()["number"] == "督查月报〔2027〕1号", issued.text
    numbers = {r["report_no"] for r in reports(system)}
    assert "督查月报〔2027〕1号" in numbers and "督查月报〔2027〕2号" not in numbers
