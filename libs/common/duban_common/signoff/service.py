"""The sign-off desk of a service: creates its drafts, moves them through their chains, and runs
the owner's callbacks in the same unit of work as the step that ends a chain (issue: take the
number, publish the event, send the notices; refuse: record that nothing goes out)."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ..calendar import WorkCalendar, local_day
from ..outbox import UnitOfWork
from . import repository
from .model import DOC_TYPES, Chain, SignoffError, Turn, check_turn, refusal_of_override, replayed
from .tables import SignoffTables

Callback = Callable[[UnitOfWork, dict], Awaitable[str | None]]  # (uow, the draft with its steps) → its number


@dataclass(frozen=True)
class DocumentKind:
    """What the owning service does with one type of draft: ``issue`` returns the number it took
    (None for a document without one); ``refuse`` records a refusal where the owner needs to."""

    issue: Callback
    refuse: Callback | None = None


@dataclass(frozen=True)
class Decision:
    decision: str  # approve / refuse
    reason: str | None = None
    expected_action: str | None = (
        None  # the step the caller means to take (提出, 同意, 签发 ...): checked against the next
    )


def _waiting_at_first_step(chain: Chain, now: datetime, created_by: str) -> dict[str, Any]:
    """The chain and state columns of a new draft: pending, waiting for the first step's role."""
    return dict(
        chain=chain.model_dump(),
        status="pending",
        next_step=0,
        waiting_role=chain.steps[0].role if chain.steps else None,
        waiting_since=now,
        created_at=now,
        created_by=created_by,
        **dict.fromkeys(("reminded_at", "number", "issued_at", "refused_at")),  # none of them yet
    )


