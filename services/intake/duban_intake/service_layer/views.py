"""What intake's read routes answer, read through the repository in one read session each."""

from __future__ import annotations

from duban_common.db import Database

from ..adapters import repository
from ..adapters.repository import SubmissionFilter


async def submissions_page(db: Database, tenant: str, wanted: SubmissionFilter, limit: int, offset: int) -> dict:
    async with db.read() as session:
        total, items = await repository.list_submissions(session, tenant, wanted, limit, offset)
    return {"total": total, "limit": limit, "offset": offset, "items": items}


async def submission(db: Database, tenant: str, submission_id: str, platform: str | None) -> dict | None:
    """One submission with its matters and the citizen masked; None when there is none, or when
    ``platform`` (an integrator's) is not its source."""
    async with db.read() as session:
        row = await repository.get_submission(session, tenant, submission_id)
        if row is None or platform not in (None, row["source"]):
            return None
        contact = await repository.masked_contact(session, submission_id)
        matters = await repository.matter_ids_of(session, submission_id)
    if contact:
        row["data"] = {**row["data"], "citizen": {"name": contact["name_masked"], "phone": contact["phone_masked"]}}
    return {**row, "matter_ids": matters}


async def review_policies(db: Database, tenant: str) -> dict[str, bool]:
    async with db.read() as session:
        return await repository.review_policies(session, tenant)


async def tenants(db: Database) -> list[dict]:
    async with db.read() as session:
        return await repository.list_tenants(session)


async def tenant(db: Database, slug: str) -> dict | None:
    async with db.read() as session:
        return await repository.get_tenant(session, slug)


async def template(db: Database, slug: str, kind: str) -> bytes | None:
    async with db.read() as session:
        return await repository.template_content(session, slug, kind)
