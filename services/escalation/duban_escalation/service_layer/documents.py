"""The escalation's documents read from its tables: what domain/notices.py needs about a task
(its 交办单 from the dossier, the urges before), the tenant's issuing body, and the format."""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import func, select

from duban_common.calendar import WorkCalendar, at_local, local_day
from duban_common.documents import Document, Issuing, pdf
from duban_common.documents.issuing import IssuingLookup, office_fallback
from duban_common.documents.template import render_docx

from ..adapters.orm import cases, dossier_entries, supervision_orders, urges, watched_tasks
from ..domain import notices
from . import notify

REPLY_WORKDAYS = {"urge": 3, "order": 5}  # working days a unit has to answer a 催办单 / 督办单


class NotFound(LookupError):
    pass


async def _one(session, table, tenant: str, row_id: str, missing: str, usable=lambda _row: True):
    """The tenant's row of ``table`` with this id; NotFound (saying ``missing``) when there is none
    or it is not ``usable`` yet."""
    row = (
        (await session.execute(select(table).where(table.c.tenant == tenant, table.c.id == row_id))).mappings().first()
    )
    if row is None or not usable(row):
        raise NotFound(missing)
    return row


class Documents:
    def __init__(self, runtime, cal: WorkCalendar, contexts: notify.Contexts) -> None:
        self.runtime, self.cal, self.contexts = runtime, cal, contexts
        s = runtime.settings
        self.issuing = IssuingLookup(s.intake_url, s.service_headers())

    async def render(self, tenant: str, doc: Document, fmt: str) -> bytes:
        """The tenant's own template for a DOCX when it has one for the type."""
        return render_docx(doc, await self.issuing.template(tenant, doc.kind)) if fmt == "docx" else pdf.render(doc)

    async def _context(self, tenant: str) -> tuple[notify.Context, Issuing]:
        async with self.runtime.db.read() as session:
            ctx = await self.contexts(session, tenant)
        return ctx, await self.issuing.of(tenant, office_fallback(ctx.units))

    async def _facts(
        self, s, task_id: str, ctx: notify.Context, urges_before: int | None = None, before: datetime | None = None
    ) -> notices.TaskFacts:
        t = (await s.execute(select(watched_tasks).where(watched_tasks.c.task_id == task_id))).mappings().first()
        assigned = (
            await s.execute(
                select(dossier_entries.c.data)
                .where(dossier_entries.c.task_id == task_id, dossier_entries.c.type == "assigned")
                .order_by(dossier_entries.c.at.desc())
            )
        ).scalars().first() or {}
        q = select(urges.c.at).where(urges.c.task_id == task_id).order_by(urges.c.urge_no)
        q = (
            q.where(urges.c.urge_no < urges_before)
            if urges_before is not None
            else q.where(urges.c.at <= before)
            if before
            else q
        )
        earlier = tuple(local_day(at) for at in (await s.execute(q)).scalars())
        assigned_at = assigned.get("assigned_at")
        return notices.TaskFacts(
            title=(t or {}).get("title") or "",
            unit=ctx.unit_name(dict(t)) if t else "",
            notice_no=assigned.get("notice_no"),
            assigned_on=local_day(datetime.fromisoformat(assigned_at)) if assigned_at else None,
            due_on=(t or {}).get("due_on"),
            earlier_urges=earlier,
        )

    def _sent(self, kind: str, number: str, at: datetime, ctx: notify.Context, issuing: Issuing) -> dict:
        """How an urge or an order goes out: numbered, issued on the (local) day of ``at``, its reply
        due REPLY_WORKDAYS[kind] working days later, copied to the tenant's copy units."""
        day = local_day(at)
        return {
            "number": number,
            "issuing": issuing,
            "issued_on": day,
            "reply_by": self.cal.add_workdays(day, REPLY_WORKDAYS[kind]).day,
            "copies_to": tuple(ctx.units[code]["name"] for code in ctx.copy_units),
        }

    async def urge(self, tenant: str, urge_id: str) -> Document:
        ctx, issuing = await self._context(tenant)
        async with self.runtime.db.read() as s:
            u = await _one(s, urges, tenant, urge_id, f"催办单 {urge_id} 不存在")
            if u["notice_no"] is None:  # counted, its notice not signed off (yet)
                raise NotFound(f"催办单 {urge_id} 不存在")
            facts = await self._facts(s, u["task_id"], ctx, urges_before=u["urge_no"])
        return notices.urge_notice(
            facts,
            urge_no=u["urge_no"],
            reason=u["note"] or u["reason"],
            **self._sent("urge", u["notice_no"], u["at"], ctx, issuing),
        )

    async def order(self, tenant: str, order_id: str) -> Document:
        ctx, issuing = await self._context(tenant)
        async with self.runtime.db.read() as s:
            o = await _one(
                s,
                supervision_orders,
                tenant,
                order_id,
                f"督办单 {order_id} 不存在或尚未签发",
                usable=lambda order: order["status"] == "issued",
            )
            facts = await self._facts(s, o["task_id"], ctx, before=o["signed_at"])
        return notices.supervision_order(
            facts,
            requirement=o["requirement"],
            proposed_by=o["proposed_by"],
            approved_by=o["approved_by"],
            signed_by=o["signed_by"],
            **self._sent("order", o["notice_no"], o["signed_at"], ctx, issuing),
        )

    async def transfer(self, tenant: str, case_id: str) -> Document:
        ctx, issuing = await self._context(tenant)
        async with self.runtime.db.read() as s:
            c = await _one(s, cases, tenant, case_id, f"移交案件 {case_id} 不存在")
            facts = await self._facts(s, c["task_id"], ctx)
            day = local_day(c["opened_at"])
            # the letter's number: the case's place among the tenant's cases of its year (cases are never deleted)
            start = at_local(date(day.year, 1, 1), time())
            seq = (
                await s.execute(
                    select(func.count())
                    .select_from(cases)
                    .where(
                        cases.c.tenant == tenant,
                        cases.c.opened_at >= start,
                        (cases.c.opened_at < c["opened_at"])
                        | ((cases.c.opened_at == c["opened_at"]) & (cases.c.id <= case_id)),
                    )
                )
            ).scalar_one()
        body = next((u["name"] for u in ctx.units.values() if u.get("type") == "discipline_body"), "县纪委监委")
        names = {code: u["name"] for code, u in ctx.units.items()}
        return notices.transfer_letter(
            facts,
            c["dossier"],
            number=f"督办移〔{day.year}〕{seq}号",
            addressee=f"{body}：",
            issuing=issuing,
            issued_on=day,
            names=names,
        )
