"""待我签批 in a real browser against the running system: a 督办单 goes through its whole chain by
clicks (分管副主任提出 → 县政府领导同意 → 政府办公室主任签发) and takes its number; a refusal
without a reason is refused beside its field; a unit head signs a completion report off on a
phone-sized page. Screenshots at 1400 px and 390 px go to test-artifacts/workbench/."""

from __future__ import annotations

import asyncio

import httpx
import pytest
import test_workbench
from selenium.webdriver.common.by import By

from e2e_support import ledger, meeting_decision, publish, wait_for

pytestmark = pytest.mark.e2e
DEFAULT_BACKENDS = ["sqlite"]
PHONE = test_workbench.PHONE
browsers = test_workbench.browsers  # the fixture: one browser per person, each its own profile

OFFICE = {"X-Duban-Role": "supervision_office"}
HANDLER = {"X-Duban-Role": "unit", "X-Duban-Unit": "zjj"}
NOTICE_CHAIN = [
    {"action": "提出", "role": "office_deputy"},
    {"action": "同意", "role": "leader"},
    {"action": "签发", "role": "office_director"},
]


@pytest.fixture(scope="module", autouse=True)
def orders_signed_by_people(system):
    """The 督办单 keeps the county notice's chain in this module (whatever the embedded run set)."""
    r = httpx.put(
        f"{system.url('escalation')}/v1/tenants/demo/signoff-chains/supervision_order",
        json={"steps": NOTICE_CHAIN},
        headers=OFFICE,
        timeout=10,
    )
    assert r.status_code == 200, r.text


def assigned_task(system, nats_server, ext_id: str) -> tuple[str, str]:
    """A meeting decision's task for 住建局: (task id, its title)."""
    asyncio.run(publish(nats_server.url, [meeting_decision(ext_id, decisions=1)]))
    row = wait_for(
        lambda: next((i for i in ledger(system, q=ext_id)["items"] if i["task_id"]), None), what=f"{ext_id} assigned"
    )
    return row["task_id"], row["title"]


def order_draft(system, task_id: str) -> str:
    r = httpx.post(
        f"{system.url('escalation')}/v1/tenants/demo/tasks/{task_id}/supervision-orders",
        json={"requirement": "请于5个工作日内完成路灯修复并书面报告整改情况"},
        headers=OFFICE,
        timeout=10,
    )
    assert r.status_code == 201, r.text
    return r.json()["draft_id"]


def test_a_supervision_order_is_proposed_approved_and_signed_by_clicks(system, nats_server, browsers):
    task_id, _title = assigned_task(system, nats_server, "md-approvals-1")
    draft = order_draft(system, task_id)

    deputy = browsers("fbzr")
    deputy.login("fbzr", "fbzr2026")
    assert deputy.d.current_url.endswith("/approvals")
    assert "督办单" in deputy.text() and "待政府办公室分管副主任提出" in deputy.text()
    deputy.shoot("approvals-deputy")
    assert deputy.find(f"#approve-{draft}").text == "提出"
    deputy.click(f"#approve-{draft}")
    assert "已提出" in deputy.find(".notice.ok").text and "现待县政府领导同意" in deputy.find(".notice.ok").text
    assert f"draft-{draft}" not in deputy.d.page_source

    leader = browsers("leader")
    leader.login("leader", "leader2026")
    leader.link("待我签批")
    assert "政府办公室分管副主任提出：李卫东，同意" in leader.find(f"#draft-{draft}").text
    leader.click(f"#draft-{draft} details > summary", navigates=False)
    leader.click(f"#refuse-{draft}")  # no reason: refused beside the field, nothing sent
    assert "请填写退回理由" in leader.find(f"#e-reason-{draft}").text
    leader.shoot("approvals-refusal-without-reason")
    assert leader.find(f"#approve-{draft}").text == "同意"
    leader.click(f"#approve-{draft}")
    assert "现待政府办公室主任签发" in leader.find(".notice.ok").text

    director = browsers("bgszr")
    director.login("bgszr", "bgszr2026")
    assert "县政府领导同意：王建国，同意" in director.find(f"#draft-{draft}").text
    director.click(f"#approve-{draft}")
    done = director.find(".notice.ok").text
    assert done.startswith("已签发，编号 督办单〔2026〕") and done.endswith("号"), done
    director.shoot("approvals-signed")
    shown = httpx.get(f"{system.url('escalation')}/v1/tenants/demo/drafts/{draft}", headers=OFFICE, timeout=10).json()
    assert shown["status"] == "issued" and shown["number"] in done


def test_a_step_taken_meanwhile_shows_the_services_refusal_and_a_refusal_ends_the_draft(system, nats_server, browsers):
    task_id, _title = assigned_task(system, nats_server, "md-approvals-2")
    draft = order_draft(system, task_id)
    deputy = browsers("fbzr")
    deputy.open("/approvals")
    deputy.click(f"#approve-{draft}")
    leader = browsers("leader")
    leader.open("/approvals")  # the page is open while another leader approves the draft
    other = httpx.post(
        f"{system.url('escalation')}/v1/tenants/demo/drafts/{draft}/steps",
        json={"decision": "approve"},
        headers={"X-Duban-Role": "leader", "X-Duban-Person": "leader-2"},
        timeout=10,
    )
    assert other.status_code == 200, other.text
    leader.click(f"#approve-{draft}")
    problem = leader.find(".notice.bad").text
    assert problem.startswith("未能办理：") and "政府办公室主任" in problem, problem

    director = browsers("bgszr")
    director.open("/approvals")
    director.click(f"#draft-{draft} details > summary", navigates=False)
    director.type(f"#f-reason-{draft}", "督办要求不具体，请补充整改标准")
    director.click(f"#refuse-{draft}")
    assert director.find(".notice.ok").text.startswith("已退回")
    shown = httpx.get(f"{system.url('escalation')}/v1/tenants/demo/drafts/{draft}", headers=OFFICE, timeout=10).json()
    assert (shown["status"], shown["steps"][2]["reason"]) == ("refused", "督办要求不具体，请补充整改标准")


