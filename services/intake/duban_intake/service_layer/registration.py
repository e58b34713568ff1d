"""Registering (立项) and refusing (不予立项) submissions, and keeping the citizen protected."""

from __future__ import annotations

import uuid

from duban_common.contracts import submissions as sub
from duban_common.contracts.events import (
    MATTER_REGISTERED,
    SUBMISSION_REJECTED,
    CitizenRef,
    MatterRegistered,
    SubmissionRejected,
)
from duban_common.outbox import UnitOfWork
from duban_common.pii import mask_name, mask_phone

from ..adapters import repository
from ..adapters.protect import Protector
from ..domain import model


class TriageError(Exception):
    """A triage decision that cannot be applied (HTTP 404/409/422 with the reason)."""

    def __init__(self, status: int, reason: str, errors: list[dict] | None = None) -> None:
        super().__init__(reason)
        self.status, self.errors = status, errors or []


async def store_citizen(
    uow: UnitOfWork, protector: Protector, tenant: str, submission_id: str, citizen
) -> CitizenRef | None:
    if citizen is None or not (citizen.name or citizen.phone):
        return None
    ref = CitizenRef(
        name_masked=mask_name(citizen.name), phone_masked=mask_phone(citizen.phone), contact_ref=submission_id
    )
    await repository.insert_contact(
        uow.session,
        dict(
            submission_id=submission_id,
            tenant=tenant,
            name_enc=protector.seal(citizen.name),
            phone_enc=protector.seal(citizen.phone),
            name_masked=ref.name_masked,
            phone_masked=ref.phone_masked,
        ),
    )
    return ref


async def citizen_ref(uow: UnitOfWork, submission_id: str) -> CitizenRef | None:
    row = await repository.masked_contact(uow.session, submission_id)
    return (
        CitizenRef(name_masked=row["name_masked"], phone_masked=row["phone_masked"], contact_ref=submission_id)
        if row
        else None
    )


async def register_items(
    uow: UnitOfWork,
    tenant: str,
    kind: str,
    source: str,
    external_id: str,
    submission_id: str,
    data,
    items: list[model.MatterDraft],
    citizen: CitizenRef | None,
    registered_by: str,
) -> list[str]:
    ids = []
    now = uow.now()
    for draft in items:
        matter_id = str(uuid.uuid4())
        await repository.insert_registration(
            uow.session,
            dict(
                matter_id=matter_id,
                submission_id=submission_id,
                tenant=tenant,
                item_seq=draft.item_seq,
                registered_at=now,
            ),
        )
        await uow.emit(
            tenant,
            MATTER_REGISTERED,
            MatterRegistered(
                matter_id=matter_id,
                title=draft.title,
                content=draft.content,
                origin=model.origin(kind, source, submission_id, external_id, data, draft),
                lead_unit=draft.lead_unit,
                co_units=draft.co_units,
                requested_due_on=draft.requested_due_on,
                registered_at=now,
                citizen=citizen,
                registered_by=registered_by,
            ),
        )
        ids.append(matter_id)
    return ids


async def _pending(uow: UnitOfWork, tenant: str, submission_id: str):
    row = await repository.get_submission(uow.session, tenant, submission_id, lock=True)
    if row is None:
        raise TriageError(404, f"submission {submission_id} not found in tenant {tenant}")
    if row["status"] != "pending":
        raise TriageError(
            409, f"submission {submission_id} is already {row['status']}; only pending submissions can be decided"
        )
    return row


async def register_pending(
    uow: UnitOfWork, tenant: str, submission_id: str, choices: dict[int, dict], note: str | None
) -> list[str]:
    row = await _pending(uow, tenant, submission_id)
    data = sub.KINDS[row["kind"]].model_validate(row["data"])
    items = model.with_units(model.drafts(data), choices)
    unknown = sorted(set(choices) - {d.item_seq for d in items})
    if unknown:
        text = f"来件中没有序号为 {'、'.join(map(str, unknown))} 的条目"
        raise TriageError(422, text, [{"loc": ["body", "items"], "msg": text, "type": "unknown_seq"}])
    missing = [d.item_seq for d in items if not d.has_lead_unit]
    if missing:
        raise TriageError(
            422,
            f"第 {'、'.join(map(str, missing))} 项还没有牵头单位",
            [
                {"loc": ["body", "items", s, "lead_unit"], "msg": "缺少必填项：牵头单位", "type": "missing"}
                for s in missing
            ],
        )
    citizen = await citizen_ref(uow, submission_id)
    ids = await register_items(
        uow,
        tenant,
        row["kind"],
        row["source"],
        row["external_id"],
        submission_id,
        data,
        items,
        citizen,
        note or "office",
    )
    await repository.decide_submission(uow.session, submission_id, "registered", uow.now(), note)
    return ids


async def refuse_pending(uow: UnitOfWork, tenant: str, submission_id: str, reason: str) -> None:
    row = await _pending(uow, tenant, submission_id)
    now = uow.now()
    await repository.decide_submission(uow.session, submission_id, "refused", now, reason)
    await uow.emit(
        tenant,
        SUBMISSION_REJECTED,
        SubmissionRejected(
            submission_id=submission_id,
            kind=row["kind"],
            source=row["source"],
            external_id=row["external_id"],
            title=row["title"],
            reason=reason,
            rejected_at=now,
        ),
    )
