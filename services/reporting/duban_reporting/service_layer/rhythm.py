"""The reporting rhythm (月督查、季通报、年终考核): at the end of each month, quarter and year,
reporting drafts the tenant's monthly supervision summary, quarterly bulletin and annual
assessment by itself. A draft takes no number and publishes nothing: it waits for its sign-off,
and only issuing (the chain's last step) numbers and publishes it (``publishing.publish``).

How reporting wakes up at a period's end, as deadline fires its timers: each tenant has one
cursor per kind (``rhythm_cursors``: the next period to draft and the instant it ends). A tick
claims the cursors that are due (``FOR UPDATE SKIP LOCKED`` on PostgreSQL: replicas take
different rows; SQLite serializes writers), drafts every period that has ended and moves the
cursor, in ONE transaction per cursor; the draft's primary key (tenant, kind, period) makes a
second draft of a period impossible even so. A draft waiting for sign-off more than
``rhythm_remind_workdays`` working days reminds the office once (``remind``). Ticks run when the simulated clock moves (before
the service acknowledges the new time) and on a period with any clock, which also drafts, on
start, what fell due while the service was down. A tenant gets its cursors on the first tick
after reporting has seen one of its matters (``domain.rhythm.first_period`` says where they start).
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime

from fastapi.encoders import jsonable_encoder
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from duban_common import tenancy
from duban_common.calendar import WorkCalendar, local_day
from duban_common.contracts import events as ev
from duban_common.documents import Issuing as Office
from duban_common.logging import get_logger

from ..adapters.orm import ledger, rhythm_cursors, rhythm_drafts
from ..domain import rhythm
from ..domain.bulletin import title_of
from ..domain.periods import Period
from . import publishing, statistics

log = get_logger(__name__)

SUMMARY_DROPS = ("definitions", "as_of", "by_kind")  # what a draft's summary leaves out of the statistics answer


async def tenants_without_cursors(db) -> list[str]:
    with tenancy.scoped(tenancy.ALL):
        async with db.read() as session:
            seen = set((await session.execute(select(ledger.c.tenant).distinct())).scalars())
            known = set((await session.execute(select(rhythm_cursors.c.tenant).distinct())).scalars())
    return sorted(seen - known)


async def start_tenant(db, tenant: str, now: datetime, as_of: datetime) -> None:
    """The tenant's cursors, one per kind, from the period of its first matter (see first_period)."""
    with tenancy.scoped(tenant):
        async with db.read() as session:
            first = (await session.execute(select(func.min(ledger.c.registered_at)).where(ledger.c.tenant == tenant))).scalar()
        rows = []
        for kind in rhythm.KINDS:
            period = rhythm.first_period(kind, first, as_of)
            rows.append(dict(tenant=tenant, kind=kind, next_start=period.start, due_at=period.ends_before, updated_at=now))
        try:
            async with db.transaction() as session:
                await session.execute(rhythm_cursors.insert(), rows)
        except IntegrityError:
            log.info("rhythm cursors started by another replica", tenant=tenant)


async def due_cursors(db, now: datetime) -> list[tuple[str, str]]:
    with tenancy.scoped(tenancy.ALL):
        async with db.read() as session:
            query = (select(rhythm_cursors.c.tenant, rhythm_cursors.c.kind).where(rhythm_cursors.c.due_at <= now)
                     .order_by(rhythm_cursors.c.due_at, rhythm_cursors.c.tenant, rhythm_cursors.c.kind))
            return [(row.tenant, row.kind) for row in (await session.execute(query)).all()]


async def summary(session, tenant: str, period: Period, now: datetime, names: dict[str, str], bottom: int) -> dict:
    """What the approvers read before they sign: the period's figures, ranking and admonitions."""
    stats = await statistics.report(session, tenant, period, as_of=now, names=names, bottom=bottom)
    return jsonable_encoder({key: value for key, value in stats.items() if key not in SUMMARY_DROPS})


