"""The reporting rhythm's drafts over HTTP: the monthly supervision summaries, quarterly bulletins
and annual assessments reporting drafted by itself at each period's end, and what they say. Their
sign-off (the approvals queue, the steps that issue or refuse them) is the shared sign-off routes'
(duban_common.signoff.routes), mounted in reporting: a rhythm draft and its sign-off share an id."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter
from fastapi.encoders import jsonable_encoder

from duban_common.dependencies import RuntimeDep
from duban_common.http import ERROR_RESPONSES, valid_tenant
from duban_common.responses import found_or_404

from ..domain.rhythm import KIND_LABEL, KINDS
from ..service_layer import rhythm, views
from .deps import PageDep

router = APIRouter(tags=["reporting rhythm"], responses=ERROR_RESPONSES)
STATE_LABEL = {"waiting": "待签发", "issued": "已签发", "refused": "已退回"}
DRAFTS = "/v1/tenants/{tenant}/rhythm/drafts"


def described(draft: dict) -> dict:
    """The draft with its links: its sign-off (the steps, ``POST …/steps`` to take the next) and its report once issued."""
    links = {"signoff": f"/v1/tenants/{draft['tenant']}/drafts/{draft['draft_id']}"}
    if draft.get("report_id"):
        links["report"] = f"/v1/tenants/{draft['tenant']}/reports/{draft['report_id']}"
    return jsonable_encoder(
        {**draft, "kind_label": KIND_LABEL[draft["kind"]], "state_label": STATE_LABEL[draft["state"]], "links": links}
    )


@router.get(DRAFTS)
async def list_drafts(
    tenant: str,
    runtime: RuntimeDep,
    page: PageDep,
    state: Literal["waiting", "issued", "refused"] | None = None,
    kind: Literal[KINDS] | None = None,  # type: ignore[valid-type]
) -> dict:
    """The drafts of the reporting rhythm, newest first (state=waiting: those waiting for sign-off)."""
    valid_tenant(tenant)
    total, items = await views.in_read_session(
        runtime.db, rhythm.drafts, tenant, state=state, kind=kind, limit=page.limit, offset=page.offset
    )
    return page.answer(tenant, total, [described(item) for item in items])


@router.get(DRAFTS + "/{draft_id}")
async def get_draft(tenant: str, draft_id: str, runtime: RuntimeDep) -> dict:
    """One draft with its summary: the period's figures, the unit ranking and the units flagged for a talk (约谈)."""
    valid_tenant(tenant)
    draft = found_or_404(
        await views.in_read_session(runtime.db, rhythm.one_draft, tenant, draft_id), f"草稿 {draft_id} 不存在"
    )
    return described(draft)
