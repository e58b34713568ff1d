"""The reporting rhythm on real databases (SQLite and PostgreSQL): each period's end drafts the
monthly summary, the quarterly bulletin and the annual assessment exactly once per tenant and
period, whatever the number of ticks and tickers; a draft takes a number only when issued, and a
refused one takes none."""

from __future__ import annotations

import asyncio
import contextlib
import json
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
from duban_common.signoff import Chain, Decision, Desk, SignoffError, Turn
from duban_reporting.adapters import orm
from duban_reporting.config import ReportingSettings
from duban_reporting.service_layer import rhythm

pytestmark = pytest.mark.usefixtures("operator_scope")  # the test reads and seeds as the operator

FIRST_MATTER = datetime(2026, 11, 20, 9, 0, tzinfo=TZ)
NEW_YEAR = datetime(2027, 1, 1, 0, 0, tzinfo=TZ)


class NoNames:
    async def of(self, tenant: str) -> dict[str, str]:
        return {}


class Offices:
    def __init__(self) -> None:
        self.asked: list[str] = []  # the tenants intake was asked for, before a transaction

    async def of(self, tenant: str, fallback: Office) -> Office:
        return self.known(tenant, fallback)

    async def refresh(self, tenant: str, kinds=()) -> None:
        self.asked.append(tenant)

    def known(self, tenant: str, fallback: Office) -> Office:
        return Office(fallback.body, "王主任", "13800001111")

    def known_template(self, tenant: str, kind: str) -> None:
        return None


class Service:
    """What the rhythm needs of the service's runtime: its database, settings, clock, units of work,
    the units' and offices' names, and its sign-off desk."""

    unit_of_work = Runtime.unit_of_work

    def __init__(self, db: Database, clock: FixedClock) -> None:
        self.db, self.clock, self.settings = db, clock, ReportingSettings()
        self.tables, self.source, self.relay, self.offices = orm.infra, "/duban/reporting", None, Offices()
        self.collaborators = {"unit_names": NoNames()}
        self.signoff = Desk(orm.signoff, rhythm.document_kinds(self))

    async def step(
        self, draft_id: str, role: str, person: str, decision: str = "approve", reason: str | None = None
    ) -> dict:
        async with self.unit_of_work() as uow:
            return await self.signoff.act(
                uow, "t1", draft_id, Turn(person, frozenset({role})), person, Decision(decision, reason)
            )


@contextlib.asynccontextmanager
async def database(url: str):
    db = Database(url)
    try:
        yield db
    finally:
        await db.dispose()


async def advance(service: Service, ticker: rhythm.RhythmTicker, at: datetime) -> None:
    """The simulated clock moves: the service's time first, then its listener (as SimulatedClock does)."""
    service.clock.set(at)
    await ticker.on_clock_change(at)


async def drafted(db: Database) -> list[tuple[str, date, str]]:
    async with db.read() as session:
        rows = (
            await session.execute(
                select(orm.rhythm_drafts.c.kind, orm.rhythm_drafts.c.period_start, orm.rhythm_drafts.c.state).order_by(
                    orm.rhythm_drafts.c.period_start, orm.rhythm_drafts.c.kind
                )
            )
        ).all()
    return [tuple(row) for row in rows]


async def draft_id(db: Database, kind: str, start: date) -> str:
    async with db.read() as session:
        return (
            await session.execute(
                select(orm.rhythm_drafts.c.draft_id).where(
                    orm.rhythm_drafts.c.kind == kind, orm.rhythm_drafts.c.period_start == start
                )
            )
        ).scalar_one()


async def seeded_service(db: Database) -> Service:
    await db.create_all(orm.metadata)
    async with db.transaction() as session:
        await session.execute(
            orm.ledger.insert(),
            dict(
                matter_id=str(uuid.uuid4()),
                tenant="t1",
                status="registered",
                title="推进老旧小区改造",
                registered_at=FIRST_MATTER,
                progress=0,
                urges=0,
                returns=0,
                extensions=0,
            ),
        )
    return Service(db, FixedClock(FIRST_MATTER))


async def test_each_period_is_drafted_once_whatever_the_ticks(either_db_url):
    async with database(either_db_url) as db:
        service = await seeded_service(db)
        ticker = rhythm.RhythmTicker(service, simulated=True, poll_s=1)
        await advance(service, ticker, FIRST_MATTER)
        assert await drafted(db) == [], "November has not ended"
        await advance(service, ticker, datetime(2026, 11, 30, 23, 59, tzinfo=TZ))
        assert await drafted(db) == []
        await advance(service, ticker, datetime(2026, 12, 1, 0, 0, tzinfo=TZ))
        assert await drafted(db) == [("monthly_summary", date(2026, 11, 1), "waiting")]
        await advance(service, ticker, NEW_YEAR)
        await advance(service, ticker, NEW_YEAR)
        other = rhythm.RhythmTicker(service, simulated=True, poll_s=1)  # a replica, and the same time again
        await asyncio.gather(ticker.tick(NEW_YEAR), other.tick(NEW_YEAR))
        assert await drafted(db) == [
            ("annual_assessment", date(2026, 1, 1), "waiting"),
            ("quarterly_bulletin", date(2026, 10, 1), "waiting"),
            ("monthly_summary", date(2026, 11, 1), "waiting"),
            ("monthly_summary", date(2026, 12, 1), "waiting"),
        ]
        async with db.read() as session:
            cursors = {row.kind: row.next_start for row in (await session.execute(select(orm.rhythm_cursors))).all()}
        assert cursors == {
            "monthly_summary": date(2027, 1, 1),
            "quarterly_bulletin": date(2027, 1, 1),
            "annual_assessment": date(2027, 1, 1),
        }


