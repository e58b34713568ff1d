"""The reporting rhythm (月督查、季通报、年终考核): at the end of each month, quarter and year,
reporting drafts the tenant's monthly supervision summary, quarterly bulletin and annual
assessment by itself. A draft takes no number and publishes nothing: it waits for its sign-off
chain (duban_common.signoff: the library's defaults or the tenant's own), and only the chain's
last step issues it, numbering and publishing it (``publishing.publish_in``) in that step's
unit of work; a refused draft takes no number. A tenant that marks a kind automatic has its
drafts issued as they are made.

How reporting wakes up at a period's end, as deadline fires its timers: each tenant has one
cursor per kind (``rhythm_cursors``: the next period to draft and the instant it ends). A tick
claims the cursors that are due (``FOR UPDATE SKIP LOCKED`` on PostgreSQL: replicas take
different rows; SQLite serializes writers), drafts every period that has ended and moves the
cursor, in ONE transaction per cursor; the draft's primary key (tenant, kind, period) makes a
second draft of a period impossible even so. A draft waiting at one step more than
``rhythm_remind_workdays`` working days reminds the office (``remind_waiting``). Ticks run when the simulated clock moves (before
the service acknowledges the new time) and on a period with any clock, which also drafts, on
start, what fell due while the service was down. A tenant gets its cursors on the first tick
after reporting has seen one of its matters (``domain.rhythm.first_period`` says where they start).
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import date, datetime

from fastapi.encoders import jsonable_encoder
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from duban_common import notifications, tenancy
from duban_common.calendar import WorkCalendar, local_day
from duban_common.documents import Issuing as Office
from duban_common.logging import get_logger
from duban_common.paging import counted_page, narrowed
from duban_common.signoff import Desk, DocumentKind, reminders

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
            first = (
                await session.execute(select(func.min(ledger.c.registered_at)).where(ledger.c.tenant == tenant))
            ).scalar()
        rows = []
        for kind in rhythm.KINDS:
            period = rhythm.first_period(kind, first, as_of)
            rows.append(
                dict(tenant=tenant, kind=kind, next_start=period.start, due_at=period.ends_before, updated_at=now)
            )
        try:
            async with db.transaction() as session:
                await session.execute(rhythm_cursors.insert(), rows)
        except IntegrityError:
            log.info("rhythm cursors started by another replica", tenant=tenant)


async def due_cursors(db, now: datetime) -> list[tuple[str, str]]:
    with tenancy.scoped(tenancy.ALL):
        async with db.read() as session:
            query = (
                select(rhythm_cursors.c.tenant, rhythm_cursors.c.kind)
                .where(rhythm_cursors.c.due_at <= now)
                .order_by(rhythm_cursors.c.due_at, rhythm_cursors.c.tenant, rhythm_cursors.c.kind)
            )
            return [(row.tenant, row.kind) for row in (await session.execute(query)).all()]


async def summary(session, tenant: str, period: Period, now: datetime, names: dict[str, str], bottom: int) -> dict:
    """What the approvers read before they sign: the period's figures, ranking and admonitions."""
    stats = await statistics.report(session, tenant, period, as_of=now, names=names, bottom=bottom)
    return jsonable_encoder({key: value for key, value in stats.items() if key not in SUMMARY_DROPS})


async def draft_due(
    unit_of_work, desk: Desk, tenant: str, kind: str, now: datetime, names: dict[str, str], bottom: int
) -> list[dict]:
    """Draft every ended period of the tenant's cursor of ``kind`` and move the cursor on, in one
    transaction; nothing when another replica holds the cursor or has moved it already."""
    cursor_q = (
        select(rhythm_cursors)
        .where(rhythm_cursors.c.tenant == tenant, rhythm_cursors.c.kind == kind, rhythm_cursors.c.due_at <= now)
        .with_for_update(skip_locked=True)
    )
    with tenancy.scoped(tenant):
        async with unit_of_work() as uow:
            cursor = (await uow.session.execute(cursor_q)).mappings().first()
            if cursor is None:
                return []
            ended = rhythm.ended(kind, cursor["next_start"], now)
            drafted = [await _draft(uow, desk, tenant, kind, period, names, bottom) for period in ended]
            following = rhythm.following(kind, ended[-1]) if ended else rhythm.period_of(kind, cursor["next_start"])
            await uow.session.execute(
                update(rhythm_cursors)
                .where(rhythm_cursors.c.tenant == tenant, rhythm_cursors.c.kind == kind)
                .values(next_start=following.start, due_at=following.ends_before, updated_at=now)
            )
    return [row for row in drafted if row is not None]


