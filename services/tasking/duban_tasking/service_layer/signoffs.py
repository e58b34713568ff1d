"""Tasking's sign-off desk (duban_common.signoff, decision 0022): the units' completion reports,
signed off by the unit's head before they reach the office, and the replies to a superior
office, approved by the government's leaders before they go out (decision 0023)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from duban_common.signoff import Desk, DocumentKind

from ..adapters.orm import signoff
from . import replies, workflow

drafts = signoff.drafts


def desk() -> Desk:
    return Desk(
        signoff,
        {
            workflow.COMPLETION_REPORT: DocumentKind(workflow.completion_signed, workflow.completion_refused),
            replies.SIGNED_OFF_KINDS["superior_assignment"]: DocumentKind(replies.reply_signed, replies.reply_refused),
        },
    )


async def unit_signoff(session: AsyncSession, tenant: str, task_id: str) -> dict | None:
    """The task's last completion report sign-off: its draft, whether it waits, was signed or
    refused, and the refusal's reason; None when the task has had none."""
    row = (
        (
            await session.execute(
                select(drafts.c.id, drafts.c.status, drafts.c.created_at)
                .where(
                    drafts.c.tenant == tenant,
                    drafts.c.task_id == task_id,
                    drafts.c.doc_type == workflow.COMPLETION_REPORT,
                )
                .order_by(drafts.c.created_at.desc(), drafts.c.id)
                .limit(1)
            )
        )
        .mappings()
        .first()
    )
    if row is None:
        return None
    steps = signoff.draft_steps
    reason = (
        await session.execute(select(steps.c.reason).where(steps.c.draft_id == row["id"], steps.c.decision == "refuse"))
    ).scalar()
    return {"draft_id": row["id"], "status": row["status"], "reason": reason}
