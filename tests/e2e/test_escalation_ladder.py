"""Escalation on the shared simulated clock, with real notification endpoints: a local SMS
gateway (HTTP), a local SMTP server (aiosmtpd) and a webhook receiver."""

from __future__ import annotations

import asyncio
import email
import email.header
import json
import threading
from contextlib import contextmanager
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from aiosmtpd.controller import Controller

from asyncapi_support import off_contract
from duban_cli.embedded import SERVICES
from duban_common.calendar import TZ
from duban_common.natsserver import free_port
from duban_escalation.domain.ladder import DEFAULT_LADDER
from e2e_support import (
    OFFICE,
    START,
    assigned_row,
    at,
    demo_system,
    meeting_decision,
    publish,
    set_clock,
    stream_events,
    unit,
    wait_for,
)

pytestmark = pytest.mark.e2e


class Inbox:
    """Requests received by a local HTTP endpoint (SMS gateway, webhook)."""

    def __init__(self) -> None:
        self.items: list[dict] = []
        inbox = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers["content-length"]))
                inbox.items.append({"path": self.path, **json.loads(body)})
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"


class Mailbox:
    def __init__(self) -> None:
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        self.messages.append(envelope)
        return "250 OK"


@pytest.fixture(scope="module")
def esc(tmp_path_factory, nats_server):
    sms, hook, mailbox = Inbox(), Inbox(), Mailbox()
    smtp = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    smtp.start()
    endpoints = {
        "DUBAN_SMS_GATEWAY_URL": f"{sms.url}/sms",
        "DUBAN_WEBHOOK_URL": f"{hook.url}/hook",
        "DUBAN_SMTP_HOST": "127.0.0.1",
        "DUBAN_SMTP_PORT": str(smtp.port),
        "DUBAN_NOTIFY_MAIL_TO": "dcs@demo.gov.cn",
    }
    ports = {s: free_port() for s in SERVICES}
    try:
        # these tests follow the ladder's notices as they go out; the transfer keeps its chain
        with demo_system(tmp_path_factory.mktemp("duban-esc"), nats_server.url, ports, extra_env=endpoints) as system:
            yield system, sms, hook, mailbox
    finally:
        smtp.stop()
        sms.server.shutdown()
        hook.server.shutdown()


def assigned_to_escalation(url: str) -> dict:
    """The task as escalation knows it, once it knows the unit: a deadline.set can reach it before
    task.assigned (the streams are consumed independently), and an order or a rung needs the unit."""
    return wait_for(
        lambda: (lambda r: r.status_code == 200 and r.json()["unit"] and r.json())(httpx.get(url, timeout=10)),
        what="the task's unit known to escalation",
    )


def assigned_task(system, nats_url: str, ext_id: str) -> dict:
    """A meeting decision with one decision, published: its ledger row, once its task is assigned
    with its deadline and escalation knows the task's unit."""
    asyncio.run(publish(nats_url, [meeting_decision(ext_id, decisions=1)]))
    row = assigned_row(system, ext_id)
    assigned_to_escalation(f"{system.url('escalation')}/v1/tenants/demo/tasks/{row['task_id']}/escalation")
    return row


def urge(system, task: str, key: str) -> httpx.Response:
    """The office urges the task (催办) by hand, ``key`` its Idempotency-Key."""
    url = f"{system.url('escalation')}/v1/tenants/demo/tasks/{task}/urge"
    return httpx.post(url, headers={**OFFICE, "Idempotency-Key": key}, json={}, timeout=20)


@contextmanager
def tenant_ladder(system, ladder: dict):
    """The demo tenant on ``ladder`` for the block, then on the default ladder again for the next tests."""
    url = f"{system.url('escalation')}/v1/tenants/demo/ladder"
    assert httpx.put(url, json=ladder, headers=OFFICE, timeout=10).status_code == 200
    try:
        yield
    finally:
        httpx.put(url, json=DEFAULT_LADDER.model_dump(), headers=OFFICE, timeout=10)


