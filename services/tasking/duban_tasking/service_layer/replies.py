"""办理结果回传: when a matter that came from another platform is closed, its reply goes back
to the source on duban.out.<tenant>.reply (decision 0023). One reply per matter, ever: the row
in ``replies`` is written in the transaction that closes the matter, with the event, or waits
there for its sign-off chain (a superior assignment's) and is published by the last approval."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from duban_common.contracts import events as ev
from duban_common.outbox import UnitOfWork
from duban_common.signoff import Desk

from ..adapters.orm import attachments, matters, replies, reports, tasks, units

# the kinds that came from another platform: the 12345 hotline and message boards, the proposals
# system, a superior office, an OA system; meetings, instructions and the work report are the county's own
REPLIED_KINDS = frozenset({"online_message", "deputy_suggestion", "cppcc_proposal", "superior_assignment", "document"})
# kinds whose reply waits for a sign-off chain: kind → the chain's document type
SIGNED_OFF_KINDS = {"superior_assignment": "superior_reply"}
OFFICE = "督查室"  # who signed when the token names no person


async def matter_closed(uow: UnitOfWork, tenant: str, matter_id: str, closed_by: str | None, desk: Desk) -> str | None:
    """Write the reply of a matter just closed, if it came from another platform and has none yet;
    publish it, or make it a draft of its kind's sign-off chain. The reply's id, or None."""
    matter = (
        await uow.session.execute(
            select(matters.c.origin, matters.c.title).where(matters.c.tenant == tenant, matters.c.id == matter_id)
        )
    ).first()
    if matter is None or matter.origin.get("kind") not in REPLIED_KINDS:
        return None
    if await find(uow, tenant, matter_id) is not None:
        return None  # answered once already: a matter reopened by a spot check and closed again sends nothing new
    text, files = await _content(uow, tenant, matter_id)
    reply = dict(
        tenant=tenant,
        matter_id=matter_id,
        id=str(uuid.uuid4()),
        status="awaiting_signoff",
        text=text,
        attachment_refs=files,
        closed_at=uow.now(),
        closed_by=closed_by,
    )
    await uow.session.execute(replies.insert(), reply)
    doc_type = SIGNED_OFF_KINDS.get(matter.origin["kind"])
    if doc_type is None:
        await publish(uow, tenant, matter_id, closed_by or OFFICE)
        return reply["id"]
    draft = await desk.create(
        uow,
        tenant,
        doc_type,
        f"reply:{matter_id}",
        title=f"办结情况报告：{matter.title}",
        payload={"matter_id": matter_id, "reply_id": reply["id"], "text": text},
        created_by=closed_by or OFFICE,
    )
    await uow.session.execute(
        replies.update()
        .where(replies.c.tenant == tenant, replies.c.matter_id == matter_id)
        .values(draft_id=draft["id"])
    )
    return reply["id"]


async def reply_signed(uow: UnitOfWork, draft: dict) -> None:
    """The last approval of a reply's chain publishes it, signed by that approver."""
    await publish(uow, draft["tenant"], draft["payload"]["matter_id"], draft["steps"][-1]["person_name"])
    return None


async def reply_refused(uow: UnitOfWork, draft: dict) -> None:
    """A refused reply is not sent; the row says so (the source hears nothing)."""
    await uow.session.execute(
        replies.update()
        .where(replies.c.tenant == draft["tenant"], replies.c.matter_id == draft["payload"]["matter_id"])
        .values(status="refused")
    )
    return None


async def find(uow: UnitOfWork, tenant: str, matter_id: str) -> dict | None:
    row = (
        (
            await uow.session.execute(
                select(replies).where(replies.c.tenant == tenant, replies.c.matter_id == matter_id).with_for_update()
            )
        )
        .mappings()
        .first()
    )
    return dict(row) if row else None


async def publish(uow: UnitOfWork, tenant: str, matter_id: str, signed_by: str) -> None:
    """Publish the matter's reply, signed by ``signed_by``; a reply published already stays as it is."""
    reply = await find(uow, tenant, matter_id)
    if reply is None or reply["status"] != "awaiting_signoff":
        return
    matter = (
        await uow.session.execute(
            select(matters.c.origin, matters.c.title).where(matters.c.tenant == tenant, matters.c.id == matter_id)
        )
    ).first()
    origin, now = matter.origin, uow.now()
    await uow.emit(
        tenant,
        ev.MATTER_REPLIED,
        ev.MatterReplied(
            reply_id=reply["id"],
            matter_id=matter_id,
            kind=origin["kind"],
            source=origin["source"],
            external_id=origin["external_id"],
            source_no=origin.get("source_no"),
            submission_id=origin["submission_id"],
            title=matter.title,
            text=reply["text"],
            attachment_refs=reply["attachment_refs"],
            signed_by=signed_by,
            signed_at=now,
            closed_at=reply["closed_at"],
        ),
    )
    await uow.session.execute(
        replies.update()
        .where(replies.c.tenant == tenant, replies.c.matter_id == matter_id)
        .values(status="published", signed_by=signed_by, published_at=now)
    )


async def _content(uow: UnitOfWork, tenant: str, matter_id: str) -> tuple[str, list[dict]]:
    """The reply's text and files: each task's last completion report (the one accepted), the
    lead unit named when the matter was split among several."""
    rows = (
        await uow.session.execute(
            select(tasks.c.id, tasks.c.lead_unit, units.c.name)
            .select_from(
                tasks.outerjoin(units, (units.c.tenant == tasks.c.tenant) & (units.c.code == tasks.c.lead_unit))
            )
            .where(tasks.c.tenant == tenant, tasks.c.matter_id == matter_id)
            .order_by(tasks.c.assigned_at, tasks.c.id)
        )
    ).all()
    texts, files = [], []
    for task in rows:
        report = (
            await uow.session.execute(
                select(reports.c.text, reports.c.attachments)
                .where(reports.c.task_id == task.id, reports.c.type == "completion")
                .order_by(reports.c.at.desc())
                .limit(1)
            )
        ).first()
        if report is None:
            continue
        texts.append(report.text if len(rows) == 1 else f"【{task.name or task.lead_unit}】{report.text}")
        files += await _files(uow, task.id, report.attachments)
    return "\n".join(texts), files


async def _files(uow: UnitOfWork, task_id: str, ids: list[str]) -> list[dict]:
    if not ids:
        return []
    found = {
        r["id"]: r
        for r in (
            await uow.session.execute(
                select(attachments).where(attachments.c.task_id == task_id, attachments.c.id.in_(ids))
            )
        ).mappings()
    }
    return [
        ev.ReplyAttachmentRef(
            id=i,
            name=found[i]["name"],
            size=found[i]["size"],
            content_type=found[i]["content_type"],
            sha256=found[i]["sha256"],
            task_id=task_id,
        ).model_dump(mode="json")
        for i in ids
        if i in found
    ]