def test_a_unit_head_signs_a_completion_report_off_on_a_phone(system, nats_server, browsers):
    task_id, title = assigned_task(system, nats_server, "md-approvals-3")
    tasking = f"{system.url('tasking')}/v1/tenants/demo/tasks/{task_id}"
    assert httpx.post(f"{tasking}/acknowledge", headers=HANDLER, timeout=10).status_code == 200
    sent = httpx.post(
        f"{tasking}/completion", json={"text": "路灯已全部修复，附整改前后照片"}, headers=HANDLER, timeout=10
    )
    assert sent.status_code == 200 and sent.json()["status"] == "awaiting_unit_head", sent.text
    draft = sent.json()["draft_id"]

    head = browsers("zjjld", PHONE)
    head.login("zjjld", "zjjld2026")
    assert head.d.current_url.endswith("/approvals")
    card = head.find(f"#draft-{draft}").text
    assert "单位办结报告" in card and "路灯已全部修复" in card and "待单位领导审签" in card
    head.shoot("approvals-unit-head")
    head.click(f"#approve-{draft}")
    assert head.find(".notice.ok").text.startswith("已审签")
    assert httpx.get(tasking, headers=OFFICE, timeout=10).json()["status"] == "completion_submitted"
    head.shoot("approvals-unit-head-done")


def at_the_transfer_rung(system, task_id: str, explanation: str) -> None:
    """Two urges under a two-rung ladder, the unit's written explanation between them."""
    base = f"{system.url('escalation')}/v1/tenants/demo/tasks/{task_id}"
    wait_for(
        lambda: (lambda r: r.status_code == 200 and r.json()["unit"])(httpx.get(f"{base}/escalation", timeout=10)),
        what="the task's unit known to escalation",
    )
    for key in ("1", "2"):
        urged = httpx.post(f"{base}/urge", headers={**OFFICE, "Idempotency-Key": key}, json={}, timeout=20)
        assert urged.status_code == 200, urged.text
        if key == "1":
            sent = httpx.post(f"{base}/explanations", headers=HANDLER, json={"text": explanation}, timeout=20)
            assert sent.status_code == 200, sent.text


@pytest.fixture
def two_rungs(system):
    """A ladder that reaches the transfer at the second urge; the tenant's own ladder afterwards."""
    url = f"{system.url('escalation')}/v1/tenants/demo/ladder"
    before = httpx.get(url, headers=OFFICE, timeout=10).json()
    ladder = {
        "steps": [
            {"at_urges": 1, "actions": ["bulletin_office", "explanation"], "deduction": 1},
            {"at_urges": 2, "actions": ["transfer"], "deduction": 3},
        ]
    }
    assert httpx.put(url, json=ladder, headers=OFFICE, timeout=10).status_code == 200
    yield
    assert httpx.put(url, json=before, headers=OFFICE, timeout=10).status_code == 200


def test_the_office_judges_an_explanation_from_its_queue_and_the_transfer_goes_for_approval(
    system, nats_server, browsers, two_rungs
):
    task_id, title = assigned_task(system, nats_server, "md-approvals-4")
    at_the_transfer_rung(system, task_id, "因资金未到位，工程暂缓，正在协调。")

    office = browsers("dcs")
    office.login("dcs", "dcs2026")
    office.link("说明待审核")
    assert office.d.current_url.endswith("/queue/explanations")
    row = office.find("#queue").text
    assert title in row and "县住房和城乡建设局" in row and "已提交" in row
    office.shoot("queue-explanations")
    office.link(title)
    form = office.find("#assessment").text
    assert "因资金未到位，工程暂缓，正在协调。" in form and "不充分（报请移送）" in form

    office.type("#f-assessment_reason", "未说明资金缺口和整改时限")
    office.click("#do-assessment")  # no conclusion chosen: refused beside the field, the opinion kept
    assert office.find("#assessment .field-error").text == "请选择“充分”或“不充分”"
    assert office.find("#f-assessment_reason").get_attribute("value") == "未说明资金缺口和整改时限"
    office.shoot("task-assessment-refused")
    office.click("#assessment input[value='不充分']", navigates=False)
    office.click("#do-assessment")
    assert "审核意见已记录" in office.find(".notice.ok").text
    assert office.find("#assessed").text.startswith("书面说明审核：不充分（未说明资金缺口和整改时限）")
    assert (
        title
        not in httpx.get(
            f"{system.url('escalation')}/v1/tenants/demo/explanation-assessments", headers=OFFICE, timeout=10
        ).text
    )

    office.link("待我签批")  # the transfer's chain: 督查室提出 → 县政府领导批准
    [card] = [el.text for el in office.d.find_elements(By.CSS_SELECTOR, ".draft") if f"移送函：{title}" in el.text]
    assert "待督查室提出" in card and "县政府领导批准" in card
    assert "书面说明审核：不充分。理由：未说明资金缺口和整改时限" in card
    office.shoot("approvals-transfer")