def test_overdue_task_climbs_the_ladder_to_transfer_each_step_once(esc, nats_server):
    system, sms, hook, mailbox = esc
    row = assigned_task(system, nats_server.url, "md-ladder")
    task, due = row["task_id"], row["due_on"]
    assert due == "2026-12-07"
    esc_url = f"{system.url('escalation')}/v1/tenants/demo/tasks/{task}/escalation"

    def state(n_urges: int):
        return wait_for(
            lambda: (lambda r: r.json() if r.status_code == 200 and r.json()["urges"] >= n_urges else None)(
                httpx.get(esc_url, timeout=10)
            ),
            what=f"{n_urges} urges",
        )

    asyncio.run(set_clock(nats_server.url, at("2026-12-08", 10)))  # overdue since 12-07 17:30
    s1 = state(1)
    assert [u["reason"] for u in s1["urge_list"]] == ["overdue"] and [st["step"] for st in s1["steps"]] == [1]
    asyncio.run(set_clock(nats_server.url, at("2026-12-15", 10)))  # 5 working days later: urged again
    s2 = state(2)
    assert [u["reason"] for u in s2["urge_list"]] == ["overdue", "overdue_again"] and [
        st["step"] for st in s2["steps"]
    ] == [1, 2]
    assert s2["explanations"][0]["submitted_at"] is None
    asyncio.run(set_clock(nats_server.url, at("2026-12-18", 18)))  # the 3-working-day explanation limit passed:
    assert httpx.get(esc_url, timeout=10).json()["urges"] == 2  # recorded (see the dossier), not an urge
    asyncio.run(set_clock(nats_server.url, at("2026-12-22", 10)))  # 5 more working days overdue: urged a third time
    s3 = state(3)
    assert [u["reason"] for u in s3["urge_list"]] == ["overdue", "overdue_again", "overdue_again"]
    assert [st["step"] for st in s3["steps"]] == [1, 2, 3] and s3["case"] is None  # people decide the transfer
    assert [u["notice_no"] for u in s3["urge_list"]] == [f"催办〔2026〕{n}号" for n in (1, 2, 3)]
    assert s3["assessment"]["step"] == 3 and s3["assessment"]["adequate"] is None

    base = f"{system.url('escalation')}/v1/tenants/demo"
    assessed = httpx.post(
        f"{base}/tasks/{task}/explanation-assessment",
        json={"assessment": "不充分", "reason": "逾期未作书面说明"},
        headers=OFFICE,
        timeout=20,
    )
    assert assessed.status_code == 200, assessed.text
    steps = f"{base}/drafts/{assessed.json()['transfer_draft_id']}/steps"
    assert (
        httpx.post(steps, json={"decision": "approve"}, headers={"X-Duban-Role": "leader"}, timeout=20).status_code
        == 403
    )
    assert (
        httpx.post(steps, json={"decision": "approve"}, headers=OFFICE, timeout=20).json()["waiting_for"]
        == "县政府领导批准"
    )
    assert stream_events(nats_server.url, "duban.out.demo.discipline.transfer") == [], (
        "not before the leader's approval"
    )
    approved = httpx.post(steps, json={"decision": "approve"}, headers={"X-Duban-Role": "leader"}, timeout=20)
    assert approved.status_code == 200 and approved.json()["status"] == "issued"
    case = httpx.get(esc_url, timeout=10).json()["case"]

    transfers = wait_for(
        lambda: stream_events(nats_server.url, "duban.out.demo.discipline.transfer"), what="the transfer dossier"
    )
    assert len(transfers) == 1
    dossier = transfers[0]["data"]
    assert transfers[0]["type"] == "duban.discipline.transfer.v1" and dossier["case_id"] == case["id"]
    assert (dossier["assessment"]["assessment"], dossier["assessment"]["reason"]) == ("不充分", "逾期未作书面说明")
    assert [a["action"] for a in dossier["approvals"]] == ["提出", "批准"]
    assert dossier["matter"]["title"] == "md-ladder 议定事项1"
    assert dossier["tasks"][0]["lead_unit"] == "zjj" and dossier["tasks"][0]["notice_no"].startswith("督办〔2026〕")
    assert {u["code"]: u["head"] for u in dossier["units"]} == {"zjj": "郑伟"}
    assert [d["due_on"] for d in dossier["deadlines"]] == ["2026-12-07"]
    assert [u["urge_no"] for u in dossier["urges"]] == [1, 2, 3] and all(u["at"] for u in dossier["urges"])
    assert [b["issued_by"] for b in dossier["bulletins"]] == ["supervision_office", "government_office"]
    assert dossier["explanations"][0]["submitted_at"] is None and dossier["explanations"][0]["due_at"]
    assert [e["step"] for e in dossier["timeline"] if e["type"] == "explanation_missing"] == [2]

    # each step exactly once, whatever was redelivered; time moving on changes nothing more
    asyncio.run(set_clock(nats_server.url, at("2026-12-31", 10)))

    def published(name: str) -> list[dict]:
        return [
            e
            for e in stream_events(nats_server.url, f"duban.ev.demo.escalation.{name}")
            if e["data"]["task_id"] == task
        ]

    wait_for(
        lambda: len(published("step_taken")) >= 3 and len(published("transferred")) >= 1,
        what="the ladder's events published",
    )
    assert sorted(e["data"]["step"] for e in published("step_taken")) == [1, 2, 3]
    assert sorted(e["data"]["urge_no"] for e in published("urged")) == [1, 2, 3]
    assert (
        len(published("bulletined")) == 2
        and len(published("explanation_required")) == 1
        and len(published("transferred")) == 1
    )
    deducted = sum(e["data"]["points"] for e in published("deducted"))
    assert deducted == 3 * 1 + 2 + 5 + 10  # three urge notices and the three rungs of the default ladder

    texts = wait_for(
        lambda: (lambda t: t if len(t) >= 3 else None)([m["text"] for m in sms.items if "md-ladder" in m["text"]]),
        what="SMS to the unit's contact",
    )
    wait_for(
        lambda: (
            {m["phone"] for m in sms.items if "第1次催办" in m["text"] and "md-ladder" in m["text"]}
            == {"13800000004", "13800000017", "13800000018", "13800000019"}
        ),
        what="urge 1 to the unit and copies to 组织部, 作风办, 纪委监委",
    )
    assert any("第1次催办" in t for t in texts)
    assert any("md-ladder" in m["text"] for m in hook.items)
    mails = wait_for(
        lambda: [
            msg
            for msg in (email.message_from_bytes(m.content) for m in mailbox.messages)
            if "md-ladder" in msg.get_payload(decode=True).decode()
        ],
        what="mail to the supervision office",
    )
    assert mails[0]["To"] == "dcs@demo.gov.cn" and "md-ladder" in str(
        email.header.make_header(email.header.decode_header(mails[0]["Subject"]))
    )
    asyncio.run(set_clock(nats_server.url, START))


