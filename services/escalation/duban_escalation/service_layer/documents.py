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
        settings = runtime.settings
        self.issuing = IssuingLookup(settings.intake_url, settings.service_headers())

    async def render(self, tenant: str, doc: Document, fmt: str) -> bytes:
        """The tenant's own template for a DOCX when it has one for the type."""
        return render_docx(doc, await self.issuing.template(tenant, doc.kind)) if fmt == "docx" else pdf.render(doc)

    async def _context(self, tenant: str) -> tuple[notify.Context, Issuing]:
        async with self.runtime.db.read() as session:
            ctx = await self.contexts(session, tenant)
        return ctx, await self.issuing.of(tenant, office_fallback(ctx.units))

    async def _facts(
        self,
        session,
        task_id: str,
        ctx: notify.Context,
        urges_before: int | None = None,
        before: datetime | None = None,
    ) -> notices.TaskFacts:
        watched = (
            (await session.execute(select(watched_tasks).where(watched_tasks.c.task_id == task_id))).mappings().first()
        )
        assigned = (
            await session.execute(
                select(dossier_entries.c.data)
                .where(dossier_entries.c.task_id == task_id, dossier_entries.c.type == "assigned")
                .order_by(dossier_entries.c.at.desc())
            )
        ).scalars().first() or {}
        statement = select(urges.c.at).where(urges.c.task_id == task_id).order_by(urges.c.urge_no)
        statement = (
            statement.where(urges.c.urge_no < urges_before)
            if urges_before is not None
            else statement.where(urges.c.at <= before)
            if before
            else statement
        )
        earlier = tuple(local_day(at) for at in (await session.execute(statement)).scalars())
        assigned_at = assigned.get("assigned_at")
        return notices.TaskFacts(
            title=(watched or {}).get("title") or "",
            unit=ctx.unit_name(dict(watched)) if watched else "",
            notice_no=assigned.get("notice_no"),
            assigned_on=local_day(datetime.fromisoformat(assigned_at)) if assigned_at else None,
            due_on=(watched or {}).get("due_on"),
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
        async with self.runtime.db.read() as session:
            urge = await _one(session, urges, tenant, urge_id, f"催办单 {urge_id} 不存在")
            if urge["notice_no"] is None:  # counted, its notice not signed off (yet)
                raise NotFound(f"催办单 {urge_id} 不存在")
            facts = await self._facts(session, urge["task_id"], ctx, urges_before=urge["urge_no"])
        return notices.urge_notice(
            facts,
            urge_no=urge["urge_no"],
            reason=urge["note"] or urge["reason"],
            **self._sent("urge", urge["notice_no"], urge["at"], ctx, issuing),
        )

    async def order(self, tenant: str, order_id: str) -> Document:
        ctx, issuing = await self._context(tenant)
        async with self.runtime.db.read() as session:
            supervision_order = await _one(
                session,
                supervision_orders,
                tenant,
                order_id,
                f"督办单 {order_id} 不存在或尚未签发",
                usable=lambda order: order["status"] == "issued",
            )
            facts = await self._facts(session, supervision_order["task_id"], ctx, before=supervision_order["signed_at"])
        return notices.supervision_order(
            facts,
            requirement=supervision_order["requirement"],
            proposed_by=supervision_order["proposed_by"],
            approved_by=supervision_order["approved_by"],
            signed_by=supervision_order["signed_by"],
            **self._sent("order", supervision_order["notice_no"], supervision_order["signed_at"], ctx, issuing),
        )

    async def transfer(self, tenant: str, case_id: str) -> Document:
        ctx, issuing = await self._context(tenant)
        async with self.runtime.db.read() as session:
            case = await _one(session, cases, tenant, case_id, f"移交案件 {case_id} 不存在")
            facts = await self._facts(session, case["task_id"], ctx)
            day = local_day(case["opened_at"])
            # the letter's number: the case's place among the tenant's cases of its year (cases are never deleted)
            start = at_local(date(day.year, 1, 1), time())
            seq = (
                await session.execute(
                    select(func.count())
                    .select_from(cases)
                    .where(
                        cases.c.tenant == tenant,
                        cases.c.opened_at >= start,
                        (cases.c.opened_at < case["opened_at"])
                        | ((cases.c.opened_at == case["opened_at"]) & (cases.c.id <= case_id)),
                    )
                )
            ).scalar_one()
        body = next((u["name"] for u in ctx.units.values() if u.get("type") == "discipline_body"), "县纪委监委")
        names = {code: u["name"] for code, u in ctx.units.items()}
        return notices.transfer_letter(
            facts,
            case["dossier"],
            number=f"督办移〔{day.year}〕{seq}号",
            addressee=f"{body}：",
            issuing=issuing,
            issued_on=day,
            names=names,
        )