async def draft_due(unit_of_work, tenant: str, kind: str, now: datetime, names: dict[str, str], bottom: int) -> list[dict]:
    """Draft every ended period of the tenant's cursor of ``kind`` and move the cursor on, in one
    transaction; nothing when another replica holds the cursor or has moved it already."""
    cursor_q = (select(rhythm_cursors).where(rhythm_cursors.c.tenant == tenant, rhythm_cursors.c.kind == kind,
                                             rhythm_cursors.c.due_at <= now).with_for_update(skip_locked=True))
    with tenancy.scoped(tenant):
        async with unit_of_work() as uow:
            cursor = (await uow.session.execute(cursor_q)).mappings().first()
            if cursor is None:
                return []
            ended = rhythm.ended(kind, cursor["next_start"], now)
            drafted = [await _draft(uow, tenant, kind, period, now, names, bottom) for period in ended]
            following = rhythm.following(kind, ended[-1]) if ended else rhythm.period_of(kind, cursor["next_start"])
            await uow.session.execute(update(rhythm_cursors).where(rhythm_cursors.c.tenant == tenant, rhythm_cursors.c.kind == kind)
                                      .values(next_start=following.start, due_at=following.ends_before, updated_at=now))
    return [row for row in drafted if row is not None]


async def _draft(uow, tenant: str, kind: str, period: Period, now: datetime, names: dict[str, str], bottom: int) -> dict | None:
    if await _existing(uow.session, tenant, kind, period) is not None:
        return None
    row = dict(draft_id=str(uuid.uuid4()), tenant=tenant, kind=kind, period_start=period.start, period_end=period.end, label=period.label,
               title=title_of(kind, period.label), state="waiting", summary=await summary(uow.session, tenant, period, now, names, bottom),
               drafted_at=now)
    await uow.session.execute(rhythm_drafts.insert(), row)
    uow.audit(tenant, "rhythm.drafted", draft_id=row["draft_id"], kind=kind, period=period.label)
    log.info("period drafted", tenant=tenant, kind=kind, period=period.label)
    return row


async def _existing(session, tenant: str, kind: str, period: Period) -> dict | None:
    query = select(rhythm_drafts).where(rhythm_drafts.c.tenant == tenant, rhythm_drafts.c.kind == kind,
                                        rhythm_drafts.c.period_start == period.start, rhythm_drafts.c.period_end == period.end)
    row = (await session.execute(query)).mappings().first()
    return dict(row) if row else None


async def request_draft(unit_of_work, tenant: str, kind: str, period: Period, *, names: dict[str, str], bottom: int) -> tuple[dict, bool]:
    """A bulletin asked for by hand (POST reports): the period's draft, drafted now unless the rhythm
    or an earlier request has drafted it; a refused one is drafted anew, with today's figures.
    (the draft, True when drafted now)."""
    try:
        return await _request_draft(unit_of_work, tenant, kind, period, names, bottom)
    except IntegrityError:  # a concurrent request drafted the period first (PostgreSQL); ours rolled back
        return await _request_draft(unit_of_work, tenant, kind, period, names, bottom)


async def _request_draft(unit_of_work, tenant: str, kind: str, period: Period, names: dict[str, str], bottom: int) -> tuple[dict, bool]:
    async with unit_of_work() as uow:
        now = uow.now()
        existing = await _existing(uow.session, tenant, kind, period)
        if existing is not None and existing["state"] != "refused":
            return existing, False
        if existing is None:
            return await _draft(uow, tenant, kind, period, now, names, bottom), True
        anew = dict(state="waiting", summary=await summary(uow.session, tenant, period, now, names, bottom), drafted_at=now,
                    decided_at=None, decided_by=None, note=None)
        await uow.session.execute(update(rhythm_drafts).where(rhythm_drafts.c.draft_id == existing["draft_id"]).values(**anew))
        uow.audit(tenant, "rhythm.redrafted", draft_id=existing["draft_id"], kind=kind, period=period.label)
        return {**existing, **anew}, True


