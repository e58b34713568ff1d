"""The office's and the operator's changes to intake's settings: triage policies, a tenant's
document templates, and revealing a citizen's phone number for a callback (audited)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from duban_common.outbox import UnitOfWork

from ..adapters import repository
from ..adapters.protect import Protector
from .handlers import UnknownTenant

REVEALED = "citizen_phone.revealed"


async def set_review_policy(uow: UnitOfWork, tenant: str, kind: str, review_required: bool) -> None:
    await repository.set_review_policy(uow.session, tenant, kind, review_required)


async def put_template(uow: UnitOfWork, slug: str, kind: str, content: bytes) -> str:
    """Store the tenant's template of ``kind`` in place of any earlier one; its SHA-256."""
    if not await repository.tenant_exists(uow.session, slug):
        raise UnknownTenant(f"租户 {slug} 不存在")
    sha256 = hashlib.sha256(content).hexdigest()
    await repository.replace_template(uow.session, slug, kind, content, sha256, uow.now())
    return sha256


async def delete_template(uow: UnitOfWork, slug: str, kind: str) -> bool:
    return await repository.delete_template(uow.session, slug, kind)


@dataclass(frozen=True)
class RevealedPhone:
    citizen_name: str | None  # masked
    phone: str


async def reveal_phone(
    uow: UnitOfWork, protector: Protector, tenant: str, matter_id: str, task_id: str, reason: str
) -> RevealedPhone | None:
    """The full number behind one matter (None when the citizen left none), recorded in the audit log."""
    row = await repository.matter_contact(uow.session, tenant, matter_id)
    phone = protector.open(row.phone_enc) if row else None
    if not phone:
        return None
    uow.audit(tenant, REVEALED, matter_id=matter_id, task_id=task_id, submission_id=row.submission_id, reason=reason)
    return RevealedPhone(row.name_masked, phone)
