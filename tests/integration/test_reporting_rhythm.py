"""The reporting rhythm on real databases (SQLite and PostgreSQL): each period's end drafts the
monthly summary, the quarterly bulletin and the annual assessment exactly once per tenant and
period, whatever the number of ticks and tickers; a draft takes a number only when issued, and a
refused one takes none."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from datetime import date, datetime

import pytest
from sqlalchemy import select

from duban_common import audit
from duban_common.calendar import TZ
from duban_common.clock import FixedClock
from duban_common.db import Database
from duban_common.documents import Issuing as Office
from duban_common.runtime import Runtime
from duban_reporting.adapters import orm
from duban_reporting.config import ReportingSettings
from duban_reporting.service_layer import publishing, rhythm

pytestmark = pytest.mark.usefixtures("operator_scope")  # the test reads and seeds as the operator

FIRST_MATTER = datetime(2026, 11, 20, 9, 0, tzinfo=TZ)
NEW_YEAR = datetime(2027, 1, 1, 0, 0, tzinfo=TZ)


class NoNames:
    async def of(self, tenant: str) -> dict[str, str]:
        return {}


class Offices:
    async def of(self, tenant: str, fallback: Office) -> Office:
        return Office(fallback.body, "王主任", "13800001111")

    async def template(self, tenant: str, kind: str) -> None:
        return None


class Service:
    """What the rhythm needs of the service's runtime: its database, settings, clock and units of work."""

    unit_of_work = Runtime.unit_of_work

    def __init__(self, db: Database, clock: FixedClock) -> None:
        self.db, self.clock, self.settings = db, clock, ReportingSettings()
        self.tables, self.source, self.relay, self.offices = orm.infra, "/duban/reporting", None, Offices()


@contextlib.asynccontextmanager
async def database(url: str):
    db = Database(url)
    try:
        yield db
    finally:
        await db.dispose()


async def drafted(db: Database) -> list[tuple[str, date, str]]:
    async with db.read() as session:
        rows = (await session.execute(select(orm.rhythm_drafts.c.kind, orm.rhythm_drafts.c.period_start, orm.rhythm_drafts.c.state)
                                      .order_by(orm.rhythm_drafts.c.period_start, orm.rhythm_drafts.c.kind))).all()
    return [tuple(row) for row in rows]


async def draft_id(db: Database, kind: str, start: date) -> str:
    async with db.read() as session:
        return (await session.execute(select(orm.rhythm_drafts.c.draft_id).where(
            orm.rhythm_drafts.c.kind == kind, orm.rhythm_drafts.c.period_start == start))).scalar_one()


async def seeded_service(db: Database) -> Service:
    await db.create_all(orm.metadata)
    await audit.ensure_schema(db)
    async with db.transaction() as session:
        await session.execute(orm.ledger.insert(), dict(matter_id=str(uuid.uuid4()), tenant="t1", status="registered", title="推进老旧小区改造",
                                                         registered_at=FIRST_MATTER, progress=0, urges=0, returns=0, extensions=0))
    return Service(db, FixedClock(FIRST_MATTER))


async def test_each_period_is_drafted_once_whatever_the_ticks(either_db_url):
    async with database(either_db_url) as db:
        service = await seeded_service(db)
        ticker = rhythm.RhythmTicker(service, NoNames(), simulated=True, poll_s=1)
        await ticker.on_clock_change(FIRST_MATTER)
        assert await drafted(db) == [], "November has not ended"
        await ticker.on_clock_change(datetime(2026, 11, 30, 23, 59, tzinfo=TZ))
        assert await drafted(db) == []
        await ticker.on_clock_change(datetime(2026, 12, 1, 0, 0, tzinfo=TZ))
        assert await drafted(db) == [("monthly_summary", date(2026, 11, 1), "waiting")]
        await ticker.on_clock_change(NEW_YEAR)
        await ticker.on_clock_change(NEW_YEAR)
        other = rhythm.RhythmTicker(service, NoNames(), simulated=True, poll_s=1)  # a replica, and the same time again
        await asyncio.gather(ticker.tick(NEW_YEAR), other.tick(NEW_YEAR))
        assert await drafted(db) == [("annual_assessment", date(2026, 1, 1), "waiting"), ("quarterly_bulletin", date(2026, 10, 1), "waiting"),
                                     ("monthly_summary", date(2026, 11, 1), "waiting"), ("monthly_summary", date(2026, 12, 1), "waiting")]
        async with db.read() as session:
            cursors = {row.kind: row.next_start for row in (await session.execute(select(orm.rhythm_cursors))).all()}
        assert cursors == {"monthly_summary": date(2027, 1, 1), "quarterly_bulletin": date(2027, 1, 1), "annual_assessment": date(2027, 1, 1)}