async def test_a_refused_draft_takes_no_number_and_the_next_issued_is_gapless(either_db_url):
    async with database(either_db_url) as db:
        service = await seeded_service(db)
        ticker = rhythm.RhythmTicker(service, simulated=True, poll_s=1)
        await advance(service, ticker, FIRST_MATTER)
        await advance(service, ticker, datetime(2027, 2, 1, 9, 0, tzinfo=TZ))
        service.clock.set(datetime(2027, 2, 2, 9, 0, tzinfo=TZ))
        december, january = (
            await draft_id(db, "monthly_summary", date(2026, 12, 1)),
            await draft_id(db, "monthly_summary", date(2027, 1, 1)),
        )
        await service.step(december, "supervision_office", "督查室 李红")
        refused = await service.step(december, "office_director", "办公室 王主任", "refuse", "数据有误，请核实后重报")
        assert (refused["status"], refused["number"]) == ("refused", None)
        with pytest.raises(SignoffError):
            await service.step(december, "office_director", "办公室 赵主任")
        await service.step(january, "supervision_office", "督查室 李红")
        async with db.read() as session:
            assert (await session.execute(select(orm.infra.outbox.c.subject))).scalars().all() == [], (
                "nothing before the last step"
            )
        issued = await service.step(january, "office_director", "办公室 王主任")
        assert (issued["status"], issued["number"]) == ("issued", "督查月报〔2027〕1号")
        again = await service.step(january, "office_director", "办公室 王主任")
        assert again["number"] == "督查月报〔2027〕1号", "the same step again changes nothing"
        november = await draft_id(db, "monthly_summary", date(2026, 11, 1))
        await service.step(november, "supervision_office", "督查室 李红")
        assert (await service.step(november, "office_director", "办公室 王主任"))["number"] == "督查月报〔2027〕2号"
        async with db.read() as session:
            published = (await session.execute(select(orm.infra.outbox.c.payload))).scalars().all()
            audited = (await session.execute(select(audit.audit_log.c.action))).scalars().all()
            refusal = (
                await session.execute(
                    select(orm.rhythm_drafts.c.note, orm.rhythm_drafts.c.decided_by).where(
                        orm.rhythm_drafts.c.draft_id == december
                    )
                )
            ).one()
        titles = sorted(json.loads(payload)["data"]["title"] for payload in published)
        assert titles == ["2026年11月督查督办工作情况汇总", "2027年1月督查督办工作情况汇总"]
        assert tuple(refusal) == ("数据有误，请核实后重报", "办公室 王主任")
        assert audited.count("signoff.step") == 6 and audited.count("signoff.issued") == 2, (
            "every step in the audit log"
        )
        assert ("monthly_summary", date(2026, 12, 1), "refused") in await drafted(db)


async def test_an_automatic_chain_issues_the_draft_as_it_is_made(either_db_url):
    async with database(either_db_url) as db:
        service = await seeded_service(db)
        async with service.unit_of_work() as uow:
            await service.signoff.set_chain(uow, "t1", "quarterly_bulletin", Chain(steps=[]), "督查室")
        ticker = rhythm.RhythmTicker(service, simulated=True, poll_s=1)
        await advance(service, ticker, FIRST_MATTER)
        await advance(service, ticker, NEW_YEAR)
        states = {(kind, start): state for kind, start, state in await drafted(db)}
        assert (
            states[("quarterly_bulletin", date(2026, 10, 1))] == "issued"
            and states[("annual_assessment", date(2026, 1, 1))] == "waiting"
        )
        async with db.read() as session:
            (report_no,) = (await session.execute(select(orm.reports.c.report_no))).scalars().all()
        assert report_no == "督查通报〔2027〕1号"


async def test_a_draft_waiting_more_than_three_working_days_reminds_the_office_once(either_db_url):
    async with database(either_db_url) as db:
        service = await seeded_service(db)
        ticker = rhythm.RhythmTicker(service, simulated=True, poll_s=1)
        await advance(service, ticker, FIRST_MATTER)
        await advance(service, ticker, datetime(2026, 12, 1, 0, 5, tzinfo=TZ))  # November's summary drafted on Tuesday
        await advance(service, ticker, datetime(2026, 12, 4, 18, 0, tzinfo=TZ))  # Friday: three working days (2, 3, 4)
        async with db.read() as session:
            assert (await session.execute(select(orm.infra.outbox.c.subject))).scalars().all() == []
        other = rhythm.RhythmTicker(service, simulated=True, poll_s=1)
        monday = datetime(2026, 12, 7, 9, 0, tzinfo=TZ)
        await asyncio.gather(advance(service, ticker, monday), other.tick(monday))
        await advance(service, ticker, datetime(2026, 12, 8, 9, 0, tzinfo=TZ))
        async with db.read() as session:
            sent = (await session.execute(select(orm.infra.outbox.c.subject, orm.infra.outbox.c.payload))).all()
            audited = (await session.execute(select(audit.audit_log.c.action))).scalars().all()
        assert [subject for subject, _ in sent] == ["duban.out.t1.notification.sms"], (
            "one reminder, whatever the ticks and replicas"
        )
        text = sent[0][1].decode()
        assert (
            "13800001111" in text
            and "2026年11月督查督办工作情况汇总" in text
            and "等待督查室提出已超过3个工作日" in text
        )
        assert audited.count("signoff.reminded") == 1 and audited.count("signoff.draft_created") == 1
