"""The reporting rhythm (月督查、季通报、年终考核) on the running system: when the simulated clock
passes the quarter's end, reporting drafts the quarterly bulletin by itself; it publishes nothing
until the office director issues it (签发), which numbers it; a refused draft takes no number."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime

import httpx
import pytest

from duban_common.calendar import TZ
from e2e_support import ledger, meeting_decision, publish, read_stream, set_clock, wait_for

pytestmark = pytest.mark.e2e
DEFAULT_BACKENDS = ["sqlite"]  # numbering and the draft's key are also tested on PostgreSQL (tests/integration/test_reporting_rhythm.py)

OFFICE = {"X-Duban-Role": "supervision_office"}
DEPUTY = {"X-Duban-Role": "office_deputy"}
DIRECTOR = {"X-Duban-Role": "office_director"}
LAST_EVENING = datetime(2026, 12, 31, 23, 0, tzinfo=TZ)
NEW_YEAR = datetime(2027, 1, 1, 0, 30, tzinfo=TZ)


def drafts(system, **params) -> dict:
    r = httpx.get(f"{system.url('reporting')}/v1/tenants/demo/rhythm/drafts", params=params, headers=OFFICE, timeout=10)
    assert r.status_code == 200, r.text
    return r.json()


def decide(system, draft: dict, action: str, who: dict, body: dict | None = None) -> httpx.Response:
    url = f"{system.url('reporting')}/v1/tenants/demo/rhythm/drafts/{draft['draft_id']}/{action}"
    return httpx.post(url, json=body, headers=who, timeout=60)


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


def test_the_quarterly_bulletin_is_drafted_at_the_quarters_end_and_published_only_when_issued(system, nats_server, quarter_ended):
    assert quarter_ended["total"] == 0, "nothing is drafted before the quarter has ended"
    (draft,) = drafts(system, kind="quarterly_bulletin")["items"]
    assert (draft["label"], draft["state"], draft["title"]) == ("2026年第四季度", "waiting", "关于2026年第四季度政务督查督办工作情况的通报")
    assert draft["summary"]["totals"]["assigned"] == 2 and draft["summary"]["admonition_bottom"] == 3
    kinds = sorted((d["kind"], d["label"]) for d in drafts(system)["items"])
    assert kinds == [("annual_assessment", "2026年"), ("monthly_summary", "2026年11月"), ("monthly_summary", "2026年12月"),
                     ("quarterly_bulletin", "2026年第四季度")]
    assert reports(system) == [] and published(nats_server.url) == [], "a draft publishes nothing"

    refused = decide(system, draft, "issue", DEPUTY)
    assert refused.status_code == 403 and "office_director" in refused.text, "only the office director issues"
    issued = decide(system, draft, "issue", DIRECTOR)
    assert issued.status_code == 200, issued.text
    report = issued.json()
    assert (report["report_no"], report["kind"]) == ("督查通报〔2027〕1号", "quarterly_bulletin")
    assert report["published_by"].startswith("office_director"), "who issued it, from the caller, not the body"
    again = decide(system, draft, "issue", DIRECTOR)
    assert again.status_code == 200 and again.json()["report_id"] == report["report_id"]
    wait_for(lambda: len(published(nats_server.url)) == 1, what="report.published on the outbound stream")
    (event,) = published(nats_server.url)
    assert (event["report_id"], event["kind"], event["period"]["label"]) == (report["report_id"], "quarterly_bulletin", "2026年第四季度")
    (issued_draft,) = drafts(system, kind="quarterly_bulletin")["items"]
    assert issued_draft["state"] == "issued" and issued_draft["links"]["report"].endswith(report["report_id"])


def test_a_refused_draft_takes_no_number(system, nats_server, quarter_ended):
    months = {d["label"]: d for d in drafts(system, kind="monthly_summary")["items"]}
    refusal = decide(system, months["2026年12月"], "refuse", DEPUTY, {"reason": "12月数据尚未核实"})
    assert refusal.status_code == 200 and refusal.json()["state"] == "refused", refusal.text
    assert decide(system, months["2026年12月"], "issue", DIRECTOR).status_code == 409
    assert decide(system, months["2026年11月"], "refuse", DEPUTY, {"reason": "x"}).status_code == 422, "a reason says why"
    issued = decide(system, months["2026年11月"], "issue", DIRECTOR)
    assert issued.status_code == 200 and issued.json()["report_no"] == "督查月报〔2027〕1号", issued.text
    assert {r["report_no"] for r in reports(system)} >= {"督查月报〔2027〕1号"}
    assert "督查月报〔2027〕2号" not in {r["report_no"] for r in reports(system)}
