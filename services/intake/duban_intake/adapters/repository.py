"""Reading and writing intake's tables for the routes' service functions, inside the caller's
session or transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import bindparam, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from duban_common.paging import counted_page, narrowed

from .orm import citizen_contacts, registrations, submissions, tenant_templates, tenants, triage_policies


@dataclass(frozen=True)
class SubmissionFilter:
    """What the submissions list is narrowed to (each field unset: no narrowing)."""

    status: str | None = None
    kind: str | None = None
    source: str | None = None
    received_from: date | None = None
    received_to: date | None = None
    text: str | None = None  # in the title


def _submissions_query(tenant: str, wanted: SubmissionFilter):
    columns = submissions.c
    query = (
        select(
            columns.id,
            columns.source,
            columns.external_id,
            columns.kind,
            columns.status,
            columns.pending_reason,
            columns.title,
            columns.channel,
            columns.received_at,
            columns.decided_at,
            columns.decision_note,
            citizen_contacts.c.name_masked.label("citizen_name"),
            citizen_contacts.c.phone_masked.label("citizen_phone"),
        )
        .outerjoin(citizen_contacts, citizen_contacts.c.submission_id == columns.id)
        .where(columns.tenant == tenant)
    )
    query = narrowed(
        query, ((columns.status, wanted.status), (columns.kind, wanted.kind), (columns.source, wanted.source))
    )
    if wanted.received_from:
        query = query.where(func.date(columns.received_at) >= wanted.received_from.isoformat())
    if wanted.received_to:
        query = query.where(func.date(columns.received_at) <= wanted.received_to.isoformat())
    if wanted.text:
        query = query.where(columns.title.contains(wanted.text, autoescape=True))
    return query


async def list_submissions(
    session: AsyncSession, tenant: str, wanted: SubmissionFilter, limit: int, offset: int
) -> tuple[int, list[dict]]:
    """(how many match, the page of them, newest first) with citizens' data masked."""
    order = (submissions.c.received_at.desc(), submissions.c.id)
    return await counted_page(session, _submissions_query(tenant, wanted), order, limit, offset)


async def get_submission(session: AsyncSession, tenant: str, submission_id: str, *, lock: bool = False) -> dict | None:
    query = select(submissions).where(submissions.c.tenant == tenant, submissions.c.id == submission_id)
    row = (await session.execute(query.with_for_update() if lock else query)).mappings().first()
    return dict(row) if row is not None else None


_FIND = select(
    submissions.c.id, submissions.c.status, submissions.c.pending_reason
).where(  # built once: every submission asks
    submissions.c.tenant == bindparam("b_tenant"),
    submissions.c.source == bindparam("b_source"),
    submissions.c.external_id == bindparam("b_external_id"),
)


async def find_submission(session: AsyncSession, tenant: str, source: str, external_id: str):
    """(id, status, pending_reason) of the submission with this identity, or None."""
    return (
        await session.execute(_FIND, {"b_tenant": tenant, "b_source": source, "b_external_id": external_id})
    ).first()


async def insert_submission(session: AsyncSession, values: dict) -> None:
    await session.execute(submissions.insert(), values)


async def decide_submission(
    session: AsyncSession, submission_id: str, status: str, at: datetime, note: str | None
) -> None:
    await session.execute(
        submissions.update()
        .where(submissions.c.id == submission_id)
        .values(status=status, decided_at=at, decision_note=note)
    )


async def matter_ids_of(session: AsyncSession, submission_id: str) -> list[str]:
    query = (
        select(registrations.c.matter_id)
        .where(registrations.c.submission_id == submission_id)
        .order_by(registrations.c.item_seq)
    )
    return list((await session.execute(query)).scalars())


async def insert_registration(session: AsyncSession, values: dict) -> None:
    await session.execute(registrations.insert(), values)


async def insert_contact(session: AsyncSession, values: dict) -> None:
    await session.execute(citizen_contacts.insert(), values)