def test_an_sms_that_would_fall_at_23h_goes_out_at_9_next_working_day(esc, nats_server):
    system, sms, _, _ = esc
    row = assigned_task(system, nats_server.url, "md-night")
    asyncio.run(set_clock(nats_server.url, at("2026-11-20", 23)))  # Friday 23:00
    r = httpx.post(
        f"{system.url('escalation')}/v1/tenants/demo/tasks/{row['task_id']}/urge", headers=OFFICE, json={}, timeout=20
    )
    assert r.status_code == 200, r.text
    deliveries = f"{system.url('escalation')}/v1/tenants/demo/deliveries"
    queued = wait_for(
        lambda: [
            d
            for d in httpx.get(deliveries, timeout=10).json()["items"]
            if d["channel"] == "sms" and "md-night" in d["text"]
        ],
        what="the queued SMS",
    )
    assert "138****0004" in {q["recipient"] for q in queued}  # the unit's contact (copies go out alike)
    for q in queued:
        assert q["status"] == "queued" and datetime.fromisoformat(q["send_at"]).astimezone(TZ) == at(
            "2026-11-23", 9
        )  # Monday 09:00
    assert not [m for m in sms.items if "md-night" in m["text"]], "nothing at night"
    asyncio.run(set_clock(nats_server.url, at("2026-11-23", 8, 59)))
    assert not [m for m in sms.items if "md-night" in m["text"]]
    asyncio.run(set_clock(nats_server.url, at("2026-11-23", 9, 0)))
    wait_for(lambda: [m for m in sms.items if "md-night" in m["text"]], what="the SMS at 09:00")
    asyncio.run(set_clock(nats_server.url, START))


def test_a_tenant_with_a_two_step_ladder_transfers_on_the_second_urge(esc, nats_server):
    system, *_ = esc
    two = {
        "steps": [
            {"at_urges": 1, "actions": ["bulletin_office"], "deduction": 1},
            {"at_urges": 2, "actions": ["transfer"], "deduction": 3},
        ]
    }
    bad = httpx.put(
        f"{system.url('escalation')}/v1/tenants/demo/ladder",
        json={"steps": [{"at_urges": 1, "actions": ["transfer"]}, {"at_urges": 2, "actions": ["bulletin_office"]}]},
        headers=OFFICE,
        timeout=10,
    )
    assert bad.status_code == 422
    with tenant_ladder(system, two):
        task = assigned_task(system, nats_server.url, "md-two")["task_id"]
        assert urge(system, task, "a").json()["urges"] == 1
        assert urge(system, task, "a").json()["urges"] == 1  # same key: once
        assert urge(system, task, "b").json()["urges"] == 2
        state = httpx.get(f"{system.url('escalation')}/v1/tenants/demo/tasks/{task}/escalation", timeout=10).json()
        assert (
            [s["step"] for s in state["steps"]] == [1, 2] and state["case"] is None and state["assessment"]["step"] == 2
        )
        assert sum(d["points"] for d in state["deductions"]) == 2 * 1 + 1 + 3


