"""Accepting a submission: validate, deduplicate on (tenant, source, id), triage, register.

The same function serves NATS, HTTP and imports, so every channel shares one dedup
key and one set of rules.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from pydantic import ValidationError

from duban_common import problems
from duban_common.consumer import Rejected, describe_validation_error
from duban_common.contracts import submissions as sub
from duban_common.db import once_per_transaction
from duban_common.envelope import Envelope
from duban_common.outbox import UnitOfWork

from ..adapters import repository
from ..adapters.protect import Protector
from ..domain import model
from ..metrics import SUBMISSIONS
from . import registration


class InvalidSubmission(Rejected):
    """Bad input: refused with the reason, nothing kept. ``errors`` names each bad field."""

    def __init__(self, reason: str, errors: list[dict] | None = None) -> None:
        super().__init__(reason)
        self.errors = errors or []


@dataclass
class Accepted:
    submission_id: str
    duplicate: bool
    status: str
    matter_ids: list[str] = field(default_factory=list)
    pending_reason: str | None = None


def kind_of(env: Envelope) -> str:
    parts = env.type.split(".")
    kind = parts[2] if len(parts) == 4 and parts[1] == "submission" else None
    if kind not in sub.KINDS:
        raise InvalidSubmission(
            f"unknown submission type {env.type!r}; expected duban.submission.<kind>.v1 with kind one of {sorted(sub.KINDS)}",
            [{"loc": ["body", "type"], "msg": "不认识的来件类别", "type": "unknown_kind"}],
        )
    if parts[3] != "v1":
        raise InvalidSubmission(
            f"unsupported version {parts[3]!r} of {kind}; this intake accepts v1",
            [{"loc": ["body", "type"], "msg": "不支持的版本：只收 v1", "type": "unsupported_version"}],
        )
    return kind


def parse_data(kind: str, data: dict):
    try:
        return sub.KINDS[kind].model_validate(data)
    except ValidationError as error:
        errors = problems.items(error.errors(), prefix=("data",))
        raise InvalidSubmission(f"invalid {kind} data: {describe_validation_error(error)}", errors) from None


async def find(uow: UnitOfWork, tenant: str, source: str, external_id: str):
    return await repository.find_submission(uow.session, tenant, source, external_id)


async def accept(
    uow: UnitOfWork, env: Envelope, protector: Protector, *, channel: str, subject_kind: str | None = None
) -> Accepted:
    kind = env.type.split(".")[2] if env.type.count(".") == 3 else "unknown"
    try:
        result = await _accept(uow, env, protector, channel, subject_kind)
    except InvalidSubmission:
        SUBMISSIONS.labels(kind if kind in sub.KINDS else "unknown", channel, "invalid").inc()
        raise
    SUBMISSIONS.labels(kind, channel, "duplicate" if result.duplicate else result.status).inc()
    return result


async def _accept(uow, env, protector, channel, subject_kind) -> Accepted:
    existing = await find(uow, env.tenant, env.source, env.id)
    if existing:
        return Accepted(
            existing.id,
            True,
            existing.status,
            await repository.matter_ids_of(uow.session, existing.id),
            existing.pending_reason,
        )
    await _require_active_tenant(uow, env.tenant)
    kind = kind_of(env)
    if subject_kind is not None and subject_kind != kind:
        raise InvalidSubmission(f"subject kind {subject_kind!r} does not match envelope type {env.type!r}")
    data = parse_data(kind, env.data)

    items = model.drafts(data)
    pending = model.triage(items, await review_required(uow, env.tenant, kind))
    submission_id = await _store_submission(uow, env, kind, channel, data, pending)
    citizen = await registration.store_citizen(
        uow, protector, env.tenant, submission_id, getattr(data, "citizen", None)
    )
    if pending:
        return Accepted(submission_id, False, "pending", [], pending)
    ids = await registration.register_items(
        uow, env.tenant, kind, env.source, env.id, submission_id, data, items, citizen, "auto"
    )
    return Accepted(submission_id, False, "registered", ids)


async def _require_active_tenant(uow: UnitOfWork, slug: str) -> None:
    # read once per transaction: accepting never changes the tenant or its triage policy
    tenant = await once_per_transaction(uow.session, ("intake.tenant", slug), lambda: _tenant_row(uow, slug))
    if tenant is None:
        raise InvalidSubmission(
            f"unknown tenant {slug!r}",
            [{"loc": ["body", "tenant"], "msg": f"没有租户 {slug}", "type": "unknown_tenant"}],
        )
    if not tenant.active:
        raise InvalidSubmission(f"tenant {slug!r} is offboarded and takes no submissions")


async def _store_submission(uow: UnitOfWork, env: Envelope, kind: str, channel: str, data, pending) -> str:
    """The submission row (its citizen stored apart, protected); its new id."""
    submission_id = str(uuid.uuid4())
    await repository.insert_submission(
        uow.session,
        dict(
            id=submission_id,
            tenant=env.tenant,
            source=env.source,
            external_id=env.id,
            kind=kind,
            channel=channel,
            status="pending" if pending else "registered",
            pending_reason=pending,
            title=model.title_of(data),
            data=data.model_dump(mode="json", exclude={"citizen"}),
            sent_at=env.time,
            received_at=uow.now(),
        ),
    )
    return submission_id


async def review_required(uow: UnitOfWork, tenant: str, kind: str) -> bool:
    return await once_per_transaction(
        uow.session, ("intake.review", tenant, kind), lambda: repository.review_required(uow.session, tenant, kind)
    )


async def _tenant_row(uow: UnitOfWork, slug: str):
    return await repository.tenant_activity(uow.session, slug)


async def ensure_tenant(uow: UnitOfWork, slug: str, name: str, issuing: dict | None = None) -> bool:
    """Create the tenant if it does not exist; True when created. ``issuing`` (issuing_body,
    contact_person, contact_phone: what its documents print) is set on a new or existing tenant."""
    if await repository.tenant_exists(uow.session, slug):
        if issuing:
            await repository.update_tenant(uow.session, slug, issuing)
        return False
    await repository.insert_tenant(
        uow.session, dict(slug=slug, name=name, active=True, created_at=uow.now(), **(issuing or {}))
    )
    return True


class UnknownTenant(LookupError):
    pass


async def set_tenant_active(uow: UnitOfWork, slug: str, active: bool) -> dict:
    """Offboard (stop intake, keep every record) or take a tenant back; idempotent."""
    row = await repository.get_tenant(uow.session, slug, lock=True)
    if row is None:
        raise UnknownTenant(f"no tenant {slug!r}")
    if row["active"] != active:
        await repository.update_tenant(
            uow.session, slug, dict(active=active, offboarded_at=None if active else uow.now())
        )
    return await repository.get_tenant(uow.session, slug)