REMINDER = "【待签发提醒】《{title}》已等待审签{days}个工作日，请及时审签。"


async def stale_drafts(db, now: datetime, calendar: WorkCalendar, workdays: int) -> list[dict]:
    """Drafts waiting for sign-off more than ``workdays`` working days, not yet reminded of."""
    with tenancy.scoped(tenancy.ALL):
        async with db.read() as session:
            query = select(rhythm_drafts).where(rhythm_drafts.c.state == "waiting", rhythm_drafts.c.reminded_at.is_(None))
            rows = [dict(row) for row in (await session.execute(query)).mappings()]
    return [row for row in rows if calendar.workdays_between(local_day(row["drafted_at"]), local_day(now)) > workdays]


async def remind(unit_of_work, draft: dict, office: Office, calendar: WorkCalendar) -> bool:
    """Remind the office, once whatever the replicas (the first to set reminded_at), by SMS to its
    contact when the tenant registry names one; the reminder is in the audit log either way."""
    tenant = draft["tenant"]
    with tenancy.scoped(tenant):
        async with unit_of_work() as uow:
            marked = await uow.session.execute(update(rhythm_drafts).where(rhythm_drafts.c.draft_id == draft["draft_id"],
                                                                           rhythm_drafts.c.reminded_at.is_(None)).values(reminded_at=uow.now()))
            if marked.rowcount != 1:
                return False
            days = calendar.workdays_between(local_day(draft["drafted_at"]), local_day(uow.now()))
            text = REMINDER.format(title=draft["title"], days=days)
            if office.phone:
                recipient = {"unit": "supervision_office", "name": office.contact, "address": office.phone}
                await uow.emit(tenant, ev.NOTIFICATION_REQUESTED, ev.NotificationRequested(
                    notification_id=str(uuid.uuid4()), channel="sms", recipient=recipient, template="draft_waiting", text=text,
                    ref={"draft_id": draft["draft_id"], "title": draft["title"]}, created_at=uow.now()))
            uow.audit(tenant, "rhythm.reminded", draft_id=draft["draft_id"], waiting_workdays=days, sms=bool(office.phone))
    return True


class DraftRefused(ValueError):
    """The draft cannot be issued or refused; the message says why, in Chinese, for the caller."""

    def __init__(self, reason: str, status: int = 409) -> None:
        super().__init__(reason)
        self.status = status


async def one_draft(session, tenant: str, draft_id: str) -> dict | None:
    query = select(rhythm_drafts).where(rhythm_drafts.c.tenant == tenant, rhythm_drafts.c.draft_id == draft_id)
    row = (await session.execute(query)).mappings().first()
    return dict(row) if row else None


async def drafts(session, tenant: str, *, state: str | None, kind: str | None, limit: int, offset: int) -> tuple[int, list[dict]]:
    conditions = [rhythm_drafts.c.tenant == tenant]
    if state:
        conditions.append(rhythm_drafts.c.state == state)
    if kind:
        conditions.append(rhythm_drafts.c.kind == kind)
    total = (await session.execute(select(func.count()).select_from(rhythm_drafts).where(*conditions))).scalar_one()
    query = (select(rhythm_drafts).where(*conditions).order_by(rhythm_drafts.c.drafted_at.desc(), rhythm_drafts.c.kind)
             .limit(limit).offset(offset))
    return total, [dict(row) for row in (await session.execute(query)).mappings()]


def request_of(draft: dict) -> publishing.Request:
    """The publishing request a draft becomes: the same subject and natural key as a bulletin of the
    period asked for by hand, so the two can never give two documents for one period."""
    period = Period(draft["period_start"], draft["period_end"], draft["label"])
    return publishing.Request(kind=draft["kind"], subject={"period": jsonable_encoder(period.as_dict())}, period=period)


