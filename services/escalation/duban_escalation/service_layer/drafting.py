"""Escalation's drafts (duban_common.signoff): which documents wait for their sign-off chains, and
what issuing or refusing each one does (issuing.py). A desk is cheap to build: the climb builds one
with the notice context it already holds, the routes use the one bootstrap built."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncSession

from duban_common.outbox import UnitOfWork
from duban_common.signoff import Desk, DocumentKind

from ..adapters.orm import signoff
from . import issuing, notify, orders

ContextOf = Callable[[AsyncSession, str], Awaitable[notify.Context]]  # (session, tenant) → its notice context
Issue = Callable[[UnitOfWork, dict, notify.Context], Awaitable[str | None]]

# the ladder's bulletin actions and the document type each one drafts
BULLETIN_TYPES = {
    "bulletin_office": "bulletin_office",
    "bulletin_government": "bulletin_government",
    "censure_in_special_report": "special_report",
}
CALLBACKS: dict[str, tuple[Issue, Issue | None]] = {
    "urge_notice": (issuing.urge_notice, issuing.urge_refused),
    "supervision_order": (orders.issue, orders.refused),
    "bulletin_office": (issuing.bulletin, None),
    "bulletin_government": (issuing.bulletin, None),
    "special_report": (issuing.bulletin, None),
    "public_censure": (issuing.public_censure, None),
    "transfer": (issuing.transfer, issuing.transfer_refused),
}


def _with_context(callback: Issue, context_of: ContextOf):
    async def run(uow: UnitOfWork, draft: dict):
        return await callback(uow, draft, await context_of(uow.session, draft["tenant"]))

    return run


def desk(context_of: ContextOf) -> Desk:
    kinds = {
        doc_type: DocumentKind(_with_context(issue, context_of), _with_context(refuse, context_of) if refuse else None)
        for doc_type, (issue, refuse) in CALLBACKS.items()
    }
    return Desk(signoff, kinds)


def desk_with(ctx: notify.Context) -> Desk:
    """The desk of a handler that holds its tenant's notice context already."""

    async def context_of(_session: AsyncSession, _tenant: str) -> notify.Context:
        return ctx

    return desk(context_of)