async def test_a_refused_draft_takes_no_number_and_cannot_be_issued(either_db_url):
    async with database(either_db_url) as db:
        service = await seeded_service(db)
        ticker = rhythm.RhythmTicker(service, NoNames(), simulated=True, poll_s=1)
        await ticker.on_clock_change(FIRST_MATTER)
        await ticker.on_clock_change(datetime(2027, 2, 1, 9, 0, tzinfo=TZ))
        service.clock.set(datetime(2027, 2, 2, 9, 0, tzinfo=TZ))
        issuing = await publishing.office_issuing(service.settings, Offices(), "t1", "monthly_summary")
        december, january = await draft_id(db, "monthly_summary", date(2026, 12, 1)), await draft_id(db, "monthly_summary", date(2027, 1, 1))
        refused = await rhythm.refuse(service.unit_of_work, "t1", december, "数据有误，请核实后重报", refused_by="办公室主任")
        assert (refused["state"], refused["note"]) == ("refused", "数据有误，请核实后重报")
        with pytest.raises(rhythm.DraftRefused):
            await rhythm.issue(service.unit_of_work, db.read, "t1", december, issued_by="办公室主任", names={}, issuing=issuing)
        report = await rhythm.issue(service.unit_of_work, db.read, "t1", january, issued_by="办公室主任", names={}, issuing=issuing)
        assert report["report_no"] == "督查月报〔2027〕1号" and report["title"] == "2027年1月督查督办工作情况汇总"
        again = await rhythm.issue(service.unit_of_work, db.read, "t1", january, issued_by="办公室主任", names={}, issuing=issuing)
        assert again["report_id"] == report["report_id"], "issuing twice gives the same report, not a second number"
        with pytest.raises(rhythm.DraftRefused):
            await rhythm.refuse(service.unit_of_work, "t1", january, "已签发的不能退回", refused_by="办公室主任")
        november = await draft_id(db, "monthly_summary", date(2026, 11, 1))
        assert (await rhythm.issue(service.unit_of_work, db.read, "t1", november, issued_by="办公室主任", names={}, issuing=issuing))["report_no"] == "督查月报〔2027〕2号"
        async with db.read() as session:
            published = (await session.execute(select(orm.infra.outbox.c.subject))).scalars().all()
            audited = (await session.execute(select(audit.audit_log.c.action))).scalars().all()
        assert sorted(published) == ["duban.out.t1.report.published"] * 2
        assert audited.count("rhythm.refused") == 1 and audited.count("rhythm.issued") == 2, "every step in the audit log"
        assert ("monthly_summary", date(2026, 12, 1), "refused") in await drafted(db)


async def test_a_draft_waiting_more_than_three_working_days_reminds_the_office_once(either_db_url):
    async with database(either_db_url) as db:
        service = await seeded_service(db)
        ticker = rhythm.RhythmTicker(service, NoNames(), simulated=True, poll_s=1)
        await ticker.on_clock_change(FIRST_MATTER)
        await ticker.on_clock_change(datetime(2026, 12, 1, 0, 5, tzinfo=TZ))  # November's summary drafted on Tuesday
        await ticker.on_clock_change(datetime(2026, 12, 4, 18, 0, tzinfo=TZ))  # Friday: three working days (2, 3, 4)
        async with db.read() as session:
            assert (await session.execute(select(orm.infra.outbox.c.subject))).scalars().all() == []
        other = rhythm.RhythmTicker(service, NoNames(), simulated=True, poll_s=1)
        monday = datetime(2026, 12, 7, 9, 0, tzinfo=TZ)
        service.clock.set(monday)
        await asyncio.gather(ticker.on_clock_change(monday), other.tick(monday))
        await ticker.on_clock_change(datetime(2026, 12, 8, 9, 0, tzinfo=TZ))
        async with db.read() as session:
            sent = (await session.execute(select(orm.infra.outbox.c.subject, orm.infra.outbox.c.payload))).all()
            audited = (await session.execute(select(audit.audit_log.c.action))).scalars().all()
        assert [subject for subject, _ in sent] == ["duban.out.t1.notification.sms"], "one reminder, whatever the ticks and replicas"
        text = sent[0][1].decode()
        assert "13800001111" in text and "2026年11月督查督办工作情况汇总" in text and "已等待审签4个工作日" in text
        assert audited.count("rhythm.reminded") == 1 and audited.count("rhythm.drafted") == 1