async def masked_contact(session: AsyncSession, submission_id: str) -> dict | None:
    query = select(citizen_contacts.c.name_masked, citizen_contacts.c.phone_masked).where(
        citizen_contacts.c.submission_id == submission_id
    )
    row = (await session.execute(query)).mappings().first()
    return dict(row) if row is not None else None


async def matter_contact(session: AsyncSession, tenant: str, matter_id: str):
    """The citizen contact behind one registered matter: submission_id, phone_enc, name_masked (or None)."""
    query = (
        select(citizen_contacts.c.submission_id, citizen_contacts.c.phone_enc, citizen_contacts.c.name_masked)
        .join(registrations, registrations.c.submission_id == citizen_contacts.c.submission_id)
        .where(registrations.c.tenant == tenant, registrations.c.matter_id == matter_id)
    )
    return (await session.execute(query)).first()


async def tenant_exists(session: AsyncSession, slug: str) -> bool:
    return (await session.execute(select(tenants.c.slug).where(tenants.c.slug == slug))).first() is not None


async def list_tenants(session: AsyncSession) -> list[dict]:
    return [dict(row) for row in (await session.execute(select(tenants).order_by(tenants.c.slug))).mappings().all()]


async def get_tenant(session: AsyncSession, slug: str, *, lock: bool = False) -> dict | None:
    query = select(tenants).where(tenants.c.slug == slug)
    row = (await session.execute(query.with_for_update() if lock else query)).mappings().first()
    return dict(row) if row is not None else None


async def tenant_activity(session: AsyncSession, slug: str):
    """(active,) of the tenant, or None when there is no such tenant."""
    return (await session.execute(select(tenants.c.active).where(tenants.c.slug == slug))).first()


async def insert_tenant(session: AsyncSession, values: dict) -> None:
    await session.execute(tenants.insert(), values)


async def update_tenant(session: AsyncSession, slug: str, values: dict) -> None:
    await session.execute(tenants.update().where(tenants.c.slug == slug).values(**values))


async def replace_template(
    session: AsyncSession, slug: str, kind: str, content: bytes, sha256: str, uploaded_at: datetime
) -> None:
    await delete_template(session, slug, kind)
    await session.execute(
        tenant_templates.insert(), dict(slug=slug, kind=kind, content=content, sha256=sha256, uploaded_at=uploaded_at)
    )


async def template_content(session: AsyncSession, slug: str, kind: str) -> bytes | None:
    query = select(tenant_templates.c.content).where(tenant_templates.c.slug == slug, tenant_templates.c.kind == kind)
    row = (await session.execute(query)).first()
    return row.content if row is not None else None


async def delete_template(session: AsyncSession, slug: str, kind: str) -> bool:
    """True when there was one."""
    done = await session.execute(
        delete(tenant_templates).where(tenant_templates.c.slug == slug, tenant_templates.c.kind == kind)
    )
    return done.rowcount > 0


async def review_policies(session: AsyncSession, tenant: str) -> dict[str, bool]:
    """kind → review_required, for the kinds the tenant set."""
    query = select(triage_policies.c.kind, triage_policies.c.review_required).where(triage_policies.c.tenant == tenant)
    return {kind: bool(required) for kind, required in (await session.execute(query)).all()}


async def review_required(session: AsyncSession, tenant: str, kind: str) -> bool:
    query = select(triage_policies.c.review_required).where(
        triage_policies.c.tenant == tenant, triage_policies.c.kind == kind
    )
    return bool((await session.execute(query)).scalar())


async def set_review_policy(session: AsyncSession, tenant: str, kind: str, review_required: bool) -> None:
    policies = triage_policies
    await session.execute(policies.delete().where(policies.c.tenant == tenant, policies.c.kind == kind))
    await session.execute(policies.insert(), dict(tenant=tenant, kind=kind, review_required=review_required))