async def _draft(
    uow, desk: Desk, tenant: str, kind: str, period: Period, names: dict[str, str], bottom: int
) -> dict | None:
    if await _existing(uow.session, tenant, kind, period) is not None:
        return None
    now = uow.now()
    row = dict(
        tenant=tenant,
        kind=kind,
        period_start=period.start,
        period_end=period.end,
        label=period.label,
        title=title_of(kind, period.label),
        state="waiting",
        summary=await summary(uow.session, tenant, period, now, names, bottom),
        drafted_at=now,
    )
    signed = await _signoff_draft(uow, desk, row, key=f"rhythm:{kind}:{period.start}:{period.end}")
    row.update(draft_id=signed["id"], **await _settled(uow.session, signed, row))
    await uow.session.execute(rhythm_drafts.insert(), row)
    log.info("period drafted", tenant=tenant, kind=kind, period=period.label, signoff=signed["status"])
    return row


async def _signoff_draft(uow, desk: Desk, row: dict, *, key: str) -> dict:
    """The draft on the sign-off desk, with its chain (issued at once when the tenant made the kind automatic)."""
    payload = {
        "kind": row["kind"],
        "from": row["period_start"].isoformat(),
        "to": row["period_end"].isoformat(),
        "label": row["label"],
    }
    return await desk.create(
        uow,
        row["tenant"],
        row["kind"],
        key,
        title=row["title"],
        payload=payload,
        created_by="督查室（报表服务）",
        period=row["label"] if len(row["label"]) <= 20 else None,
    )


async def _settled(session, signed: dict, row: dict) -> dict:
    """A draft issued as it was made (an automatic chain): its state and report."""
    if signed["status"] != "issued":
        return {}
    report = await publishing.find(session, row["tenant"], request_of(row).natural_key(local_day(row["drafted_at"])))
    return dict(state="issued", report_id=report["report_id"], decided_at=row["drafted_at"], decided_by="自动签发")


async def _existing(session, tenant: str, kind: str, period: Period) -> dict | None:
    query = select(rhythm_drafts).where(
        rhythm_drafts.c.tenant == tenant,
        rhythm_drafts.c.kind == kind,
        rhythm_drafts.c.period_start == period.start,
        rhythm_drafts.c.period_end == period.end,
    )
    row = (await session.execute(query)).mappings().first()
    return dict(row) if row else None


async def request_draft(
    unit_of_work, desk: Desk, tenant: str, kind: str, period: Period, *, names: dict[str, str], bottom: int
) -> tuple[dict, bool]:
    """A bulletin asked for by hand (POST reports): the period's draft, drafted now unless the rhythm
    or an earlier request has drafted it; a refused one is drafted anew, with today's figures and a
    new sign-off. (the draft, True when drafted now)."""
    try:
        return await _request_draft(unit_of_work, desk, tenant, kind, period, names, bottom)
    except IntegrityError:  # a concurrent request drafted the period first (PostgreSQL); ours rolled back
        return await _request_draft(unit_of_work, desk, tenant, kind, period, names, bottom)


async def _request_draft(
    unit_of_work, desk: Desk, tenant: str, kind: str, period: Period, names: dict[str, str], bottom: int
) -> tuple[dict, bool]:
    async with unit_of_work() as uow:
        existing = await _existing(uow.session, tenant, kind, period)
        if existing is not None and existing["state"] != "refused":
            return existing, False
        if existing is None:
            return await _draft(uow, desk, tenant, kind, period, names, bottom), True
        anew = dict(
            existing,
            state="waiting",
            summary=await summary(uow.session, tenant, period, uow.now(), names, bottom),
            drafted_at=uow.now(),
            decided_at=None,
            decided_by=None,
            note=None,
            report_id=None,
        )
        signed = await _signoff_draft(uow, desk, anew, key=f"rhythm:{kind}:{period.start}:{period.end}:{uuid.uuid4()}")
        anew.update(draft_id=signed["id"], **await _settled(uow.session, signed, anew))
        await uow.session.execute(
            update(rhythm_drafts).where(rhythm_drafts.c.draft_id == existing["draft_id"]).values(**anew)
        )
        return anew, True


async def remind_waiting(runtime, desk: Desk, now: datetime, calendar: WorkCalendar) -> int:
    """Each draft waiting at one step (or since its last reminder) more than the tenant's number of
    working days: an SMS to the office's contact (tenant registry) when it names one, and the
    draft marked reminded (audited by the desk)."""
    settings = runtime.settings

    async def office_of(draft: dict) -> Office:
        return await runtime.offices.of(draft["tenant"], Office(settings.issuer_of(draft["tenant"])))

    async def send(uow, draft: dict, office: Office) -> None:
        if office.phone:
            await _remind_office(uow, draft, office, settings.rhythm_remind_workdays)

    days = settings.rhythm_remind_workdays
    return await reminders.remind_waiting(
        desk, runtime.db, runtime.unit_of_work, (now, calendar), lambda _tenant: days, send, office_of
    )


