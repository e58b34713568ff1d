"""``duban demo`` as a user runs it: a real subprocess on free ports playing a reduced quarter with
``--exit``; then the same data folder is started again and what the demo left is checked through
the ledger, the statistics and the URLs it printed."""

from __future__ import annotations

import io
import re
import subprocess
import sys
import zipfile
from datetime import datetime

import httpx
import pytest
from pypdf import PdfReader

from duban_cli.demo_scenario import LADDER_UNIT, build
from duban_cli.embedded import SERVICES, EmbeddedSystem
from duban_common.contracts.submissions import KINDS
from duban_common.natsserver import free_port, free_port_block

pytestmark = pytest.mark.e2e
OFFICE = {"X-Duban-Role": "supervision_office"}
MESSAGES, SEED = 20, 7


@pytest.fixture(scope="module")
def played(tmp_path_factory):
    data, base, nats_port = tmp_path_factory.mktemp("duban-demo"), free_port_block(6), free_port()
    cmd = [
        sys.executable,
        "-m",
        "duban_cli.main",
        "demo",
        "--data-dir",
        str(data),
        "--messages",
        str(MESSAGES),
        "--seed",
        str(SEED),
        "--port-base",
        str(base),
        "--nats-port",
        str(nats_port),
        "--exit",
    ]
    run = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, f"stdout:\n{run.stdout}\nstderr:\n{run.stderr[-3000:]}"
    again = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    system = EmbeddedSystem(
        data_dir=data, clock="simulated", ports={"workbench": base, **{s: base + i + 1 for i, s in enumerate(SERVICES)}}
    )
    try:
        system.start_nats(nats_port)  # the same folder: the JetStream store, the SQLite files and the clock survive
        system.start_services()
        yield system, run, again
    finally:
        system.stop()


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _signed_in(workbench: str, username: str, password: str) -> httpx.Client:
    """A browser's session on the workbench: the login form, then its cookie."""
    client = httpx.Client(base_url=workbench, timeout=60, follow_redirects=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text).group(1)
    client.post("/login", data={"username": username, "password": password, "csrf_token": token})
    return client


def _get(url: str, **params) -> httpx.Response:
    return httpx.get(url, params=params, headers=OFFICE, timeout=60)


def test_demo_prints_progress_and_where_to_look_and_refuses_to_play_twice(played):
    system, run, again = played
    assert re.search(r"\[#{30}\] 100% 2026-12-31 ", run.stderr), run.stderr[-2000:]
    assert re.search(r"\[[#.]{30}\]\s+\d+% 2026-1[0-2]-\d\d ", run.stderr)
    assert "演示季度播放完毕" in run.stdout and "stopped." in run.stdout
    assert again.returncode == 2 and "已播放过演示季度" in again.stderr

    rep, wb = system.url("reporting"), system.url("workbench")
    urls = re.findall(r"https?://127\.0\.0\.1:\d+/\S*", run.stdout)
    assert urls[0] == f"{wb}/" and "leader / leader2026" in run.stdout, run.stdout
    for expected in (f"{wb}/kanban?period=2026-Q4", f"{wb}/ledger", f"{wb}/ledger.xlsx", f"{wb}/queue/overdue"):
        assert expected in urls, run.stdout
    assert "access_token" not in run.stdout, "no token in any printed link"
    leader = _signed_in(wb, "leader", "leader2026")
    for url in urls:  # each opens in a browser: the sign-in page first, then the page itself
        assert leader.get(url).status_code == 200, url
        first = httpx.get(url, timeout=60)
        assert first.status_code == 303 and first.headers["location"].startswith("/login?next="), url
    dashboard = _get(f"{rep}/v1/tenants/demo/dashboard", period="2026-Q4").text
    assert "回访满意率" in dashboard and re.search(r"满意率\s*\d+\.\d%", dashboard), "satisfaction on the dashboard"
    bulletin = [u for u in urls if "/reports/" in u]
    listed = _get(f"{rep}/v1/tenants/demo/reports")
    published = listed.json()["total"] if listed.status_code == 200 else 0
    if "季度通报未生成" in run.stdout:  # said so plainly: then nothing may pretend otherwise
        assert bulletin == [] and published == 0, run.stdout
    else:
        assert "已生成 2026-Q4 季度通报" in run.stdout and published == 1
        assert {u.rsplit(".", 1)[1] for u in bulletin} >= {"docx"}, run.stdout


