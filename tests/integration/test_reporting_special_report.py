"""Reporting projects the events in any order (replicas share its consumer, a failed event is
redelivered later), so a matter's ledger row can exist before its matter.registered (no title, no
source) and a task before its task.assigned (no unit, no notice). A special report on such a
matter would state those gaps as facts under a number of its own: it is refused (409) and
nothing is published, no number taken; once the events are in, it is published as the first."""

from __future__ import annotations

import json
from datetime import date, datetime

import httpx
import pytest

from duban_common import tenancy
from duban_common.calendar import TZ
from duban_common.clock import FixedClock
from duban_common.consumer import apply
from duban_common.contracts import events as ev
from duban_common.documents.issuing import IssuingLookup
from duban_common.envelope import new_event
from duban_reporting.adapters import orm
from duban_reporting.adapters.units import UnitNames
from duban_reporting.bootstrap import bootstrap
from duban_reporting.config import ReportingSettings
from duban_reporting.entrypoints import http_documents
from service_support import routes, rows

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=TZ)
ORIGIN = {
    "kind": "leader_instruction",
    "source": "/platforms/oa",
    "submission_id": "s1",
    "external_id": "ps-1",
    "leader_name": "王县长",
}
OFFICE = {"X-Duban-Role": "supervision_office"}


@pytest.fixture
async def runtime(tmp_path):
    rt = bootstrap(ReportingSettings(data_dir=tmp_path), clock=FixedClock(NOW), units=UnitNames(None))
    rt.offices = IssuingLookup(None)  # no intake in this test: the issuing office's defaults
    await rt.db.create_all(orm.metadata)
    yield rt
    await rt.db.dispose()


async def deliver(rt, type_: str, data) -> None:
    env = new_event(tenant="demo", type=type_, source="/duban/test", data=data, time=NOW)
    with tenancy.scoped("demo"):  # as the consumer runner does
        async with rt.unit_of_work() as uow:
            await apply(rt.handlers["projections"][type_], env, f"duban.ev.demo.{type_}", uow)


async def publish(rt, matter_id: str | None = None, campaign: dict | None = None) -> httpx.Response:
    subject = {"matter_id": matter_id} if matter_id else {"campaign": campaign}
    with tenancy.scoped("demo"):
        async with routes(http_documents.router, rt) as client:
            return await client.post(
                "/v1/tenants/demo/reports", json={"kind": "special_report", **subject}, headers=OFFICE
            )


async def nothing_published(rt) -> bool:
    return (await rows(rt, orm.reports), await rows(rt, orm.sequences), await rows(rt, orm.infra.outbox)) == (
        [],
        [],
        [],
    )


REGISTERED = ev.MatterRegistered(
    matter_id="m1",
    title="关于加快推进农村供水保障工程的批示",
    content="…",
    origin=ORIGIN,
    registered_at=datetime(2026, 11, 9, 9, 0, tzinfo=TZ),
)
ASSIGNED = ev.TaskAssigned(
    task_id="t1",
    matter_id="m1",
    title=REGISTERED.title,
    lead_unit="slj",
    origin=ORIGIN,
    assigned_at=datetime(2026, 11, 10, 9, 0, tzinfo=TZ),
    notice_no="督办〔2026〕7号",
    version=1,
)
DEADLINE = ev.DeadlineSet(
    task_id="t1",
    matter_id="m1",
    start_on=date(2026, 11, 10),
    due_on=date(2026, 11, 24),
    due_at=datetime(2026, 11, 24, 17, 30, tzinfo=TZ),
    rule="working_days",
    revision=1,
    lead_unit="slj",
)


async def test_a_special_report_on_a_matter_not_yet_registered_in_reporting_is_refused_and_publishes_nothing(runtime):
    await deliver(runtime, ev.TASK_ASSIGNED, ASSIGNED)  # before its matter.registered
    await deliver(runtime, ev.DEADLINE_SET, DEADLINE)
    [row] = await rows(runtime, orm.ledger)
    assert (row["title"], row["registered_at"], row["lead_unit"]) == (None, None, "slj")

    refused = await publish(runtime, "m1")
    assert refused.status_code == 409 and "立项信息尚未同步" in refused.json()["detail"], refused.text
    in_campaign = await publish(runtime, campaign={"unit": "slj"})  # the same matter among a campaign's
    assert in_campaign.status_code == 409 and "立项信息尚未同步" in in_campaign.json()["detail"], in_campaign.text
    assert await nothing_published(runtime)

    await deliver(runtime, ev.MATTER_REGISTERED, REGISTERED)
    published = await publish(runtime, "m1")
    assert published.status_code == 201, published.text
    assert (published.json()["report_no"], published.json()["title"]) == (
        "督查专报〔2026〕1号",
        f"关于“{REGISTERED.title}”办理情况的督查专报",
    )


async def test_a_special_report_on_a_matter_whose_task_is_known_only_from_its_deadline_is_refused(runtime):
    await deliver(runtime, ev.MATTER_REGISTERED, REGISTERED)
    await deliver(runtime, ev.DEADLINE_SET, DEADLINE)  # before its task.assigned: no unit, no notice yet
    [task] = await rows(runtime, orm.task_states)
    assert (task["lead_unit"], task["notice_no"], task["assigned_at"]) == (None, None, None)

    refused = await publish(runtime, "m1")
    assert refused.status_code == 409 and "交办信息尚未同步" in refused.json()["detail"], refused.text
    assert await nothing_published(runtime)

    await deliver(runtime, ev.TASK_ASSIGNED, ASSIGNED)
    published = await publish(runtime, "m1")
    assert published.status_code == 201 and published.json()["report_no"] == "督查专报〔2026〕1号", published.text
    [out] = [json.loads(r["payload"]) for r in await rows(runtime, orm.infra.outbox)]
    assert out["type"] == ev.REPORT_PUBLISHED and out["data"]["report_no"] == "督查专报〔2026〕1号"