async def _remind_office(uow, draft: dict, office: Office, days: int) -> None:
    text = reminders.reminder_text(draft, days)
    recipient = {"unit": "supervision_office", "name": office.contact, "address": office.phone}
    ref = {"draft_id": draft["id"], "title": draft["title"]}
    await notifications.request(
        uow, draft["tenant"], channel="sms", recipient=recipient, template="draft_waiting", text=text, ref=ref
    )


async def one_draft(session, tenant: str, draft_id: str) -> dict | None:
    query = select(rhythm_drafts).where(rhythm_drafts.c.tenant == tenant, rhythm_drafts.c.draft_id == draft_id)
    row = (await session.execute(query)).mappings().first()
    return dict(row) if row else None


async def drafts(
    session, tenant: str, *, state: str | None, kind: str | None, limit: int, offset: int
) -> tuple[int, list[dict]]:
    columns = rhythm_drafts.c
    query = narrowed(
        select(rhythm_drafts).where(columns.tenant == tenant), ((columns.state, state), (columns.kind, kind))
    )
    return await counted_page(session, query, (columns.drafted_at.desc(), columns.kind), limit, offset)


def request_of(draft: dict) -> publishing.Request:
    """The publishing request a draft becomes: the same subject and natural key as a bulletin of the
    period asked for by hand, so the two can never give two documents for one period."""
    period = Period(draft["period_start"], draft["period_end"], draft["label"])
    return publishing.Request(kind=draft["kind"], subject={"period": jsonable_encoder(period.as_dict())}, period=period)


def document_kinds(runtime) -> dict[str, DocumentKind]:
    """What the sign-off desk does with reporting's drafts when their chain ends."""

    async def issue(uow, signed: dict) -> str:
        return await issue_signed(runtime, uow, signed)

    async def refuse(uow, signed: dict) -> None:
        await refuse_signed(uow, signed)

    kind = DocumentKind(issue=issue, refuse=refuse)
    return {name: kind for name in rhythm.KINDS}


def _decided_by(signed: dict) -> str:
    return signed["steps"][-1]["person_name"] if signed.get("steps") else "自动签发"


async def issue_signed(runtime, uow, signed: dict) -> str:
    """The chain's last step: number, render and publish the document (report.published) in the
    step's unit of work; the number is the document's."""
    tenant, payload = signed["tenant"], signed["payload"]
    draft = dict(
        kind=payload["kind"],
        period_start=date.fromisoformat(payload["from"]),
        period_end=date.fromisoformat(payload["to"]),
        label=payload["label"],
    )
    req = request_of(draft)
    # as last heard: the step's route asked intake before its transaction (the desk's warm)
    issuing = await publishing.office_issuing(runtime.settings, runtime.offices, tenant, draft["kind"], ask=False)
    row, _created = await publishing.publish_in(
        uow,
        tenant,
        req,
        key=req.natural_key(local_day(uow.now())),
        published_by=_decided_by(signed),
        names=await runtime.collaborators["unit_names"].of(tenant),
        issuing=issuing,
    )
    await uow.session.execute(
        update(rhythm_drafts)
        .where(rhythm_drafts.c.draft_id == signed["id"])
        .values(state="issued", report_id=row["report_id"], decided_at=uow.now(), decided_by=_decided_by(signed))
    )
    return row["report_no"]


async def refuse_signed(uow, signed: dict) -> None:
    """A step refused the draft: it is recorded as refused, with the reason, and takes no number."""
    reason = signed["steps"][-1]["reason"] if signed.get("steps") else None
    await uow.session.execute(
        update(rhythm_drafts)
        .where(rhythm_drafts.c.draft_id == signed["id"])
        .values(state="refused", decided_at=uow.now(), decided_by=_decided_by(signed), note=reason)
    )


class RhythmTicker:
    """Wakes the rhythm up: on each simulated clock change and every ``poll_s`` seconds."""

    def __init__(self, runtime, *, simulated: bool, poll_s: float, calendar: WorkCalendar | None = None) -> None:
        self.runtime, self.simulated, self.poll_s = runtime, simulated, poll_s
        self.calendar = calendar or WorkCalendar()
        self._handled: datetime | None = None  # the simulated time the last tick ran for

    async def tick(self, now: datetime, as_of: datetime | None = None) -> int:
        db, settings = self.runtime.db, self.runtime.settings
        for tenant in await tenants_without_cursors(db):
            await start_tenant(db, tenant, now, as_of or now)
        drafted = 0
        for tenant, kind in await due_cursors(db, now):
            names = await self.runtime.collaborators["unit_names"].of(tenant)
            drafted += len(
                await draft_due(
                    self.runtime.unit_of_work,
                    self.runtime.signoff,
                    tenant,
                    kind,
                    now,
                    names,
                    settings.admonition_bottom_of(tenant),
                )
            )
        await remind_waiting(self.runtime, self.runtime.signoff, now, self.calendar)
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