def test_an_explanation_judged_adequate_transfers_nothing(esc, nats_server):
    """充分: the office judges the unit's written explanation adequate at the transfer rung; no
    transfer is drafted or published, the task stays with the office."""
    system, *_ = esc
    ladder = {
        "steps": [
            {"at_urges": 1, "actions": ["bulletin_office", "explanation"], "deduction": 1},
            {"at_urges": 2, "actions": ["transfer"], "deduction": 3},
        ]
    }
    with tenant_ladder(system, ladder):
        row = assigned_task(system, nats_server.url, "md-adequate")
        base = f"{system.url('escalation')}/v1/tenants/demo/tasks/{row['task_id']}"
        assert urge(system, row["task_id"], "1").status_code == 200
        explained = httpx.post(
            f"{base}/explanations",
            headers=unit("zjj"),  # the meeting decision's first item goes to 住建局
            json={"text": "因施工许可审批延迟，已协调住建部门，预计下周完成。"},
            timeout=20,
        )
        assert explained.status_code == 200, explained.text
        assert urge(system, row["task_id"], "2").status_code == 200
        pending = httpx.get(f"{base}/escalation", timeout=10).json()
        assert (
            pending["assessment"]["step"] == 2 and pending["assessment"]["adequate"] is None and pending["case"] is None
        )
        assessed = httpx.post(
            f"{base}/explanation-assessment",
            json={"assessment": "充分", "reason": "说明属实，已有整改措施"},
            headers=OFFICE,
            timeout=20,
        )
        assert assessed.status_code == 200 and assessed.json()["transfer_draft_id"] is None, assessed.text
        after = httpx.get(f"{base}/escalation", timeout=10).json()
        assert after["assessment"]["adequate"] is True and after["case"] is None
        transfers = stream_events(nats_server.url, "duban.out.demo.discipline.transfer")
        assert not [t for t in transfers if row["task_id"] in json.dumps(t["data"])], (
            "no transfer for an adequate explanation"
        )


def test_supervision_order_goes_through_its_approval_chain_then_is_numbered_copied_and_rendered(
    esc, nats_server, duban_auth
):
    system, sms, _, _ = esc
    row = assigned_task(system, nats_server.url, "md-order")
    base = f"{system.url('escalation')}/v1/tenants/demo"
    r = httpx.post(
        f"{base}/tasks/{row['task_id']}/supervision-orders",
        headers=OFFICE,
        timeout=10,
        json={"requirement": "务必于本周内完成整改并书面报告", "proposed_by": "督查室副主任 孙丽"},
    )
    assert r.status_code == 201
    order = r.json()["order_id"]

    def person(role: str, name: str) -> dict:
        return {
            "Authorization": "Bearer "
            + duban_auth.token(tenant="demo", roles=[role], subject=f"{role}:{name}", name=name)
        }

    # A 督办单 refused on the way takes no number: the next one issued is 1号 (numbers stay gapless)
    refused = httpx.post(
        f"{base}/tasks/{row['task_id']}/supervision-orders",
        headers=OFFICE,
        timeout=10,
        json={"requirement": "本周内书面说明进展", "proposed_by": "督查室副主任 孙丽"},
    ).json()["order_id"]
    proposed = httpx.post(
        f"{base}/supervision-orders/{refused}/propose", headers=person("office_deputy", "督查室副主任 孙丽"), timeout=10
    )
    assert proposed.status_code == 200, proposed.text
    refusal = httpx.post(
        f"{base}/drafts/{proposed.json()['draft_id']}/steps",
        json={"decision": "refuse", "reason": "要求不够具体"},
        headers=person("leader", "李副县长"),
        timeout=10,
    )
    assert refusal.status_code == 200 and refusal.json()["status"] == "refused" and refusal.json()["number"] is None

    steps = f"{base}/supervision-orders/{order}"
    assert (
        httpx.post(f"{steps}/sign", headers=person("office_director", "督查室主任 赵明"), timeout=10).status_code == 409
    )  # not its turn
    assert (
        httpx.post(f"{steps}/propose", headers=OFFICE, timeout=10).status_code == 403
    )  # 提出 is the deputy director's
    assert (
        httpx.post(f"{steps}/propose", headers=person("office_deputy", "督查室副主任 孙丽"), timeout=10).status_code
        == 200
    )
    assert httpx.post(f"{steps}/approve", headers=person("leader", "李副县长"), timeout=10).status_code == 200
    signed = httpx.post(f"{steps}/sign", headers=person("office_director", "督查室主任 赵明"), timeout=20)
    assert signed.status_code == 200 and signed.json()["notice_no"] == "督办单〔2026〕1号"
    issued = wait_for(
        lambda: [
            e
            for e in stream_events(nats_server.url, "duban.ev.demo.escalation.order_issued")
            if e["data"]["order_id"] == order
        ],
        what="order_issued published",
    )
    assert len(issued) == 1 and (
        issued[0]["data"]["proposed_by"],
        issued[0]["data"]["approved_by"],
        issued[0]["data"]["signed_by"],
    ) == ("督查室副主任 孙丽", "李副县长", "督查室主任 赵明")
    doc = httpx.get(f"{base}/supervision-orders/{order}/notice.docx", timeout=10)
    import io

    from docx import Document

    word = Document(io.BytesIO(doc.content))
    paragraphs = "\n".join(p.text for p in word.paragraphs)
    copies_line = next(
        p.text for p in word.paragraphs if p.text.startswith("抄送：")
    )  # the 版记: 抄送：…。 then 印发机关 and 印发日期
    assert "督办单〔2026〕1号" in paragraphs and set(copies_line[3:].rstrip("。").split("，")) == {
        "县委组织部",
        "县作风建设办公室",
        "县纪委监委",
    }
    assert "要求" in paragraphs and "督查室主任 赵明" in "".join(
        c.text for t in word.tables for r in t.rows for c in r.cells
    )
    expected = {"13800000004", "13800000017", "13800000018", "13800000019"}  # the unit, 组织部, 作风办, 纪委监委
    wait_for(
        lambda: {m["phone"] for m in sms.items if "督办单〔2026〕1号" in m["text"]} == expected,
        what="SMS to the unit and the copies",
    )


