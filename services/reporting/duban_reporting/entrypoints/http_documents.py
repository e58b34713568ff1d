"""Bulletins (政务督查通报) and special reports (督查专报) over HTTP: publish, list, read, download."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Body, Header, HTTPException, Query
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field, model_validator

from duban_common.calendar import local_day
from duban_common.dependencies import OfficesDep, RuntimeDep
from duban_common.documents.files import MEDIA, content_disposition
from duban_common.documents.issuing import IssuingLookup
from duban_common.http import ERROR_RESPONSES, valid_tenant
from duban_common.responses import download_responses, found_or_404
from duban_common.runtime import Runtime

from ..domain import periods
from ..domain.model import KIND_LABEL, STATUS_LABEL
from ..domain.special_report import campaign_topic
from ..service_layer import publishing, rhythm, views
from ..service_layer.ledger_query import LedgerFilter
from ..service_layer.publishing import Request
from ..service_layer.report_content import ReportRefused, Selection
from .deps import PageDep, UnitNamesDep
from .http_rhythm import described


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class BulletinIn(_In):
    kind: Literal["quarterly_bulletin"]
    period: str | None = Field(None, description="2026-Q4 (default: the current quarter), 2026-11 or 2026")
    from_: date | None = Field(None, alias="from")
    to: date | None = None
    published_by: str | None = Field(None, max_length=100)


class CampaignIn(_In):
    kind: str | None = Field(None, max_length=40, description="source kind, e.g. online_message")
    q: str | None = Field(
        None, min_length=1, max_length=100, description="text in the title, notice number or external number"
    )
    unit: str | None = Field(None, max_length=40)
    leader: str | None = Field(None, max_length=100)
    status: str | None = None
    period: str | None = None
    from_: date | None = Field(None, alias="from")
    to: date | None = None
    date_field: Literal["registered", "assigned", "due", "completed"] = "registered"


class SpecialReportIn(_In):
    kind: Literal["special_report"]
    matter_id: str | None = Field(None, min_length=1, max_length=36)
    campaign: CampaignIn | None = None
    topic: str | None = Field(
        None, min_length=2, max_length=60, description="the campaign's name in the title (default: from the filter)"
    )
    published_by: str | None = Field(None, max_length=100)

    @model_validator(mode="after")
    def one_subject(self) -> "SpecialReportIn":
        if (self.matter_id is None) == (self.campaign is None):
            raise ValueError("专报须且只能指定一个事项（matter_id）或一组事项（campaign）")
        if self.campaign is not None and not self.campaign.model_dump(exclude_none=True, exclude={"date_field"}):
            raise ValueError("campaign 至少需要一个筛选条件（kind、q、unit、leader、status 或期间）")
        return self


ReportIn = Annotated[BulletinIn | SpecialReportIn, Field(discriminator="kind")]
router = APIRouter(tags=["bulletins and special reports"], responses=ERROR_RESPONSES)


def _period(period: str | None, from_: date | None, to: date | None, today: date) -> periods.Period:
    try:
        return periods.parse(period, from_, to, today=today)
    except periods.PeriodError as error:
        raise HTTPException(422, str(error)) from None


def _request(body: BulletinIn | SpecialReportIn, today: date, names: dict[str, str]) -> Request:
    if isinstance(body, BulletinIn):
        span = _period(body.period, body.from_, body.to, today)
        return Request(kind=body.kind, subject={"period": jsonable_encoder(span.as_dict())}, period=span)
    if body.matter_id is not None:
        return Request(
            kind=body.kind, subject={"matter_id": body.matter_id}, selection=Selection(matter_id=body.matter_id)
        )
    campaign = body.campaign
    if campaign.status is not None and campaign.status not in STATUS_LABEL:
        raise HTTPException(422, f"状态 {campaign.status!r} 不是 {'、'.join(sorted(STATUS_LABEL))} 之一")
    span = (
        _period(campaign.period, campaign.from_, campaign.to, today)
        if (campaign.period or campaign.from_ or campaign.to)
        else None
    )
    same_names = campaign.model_dump(include={"status", "kind", "unit", "leader", "date_field"})
    wanted = LedgerFilter(**same_names, text=campaign.q, period=span)
    topic = body.topic or campaign_topic(
        period_label=span.label if span else None,
        kind_label=KIND_LABEL.get(campaign.kind or "", campaign.kind),
        unit_name=names.get(campaign.unit, campaign.unit) if campaign.unit else None,
        text=campaign.q,
        leader=campaign.leader,
        status_label=STATUS_LABEL.get(campaign.status) if campaign.status else None,
    )
    subject = {
        "campaign": {
            **campaign.model_dump(mode="json", exclude_none=True, by_alias=True),
            **({"period": jsonable_encoder(span.as_dict())} if span else {}),
        },
        "topic": topic,
    }
    return Request(kind=body.kind, subject=subject, period=span, selection=Selection(campaign=wanted), topic=topic)


async def _bulletin_draft(runtime, tenant: str, req: Request, unit_names: dict[str, str]) -> JSONResponse:
    """202 with the period's draft (drafted now, or already waiting); 200 with the report once issued."""
    draft, created = await rhythm.request_draft(
        runtime.unit_of_work,
        runtime.signoff,
        tenant,
        req.kind,
        req.period,
        names=unit_names,
        bottom=runtime.settings.admonition_bottom_of(tenant),
    )
    if draft["state"] == "issued":
        report = await views.in_read_session(runtime.db, publishing.one, tenant, draft["report_id"])
        return JSONResponse(
            jsonable_encoder({**report, "created": False}),
            status_code=200,
            headers={"Location": f"/v1/tenants/{tenant}/reports/{report['report_id']}"},
        )
    return JSONResponse(
        {"draft": described(draft), "created": created},
        status_code=202,
        headers={"Location": f"/v1/tenants/{tenant}/rhythm/drafts/{draft['draft_id']}"},
    )