def test_the_quarter_in_the_ledger_and_statistics(played):
    system, _, _ = played
    rep = f"{system.url('reporting')}/v1/tenants/demo"
    ledger = _get(f"{rep}/ledger", limit=500).json()
    items = build(SEED, MESSAGES)
    assert ledger["total"] == sum(len(i.profiles) for i in items)
    assert {row["kind"] for row in ledger["items"]} == set(KINDS), "matters of every kind"
    on_time = [r for r in ledger["items"] if r["status"] == "completed" and _at(r["completed_at"]) <= _at(r["due_at"])]
    late = [r for r in ledger["items"] if r["status"] == "completed" and _at(r["completed_at"]) > _at(r["due_at"])]
    assert len(on_time) >= 10 and len(late) >= 1
    overdue = _get(f"{rep}/ledger", light="red", limit=500).json()
    assert overdue["total"] >= 1

    stats = _get(f"{rep}/statistics", period="2026-Q4").json()
    t = stats["totals"]
    assert t["completed_on_time"] >= 10 and t["completed"] > t["completed_on_time"], "some closed on time, some late"
    assert t["overdue"] >= 2 and t["transfers"] == 1 and t["bulletins"] >= 2
    assert t["spot_checks"] >= 1 and t["spot_checks_not_satisfied"] >= 1
    assert (
        t["spot_checks"] == t["spot_checks_satisfied"] + t["spot_checks_not_satisfied"]
        and t["satisfaction_rate"] is not None
    )
    ladder = next(u for u in stats["by_unit"] if u["unit"] == LADDER_UNIT)
    assert ladder["transfers"] == 1 and ladder["urges"] >= 3

    cases = _get(f"{system.url('escalation')}/v1/tenants/demo/cases").json()
    case_items = cases["items"] if isinstance(cases, dict) else cases
    assert len(case_items) == 1, cases
    # the transfer as a letter to the discipline body (移送函), its dossier the annex
    letter = _get(f"{system.url('escalation')}/v1/tenants/demo/cases/{case_items[0]['id']}/letter.pdf")
    assert (
        letter.status_code == 200
        and "filename*=UTF-8''%E7%9D%A3%E5%8A%9E%E7%A7%BB%E3%80%94" in letter.headers["content-disposition"]
    )
    pages = [p.extract_text() for p in PdfReader(io.BytesIO(letter.content)).pages]
    assert pages[0].split("\n")[1:3] == ["演示县人民政府办公室", "督办移〔2026〕1号"] and "县纪委监委：" in pages[0]
    assert any("督办问题线索卷宗" in p and "催办情况" in p for p in pages[1:]), "the dossier is the letter's annex"


def test_citizens_are_masked_in_the_ledger_and_its_export(played):
    system, _, _ = played
    rep = f"{system.url('reporting')}/v1/tenants/demo"
    citizens = [i.envelope["data"]["citizen"] for i in build(SEED, MESSAGES) if i.kind == "online_message"]
    assert len(citizens) == MESSAGES
    listing = _get(f"{rep}/ledger", kind="online_message", limit=500)
    rows = listing.json()["items"]
    assert len(rows) == MESSAGES and all("*" in r["citizen_name"] and "****" in r["citizen_phone"] for r in rows)
    workbook = _get(f"{rep}/ledger.xlsx")
    assert workbook.status_code == 200
    with zipfile.ZipFile(io.BytesIO(workbook.content)) as z:
        sheets = "".join(z.read(n).decode() for n in z.namelist() if n.endswith(".xml"))
    assert "*" in sheets
    for c in citizens:
        for text in (listing.text, sheets):
            assert c["phone"] not in text and c["name"] not in text, c