def test_an_unmet_rectification_demand_takes_the_government_bulletin_rung_at_once(esc, nats_server):
    system, *_ = esc
    row = assigned_task(system, nats_server.url, "md-rect")
    base = f"{system.url('escalation')}/v1/tenants/demo/tasks/{row['task_id']}"
    leader = {"X-Duban-Role": "leader", "Idempotency-Key": "r1"}
    r = httpx.post(f"{base}/rectification-unmet", json={"by": "王县长"}, headers=leader, timeout=20)
    assert r.status_code == 200 and r.json()["steps_taken"] == [2]  # rung 1 came with the urge; rung 2 by the trigger
    again = httpx.post(f"{base}/rectification-unmet", json={"by": "王县长"}, headers=leader, timeout=20)
    assert again.json()["steps_taken"] == []
    state = httpx.get(f"{base}/escalation", timeout=10).json()
    assert state["urges"] == 1 and [s["step"] for s in state["steps"]] == [1, 2]
    assert state["explanations"][0]["step"] == 2 and state["case"] is None


def test_with_tasking_stopped_an_overdue_task_is_still_urged_and_its_notice_sent(esc, nats_server):
    """Escalation reads unit names and liaisons from its own copy of the units directory (kept
    from tasking's unit events), so an urge does not wait for tasking, nor is it dead-lettered."""
    system, sms, _, _ = esc
    row = assigned_task(system, nats_server.url, "md-down")
    esc_url = f"{system.url('escalation')}/v1/tenants/demo/tasks/{row['task_id']}/escalation"
    tasking, escalation = system.services["tasking"], system.services["escalation"]
    tasking.stop()
    try:
        assert not tasking.alive()
        escalation.stop()  # and escalation starts again without it: nothing it knows of the units is held in memory
        escalation.start()
        escalation.wait_ready()
        running = tuple(name for name in SERVICES if name != "tasking")
        asyncio.run(
            set_clock(nats_server.url, at(row["due_on"], 10) + timedelta(days=1), running)
        )  # overdue since the due day's 17:30
        state = wait_for(
            lambda: (lambda r: r.json() if r.json()["urges"] >= 1 else None)(httpx.get(esc_url, timeout=10)),
            what="the overdue urge",
        )
        assert [u["reason"] for u in state["urge_list"]] == ["overdue"]
        texts = wait_for(
            lambda: [m for m in sms.items if "md-down" in m["text"] and "第1次催办" in m["text"]], what="the urge SMS"
        )
        assert {m["phone"] for m in texts} >= {"13800000004"} and "县住房和城乡建设局" in texts[0]["text"]
    finally:
        tasking.start()
        tasking.wait_ready()
        asyncio.run(set_clock(nats_server.url, START))


def test_every_message_the_broker_holds_is_on_the_contract(esc, nats_server):
    assert off_contract(nats_server.url) == []