def _missing(report_id: str) -> str:
    return f"报告 {report_id} 不存在"


def _disposition(row: dict, fmt: str) -> str:
    return content_disposition(
        row["report_no"], row["title"], fmt, fallback=f"report-{row['kind']}-{row['year']}-{row['seq']}"
    )


async def _special_report(
    runtime: Runtime,
    offices: IssuingLookup,
    tenant: str,
    req: Request,
    body: SpecialReportIn,
    idempotency_key: str | None,
    unit_names: dict[str, str],
) -> JSONResponse:
    """201 with the special report published now; 200 with the same one when already published."""
    issuing = await publishing.office_issuing(runtime.settings, offices, tenant, body.kind)
    try:
        row, created = await publishing.publish(
            runtime.unit_of_work,
            runtime.db.read,
            tenant,
            req,
            idempotency_key=idempotency_key,
            published_by=body.published_by,
            names=unit_names,
            issuing=issuing,
        )
    except ReportRefused as refusal:
        raise HTTPException(refusal.status, str(refusal)) from None
    return JSONResponse(
        jsonable_encoder({**publishing.describe(row), "created": created}),
        status_code=201 if created else 200,
        headers={"Location": f"/v1/tenants/{tenant}/reports/{row['report_id']}"},
    )


@router.post(
    "/v1/tenants/{tenant}/reports",
    status_code=201,
    responses={
        200: {"description": "already published: the same report"},
        202: {"description": "a bulletin: its draft, waiting for sign-off"},
    },
)
async def publish(
    tenant: str,
    runtime: RuntimeDep,
    names: UnitNamesDep,
    offices: OfficesDep,
    body: ReportIn = Body(...),
    idempotency_key: str | None = Header(None, max_length=200),
) -> JSONResponse:
    """Draft a bulletin for a period (202: it waits for sign-off, rhythm/drafts; 200: the report once issued), or
    publish a special report on a matter or a campaign. Repeating a request (the same period; for a special report
    the same Idempotency-Key, or without one the same subject on the same day) returns the same draft or report."""
    valid_tenant(tenant)
    unit_names = await names.of(tenant)
    req = _request(body, local_day(runtime.clock.now()), unit_names)
    if isinstance(body, BulletinIn):  # a bulletin waits for its sign-off like the rhythm's (docs/decisions)
        return await _bulletin_draft(runtime, tenant, req, unit_names)
    return await _special_report(runtime, offices, tenant, req, body, idempotency_key, unit_names)


@router.get("/v1/tenants/{tenant}/reports")
async def list_reports(
    tenant: str,
    runtime: RuntimeDep,
    page: PageDep,
    kind: Literal["quarterly_bulletin", "special_report"] | None = None,
    year: int | None = Query(None, ge=2000, le=2100),
) -> dict:
    valid_tenant(tenant)
    total, items = await views.in_read_session(
        runtime.db, publishing.listing, tenant, kind=kind, year=year, limit=page.limit, offset=page.offset
    )
    return page.answer(tenant, total, items)


@router.get("/v1/tenants/{tenant}/reports/{report_id}")
async def get_report(tenant: str, report_id: str, runtime: RuntimeDep) -> dict:
    valid_tenant(tenant)
    return found_or_404(await views.in_read_session(runtime.db, publishing.one, tenant, report_id), _missing(report_id))


@router.get(
    "/v1/tenants/{tenant}/reports/{report_id}/document.{fmt}",
    response_class=Response,
    responses=download_responses("the document as Word or PDF"),
)
async def download(tenant: str, report_id: str, fmt: Literal["docx", "pdf"], runtime: RuntimeDep) -> Response:
    valid_tenant(tenant)
    found = await views.in_read_session(runtime.db, publishing.file, tenant, report_id, fmt)
    row, content = found_or_404(found, _missing(report_id))
    return Response(content, media_type=MEDIA[fmt], headers={"Content-Disposition": _disposition(row, fmt)})
