"""What Duban publishes, read by a subscriber with the official CloudEvents Python SDK: the outbox
relay sends each event in structured mode and every attribute also as a ``ce-`` header, so a
binary-mode reader gets the attributes from the headers without parsing the body."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import nats
from cloudevents.core.bindings import http as ce_http
from cloudevents.core.formats.json import JSONFormat
from nats.js.api import DeliverPolicy
from sqlalchemy import MetaData

from duban_common import provisioning
from duban_common.clock import FixedClock
from duban_common.contracts import events
from duban_common.db import Database
from duban_common.outbox import InfraTables, OutboxRelay, UnitOfWork
from duban_common.settings import ServiceSettings
from e2e_support import START

REPORT = events.ReportPublished(
    report_id="r-1",
    kind="quarterly_bulletin",
    report_no="督查通报〔2026〕1号",
    title="2026年第四季度政务督查通报",
    period={"label": "2026年第四季度", "from": "2026-10-01", "to": "2026-12-31"},
    document={"docx": "/v1/tenants/demo/reports/r-1/document.docx"},
    published_at=datetime(2026, 12, 31, 2, tzinfo=timezone.utc),
)


async def test_a_binary_mode_subscriber_reads_an_outbound_event_from_its_headers(fresh_nats, tmp_path):
    nc = await nats.connect(fresh_nats.url)
    md = MetaData()
    infra = InfraTables(md)
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'outbox.db'}")
    await db.create_all(md)
    try:
        js = nc.jetstream()
        await provisioning.ensure_streams(js, ServiceSettings(service="reporting"))
        async with db.transaction() as session:
            # a source no header can carry as it is: percent-encoding must bring it back whole
            uow = UnitOfWork(session, infra, FixedClock(START), "/duban/reporting 督查")
            sent = await uow.emit("demo", events.REPORT_PUBLISHED, REPORT)
        assert await OutboxRelay(db, infra, js, service="reporting").relay_once() == 1

        sub = await js.subscribe(
            "duban.out.demo.report.published", ordered_consumer=True, deliver_policy=DeliverPolicy.ALL
        )
        msg = await sub.next_msg(timeout=10)
        assert msg.headers["Nats-Msg-Id"] == sent.id
        assert msg.headers["ce-source"] == "/duban/reporting%20%E7%9D%A3%E6%9F%A5"

        # binary mode, as the NATS binding maps it (the same ce- headers as HTTP's): attributes from headers only
        binary = ce_http.from_binary(ce_http.HTTPMessage(dict(msg.headers), msg.data), JSONFormat())
        assert binary.get_id() == sent.id and binary.get_source() == "/duban/reporting 督查"
        assert binary.get_type() == "duban.report.published.v1" and binary.get_specversion() == "1.0"
        assert binary.get_time() == sent.time and binary.get_extension("tenant") == "demo"
        assert binary.get_datacontenttype() == "application/cloudevents+json"  # the body is the structured event
        body = json.loads(msg.data)
        assert binary.get_data() == body and body["data"]["report_no"] == "督查通报〔2026〕1号"
        # what binary mode read from the headers is what the body says
        assert {k: body[k] for k in ("id", "source", "type", "specversion", "tenant")} == {
            "id": binary.get_id(),
            "source": binary.get_source(),
            "type": binary.get_type(),
            "specversion": binary.get_specversion(),
            "tenant": binary.get_extension("tenant"),
        }

        # and a structured reader gets the whole event from the body, as before
        structured = ce_http.from_structured(ce_http.HTTPMessage(dict(msg.headers), msg.data), JSONFormat())
        assert structured.get_id() == sent.id and structured.get_data()["title"] == REPORT.title
        assert structured.get_datacontenttype() == "application/json"
    finally:
        await nc.close()
        await db.dispose()