async def issue(unit_of_work, read, tenant: str, draft_id: str, *, issued_by: str | None, names: dict[str, str],
                issuing: publishing.Issuing) -> dict:
    """The last step of the draft's chain: number, render and publish it (``report.published``).
    Issuing it again gives the same report; a refused draft cannot be issued and took no number."""
    async with read() as session:
        draft = await one_draft(session, tenant, draft_id)
    if draft is None:
        raise DraftRefused(f"草稿 {draft_id} 不存在", 404)
    if draft["state"] == "refused":
        raise DraftRefused(f"草稿“{draft['title']}”已被退回，不能签发")
    row, _created = await publishing.publish(unit_of_work, read, tenant, request_of(draft), idempotency_key=None,
                                             published_by=issued_by, names=names, issuing=issuing)
    async with unit_of_work() as uow:
        marked = await uow.session.execute(update(rhythm_drafts).where(rhythm_drafts.c.draft_id == draft_id, rhythm_drafts.c.state == "waiting")
                                           .values(state="issued", report_id=row["report_id"], decided_at=uow.now(), decided_by=issued_by))
        if marked.rowcount == 1:  # issued now, not a repeat
            uow.audit(tenant, "rhythm.issued", draft_id=draft_id, report_id=row["report_id"], report_no=row["report_no"],
                      by=issued_by)
    return row


async def refuse(unit_of_work, tenant: str, draft_id: str, reason: str, *, refused_by: str | None) -> dict:
    """The chain refused the draft: it is recorded as refused and takes no number."""
    async with unit_of_work() as uow:
        draft = await one_draft(uow.session, tenant, draft_id)
        if draft is None:
            raise DraftRefused(f"草稿 {draft_id} 不存在", 404)
        if draft["state"] == "issued":
            raise DraftRefused(f"草稿“{draft['title']}”已签发（{draft['report_id']}），不能退回")
        if draft["state"] == "refused":
            return draft
        decided = dict(state="refused", decided_at=uow.now(), decided_by=refused_by, note=reason)
        await uow.session.execute(update(rhythm_drafts).where(rhythm_drafts.c.draft_id == draft_id).values(**decided))
        uow.audit(tenant, "rhythm.refused", draft_id=draft_id, reason=reason, by=refused_by)
        return {**draft, **decided}


class RhythmTicker:
    """Wakes the rhythm up: on each simulated clock change and every ``poll_s`` seconds."""

    def __init__(self, runtime, names, *, simulated: bool, poll_s: float, calendar: WorkCalendar | None = None) -> None:
        self.runtime, self.names, self.simulated, self.poll_s = runtime, names, simulated, poll_s
        self.calendar = calendar or WorkCalendar()
        self._handled: datetime | None = None  # the simulated time the last tick ran for

    async def tick(self, now: datetime, as_of: datetime | None = None) -> int:
        db, settings = self.runtime.db, self.runtime.settings
        for tenant in await tenants_without_cursors(db):
            await start_tenant(db, tenant, now, as_of or now)
        drafted = 0
        for tenant, kind in await due_cursors(db, now):
            names = await self.names.of(tenant)
            drafted += len(await draft_due(self.runtime.unit_of_work, tenant, kind, now, names, settings.admonition_bottom_of(tenant)))
        for draft in await stale_drafts(db, now, self.calendar, settings.rhythm_remind_workdays):
            office = await self.runtime.offices.of(draft["tenant"], Office(settings.issuer_of(draft["tenant"])))
            await remind(self.runtime.unit_of_work, draft, office, self.calendar)
        return drafted

    async def on_clock_change(self, now: datetime) -> None:
        """The simulated clock's listener: tenants first seen now start from the time before the jump."""
        await self.tick(now, as_of=self._handled or now)
        self._handled = now

    async def run(self) -> None:
        while True:
            try:
                if not self.simulated:
                    await self.tick(self.runtime.clock.now())
                elif self._handled is not None:
                    await self.tick(self._handled)
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - the database is away: the cursors stay due, the next round drafts
                log.exception("reporting rhythm tick failed; will retry")
            await asyncio.sleep(self.poll_s)