@dataclass
class Desk:
    tables: SignoffTables
    kinds: Mapping[str, DocumentKind] = field(default_factory=dict)  # the doc types this service owns
    # What the owner's issue callbacks read of other services, asked before a step's transaction
    # (tenant → None; the answers cached): no step waits on another service while it holds its locks
    warm: Callable[[str], Awaitable[None]] | None = None

    @property
    def doc_types(self) -> frozenset[str]:
        return frozenset(self.kinds)

    def owns(self, doc_type: str) -> None:
        if doc_type not in self.kinds:
            raise SignoffError(404, f"本服务不办理“{DOC_TYPES.get(doc_type, doc_type)}”的签批")

    async def chain(self, session: AsyncSession, tenant: str, doc_type: str) -> tuple[Chain, bool]:
        self.owns(doc_type)
        return await repository.chain_of(session, self.tables, tenant, doc_type)

    async def set_chain(self, uow: UnitOfWork, tenant: str, doc_type: str, chain: Chain, by: str) -> None:
        self.owns(doc_type)
        refusal = refusal_of_override(doc_type, chain)
        if refusal:
            raise SignoffError(422, refusal)
        await repository.save_chain(uow.session, self.tables, tenant, doc_type, chain, by, uow.now())
        uow.audit(tenant, "signoff.chain_set", doc_type=doc_type, chain=chain.describe(), by=by)

    async def create(
        self,
        uow: UnitOfWork,
        tenant: str,
        doc_type: str,
        key: str,
        *,
        title: str,
        payload: dict[str, Any],
        created_by: str,
        task_id: str | None = None,
        period: str | None = None,
        unit: str | None = None,
    ) -> dict:
        """A draft (once per ``key``: a retry gets the first one), issued at once if its chain is automatic."""
        found = await repository.draft_by_key(uow.session, self.tables, tenant, key)
        if found is not None:
            return found
        chain, _ = await self.chain(uow.session, tenant, doc_type)
        row = dict(
            id=str(uuid.uuid4()),
            tenant=tenant,
            doc_type=doc_type,
            key=key,
            title=title[:300],
            task_id=task_id,
            period=period,
            unit=unit,
            payload=payload,
            **_waiting_at_first_step(chain, uow.now(), created_by),
        )
        await repository.insert_draft(uow.session, self.tables, row)
        uow.audit(
            tenant,
            "signoff.draft_created",
            draft_id=row["id"],
            doc_type=doc_type,
            task_id=task_id,
            chain=chain.describe(),
        )
        if chain.automatic:
            return await self._issue(uow, row, [])
        return row

    async def act(
        self, uow: UnitOfWork, tenant: str, draft_id: str, turn: Turn, person_name: str, decision: Decision
    ) -> dict:
        """Take the draft's next step (row-locked); the same person's same decision again changes nothing."""
        row = await repository.draft(uow.session, self.tables, tenant, draft_id, lock=True)
        if row is None or row["doc_type"] not in self.kinds:
            raise SignoffError(404, f"文稿 {draft_id} 不存在")
        steps = await repository.steps(uow.session, self.tables, draft_id)
        chain = Chain.model_validate(row["chain"])
        if replayed(row, chain, repository.taken(steps), turn, decision.decision, decision.expected_action):
            return {**row, "steps": steps}
        step = check_turn(row, chain, repository.taken(steps), turn, decision.expected_action)
        if decision.decision == "refuse" and not (decision.reason or "").strip():
            raise SignoffError(422, "退回须写明理由")
        now = uow.now()
        taken = dict(
            draft_id=draft_id,
            step=row["next_step"],
            tenant=tenant,
            action=step.action,
            role=step.role,
            person=turn.person,
            person_name=person_name,
            decision=decision.decision,
            reason=(decision.reason or "").strip() or None,
            at=now,
        )
        await repository.insert_step(uow.session, self.tables, taken)
        steps.append(taken)
        _audit_step(uow, row, taken)
        if decision.decision == "refuse":
            return await self._refuse(uow, row, steps)
        if row["next_step"] + 1 == len(chain.steps):
            return await self._issue(uow, row, steps)
        following = chain.steps[row["next_step"] + 1]
        values = dict(next_step=row["next_step"] + 1, waiting_role=following.role, waiting_since=now, reminded_at=None)
        await repository.update_draft(uow.session, self.tables, draft_id, **values)
        return {**row, **values, "steps": steps}

    async def _issue(self, uow: UnitOfWork, row: dict, steps: list[dict]) -> dict:
        number = await self.kinds[row["doc_type"]].issue(uow, {**row, "steps": steps})
        values = dict(status="issued", next_step=len(steps), waiting_role=None, number=number, issued_at=uow.now())
        await repository.update_draft(uow.session, self.tables, row["id"], **values)
        _audit_draft(uow, row, "signoff.issued", task_id=row["task_id"], number=number)
        return {**row, **values, "steps": steps}

    async def _refuse(self, uow: UnitOfWork, row: dict, steps: list[dict]) -> dict:
        values = dict(status="refused", waiting_role=None, refused_at=uow.now())
        await repository.update_draft(uow.session, self.tables, row["id"], **values)
        refuse = self.kinds[row["doc_type"]].refuse
        if refuse is not None:
            await refuse(uow, {**row, **values, "steps": steps})
        return {**row, **values, "steps": steps}

    async def view(self, session: AsyncSession, tenant: str, draft_id: str) -> dict:
        row = await repository.draft(session, self.tables, tenant, draft_id)
        if row is None or row["doc_type"] not in self.kinds:
            raise SignoffError(404, f"文稿 {draft_id} 不存在")
        return {**row, "steps": await repository.steps(session, self.tables, draft_id)}

    async def waiting(self, session: AsyncSession, tenant: str, turn: Turn) -> list[dict]:
        """Pending drafts whose next step is one of this person's roles (a unit-bound role: its unit's)."""
        return await repository.waiting(session, self.tables, tenant, turn.roles, turn.unit, self.doc_types)

    async def mine(self, session: AsyncSession, tenant: str, turn: Turn) -> list[dict]:
        """What waits for this person: drafts whose next step is one of their roles, less those they
        already took a step of (someone else must take the next one); each with its steps taken, so
        that the list says who took them."""
        waiting = []
        for row in await self.waiting(session, tenant, turn):
            steps = await repository.steps(session, self.tables, row["id"])
            if not any(s["person"] == turn.person for s in steps):
                waiting.append({**row, "steps": steps})
        return waiting

    async def reminders_due(
        self, session: AsyncSession, now: datetime, calendar: WorkCalendar, days_of: Callable[[str], int]
    ) -> list[dict]:
        """Drafts of every tenant that have waited at one step (or since their last reminder) more
        than the tenant's number of working days (``days_of(tenant)``)."""
        due = []
        for row in await repository.pending(session, self.tables, self.doc_types):
            since = row["reminded_at"] or row["waiting_since"]
            if calendar.workdays_between(local_day(since), local_day(now)) > days_of(row["tenant"]):
                due.append(row)
        return due

    async def reminded(self, uow: UnitOfWork, row: dict) -> None:
        await repository.update_draft(uow.session, self.tables, row["id"], reminded_at=uow.now())
        _audit_draft(uow, row, "signoff.reminded", waiting_role=row["waiting_role"])


def _audit_draft(uow: UnitOfWork, row: dict, action: str, **refs: Any) -> None:
    """An audit entry about the draft in ``row``: its id and document type, then ``refs``."""
    uow.audit(row["tenant"], action, draft_id=row["id"], doc_type=row["doc_type"], **refs)


def _audit_step(uow: UnitOfWork, row: dict, taken: dict) -> None:
    """One audit entry per step taken: who, in which role, what they decided and why."""
    _audit_draft(
        uow,
        row,
        "signoff.step",
        task_id=row["task_id"],
        step=taken["step"] + 1,
        step_action=taken["action"],
        role=taken["role"],
        person=taken["person_name"],
        decision=taken["decision"],
        reason=taken["reason"],
    )
