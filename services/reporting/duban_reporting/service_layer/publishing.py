"""Publishing a bulletin or a special report: in ONE transaction take the next gapless number,
build the document, render it to DOCX and PDF, store both and emit ``report.published`` (to
``duban.out.<tenant>.report.published`` through the outbox, as events.OUTBOUND_TOPICS says).

Idempotent: a request carries a key (the caller's Idempotency-Key, else the natural key: a
bulletin per period; a special report per subject and day); a second request with the same
key gets the first report back, and a number is taken only by a request that publishes."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from duban_common import sequences
from duban_common.calendar import local_day
from duban_common.contracts import events as ev
from duban_common.documents import Issuing as Office
from duban_common.documents import pdf as pdf_render
from duban_common.documents.template import render_docx
from duban_common.paging import counted_page, narrowed

from ..adapters.orm import reports
from ..adapters.orm import sequences as sequence_rows
from ..domain.bulletin import TITLES, bulletin
from ..domain.documents import KIND_WORD, chinese_date
from ..domain.periods import Period
from ..domain.special_report import special_report
from . import report_content, statistics
from .report_content import ReportRefused, Selection

METADATA = [c for c in reports.columns if c.name not in ("docx", "pdf")]


@dataclass(frozen=True)
class Issuing:
    """How the tenant's office signs and addresses its documents (settings)."""

    issuer: str
    bulletin_addressee: str
    special_report_addressee: str
    copies_to: tuple[str, ...]
    admonition_bottom: int
    special_report_limit: int
    contact: str | None = None  # the office's contact person and telephone (附注)
    phone: str | None = None
    docx_template: bytes | None = None  # the tenant's own template for the type (documents.template)


@dataclass(frozen=True)
class Request:
    kind: str  # quarterly_bulletin | special_report | monthly_summary | annual_assessment
    subject: dict  # what was asked, as JSON (stored, and its hash tells a repeat from a different request)
    period: Period | None = None  # a bulletin's period; a campaign's when it has one
    selection: Selection | None = None  # a special report's matters
    topic: str | None = None  # a campaign's name in the title

    def natural_key(self, issued_on: date) -> str:
        if self.kind == "quarterly_bulletin":
            return f"bulletin:{self.period.start}:{self.period.end}"
        if self.kind in TITLES:
            return f"{self.kind}:{self.period.start}:{self.period.end}"
        return f"special:{self.fingerprint()[:32]}:{issued_on}"

    def fingerprint(self) -> str:
        return hashlib.sha256(
            json.dumps([self.kind, self.subject], sort_keys=True, ensure_ascii=False, default=str).encode()
        ).hexdigest()


async def office_issuing(settings, offices, tenant: str, kind: str, *, ask: bool = True) -> Issuing:
    """How the tenant's office signs a document of ``kind``: the registry's issuing body and contact
    (``offices``: documents.issuing.IssuingLookup), else the settings' issuer, and its template.
    ``ask=False``: as last heard, without asking intake (inside a transaction)."""
    if ask:
        await offices.refresh(tenant, (kind,))
    office = offices.known(tenant, Office(settings.issuer_of(tenant)))
    return Issuing(
        issuer=office.body,
        contact=office.contact,
        phone=office.phone,
        docx_template=offices.known_template(tenant, kind),
        bulletin_addressee=settings.bulletin_addressee,
        special_report_addressee=settings.special_report_addressee,
        copies_to=tuple(settings.report_copies_to),
        admonition_bottom=settings.admonition_bottom_of(tenant),
        special_report_limit=settings.special_report_limit,
    )


def document_links(tenant: str, report_id: str) -> dict[str, str]:
    base = f"/v1/tenants/{tenant}/reports/{report_id}/document"
    return {"docx": f"{base}.docx", "pdf": f"{base}.pdf"}


def describe(row: dict) -> dict:
    """The metadata of a stored report, as the API and the event give it."""
    keep = {
        k: v
        for k, v in row.items()
        if k not in ("docx", "pdf", "dedup_key", "fingerprint", "docx_sha256", "pdf_sha256")
    }
    return {
        **keep,
        "kind_word": KIND_WORD[row["kind"]],
        "document": {
            **document_links(row["tenant"], row["report_id"]),
            "sha256": {"docx": row["docx_sha256"], "pdf": row["pdf_sha256"]},
        },
    }


async def find(session, tenant: str, dedup_key: str) -> dict | None:
    row = (
        (await session.execute(select(reports).where(reports.c.tenant == tenant, reports.c.dedup_key == dedup_key)))
        .mappings()
        .first()
    )
    return dict(row) if row else None


async def _document(
    session, tenant: str, req: Request, number: str, now: datetime, names: dict[str, str], issuing: Issuing
):
    issued_on = local_day(now)
    heading = {"number": number, "issuer": issuing.issuer, "issued_on": issued_on, "copies_to": issuing.copies_to}
    if req.kind in TITLES:  # the quarterly bulletin, the monthly summary, the annual assessment
        stats = await statistics.report(
            session, tenant, req.period, as_of=now, names=names, bottom=issuing.admonition_bottom
        )
        lines = await report_content.escalations(session, tenant, req.period, names)
        return bulletin(stats, lines, addressee=issuing.bulletin_addressee, kind=req.kind, **heading)
    rows = await report_content.selected_matters(session, tenant, req.selection, now, issuing.special_report_limit)
    matters = await report_content.matter_lines(session, rows, now, names)
    return special_report(
        matters, topic=req.topic, as_of=issued_on, addressee=issuing.special_report_addressee, **heading
    )


async def publish(
    unit_of_work: Callable,
    read: Callable,
    tenant: str,
    req: Request,
    *,
    idempotency_key: str | None,
    published_by: str | None,
    names: dict[str, str],
    issuing: Issuing,
) -> tuple[dict, bool]:
    """(the report's stored row, True when published now; False when an earlier request published it)."""
    key: str | None = None
    try:
        async with unit_of_work() as uow:
            key = f"key:{idempotency_key}" if idempotency_key else req.natural_key(local_day(uow.now()))
            return await publish_in(uow, tenant, req, key=key, published_by=published_by, names=names, issuing=issuing)
    except IntegrityError:
        # a concurrent request with the same key committed first (PostgreSQL); ours rolled back, number included
        async with read() as session:
            existing = await find(session, tenant, key)
        if existing is None or key is None:
            raise
        return _same(existing, req), False


async def publish_in(
    uow, tenant: str, req: Request, *, key: str, published_by: str | None, names: dict[str, str], issuing: Issuing
) -> tuple[dict, bool]:
    """Publishing inside the caller's unit of work (a sign-off step that issues a draft): the next
    number, the document, both files, the ``reports`` row and ``report.published``."""
    now = uow.now()
    issued_on = local_day(now)
    if (existing := await find(uow.session, tenant, key)) is not None:
        return _same(existing, req), False
    value = await sequences.next_value(uow.session, sequence_rows, tenant, issued_on.year, req.kind)
    number = sequences.format_number(KIND_WORD[req.kind], issued_on.year, value)
    doc = await _document(uow.session, tenant, req, number, now, names, issuing)
    common = doc.document(Office(issuing.issuer, issuing.contact, issuing.phone))
    docx, pdf = render_docx(common, issuing.docx_template), pdf_render.render(common)
    report_id = str(uuid.uuid4())
    period = _period(req, issued_on)
    hashes = {"docx": hashlib.sha256(docx).hexdigest(), "pdf": hashlib.sha256(pdf).hexdigest()}
    row = dict(
        report_id=report_id,
        tenant=tenant,
        kind=req.kind,
        year=issued_on.year,
        seq=value,
        report_no=number,
        title=doc.title,
        period=period,
        subject=req.subject,
        dedup_key=key,
        fingerprint=req.fingerprint(),
        issuer=doc.issuer,
        issued_on=issued_on,
        published_at=now,
        published_by=published_by,
        event_id=None,
        docx_sha256=hashes["docx"],
        pdf_sha256=hashes["pdf"],
        docx=docx,
        pdf=pdf,
    )
    row["event_id"] = await _emit_published(uow, tenant, row, hashes)
    await uow.session.execute(reports.insert(), row)
    return row, True


async def _emit_published(uow, tenant: str, row: dict, hashes: dict[str, str]) -> str:
    """Publish ``report.published`` for the report in ``row``; returns the event's id."""
    envelope = await uow.emit(
        tenant,
        ev.REPORT_PUBLISHED,
        ev.ReportPublished(
            report_id=row["report_id"],
            kind=row["kind"],
            report_no=row["report_no"],
            title=row["title"],
            period=row["period"],
            document={**document_links(tenant, row["report_id"]), "sha256": hashes},
            published_at=row["published_at"],
            published_by=row["published_by"],
        ),
    )
    return envelope.id


def _same(existing: dict, req: Request) -> dict:
    if existing["fingerprint"] != req.fingerprint():
        raise ReportRefused(
            f"该幂等键已用于另一份报告（{existing['report_no']}），请求内容不同；重新发布请使用新的 Idempotency-Key",
            409,
        )
    return existing


def _period(req: Request, issued_on: date) -> dict:
    if req.period is not None:
        return {"label": req.period.label, "from": req.period.start.isoformat(), "to": req.period.end.isoformat()}
    return {"label": f"截至{chinese_date(issued_on)}", "to": issued_on.isoformat()}


async def listing(
    session, tenant: str, *, kind: str | None, year: int | None, limit: int, offset: int
) -> tuple[int, list[dict]]:
    query = narrowed(
        select(*METADATA).where(reports.c.tenant == tenant), ((reports.c.kind, kind), (reports.c.year, year))
    )
    order = (reports.c.published_at.desc(), reports.c.kind, reports.c.seq.desc())
    total, rows = await counted_page(session, query, order, limit, offset)
    return total, [describe(row) for row in rows]


async def one(session, tenant: str, report_id: str) -> dict | None:
    row = (
        (await session.execute(select(*METADATA).where(reports.c.tenant == tenant, reports.c.report_id == report_id)))
        .mappings()
        .first()
    )
    return describe(dict(row)) if row else None


async def file(session, tenant: str, report_id: str, fmt: str) -> tuple[dict, bytes] | None:
    cols = [reports.c.report_no, reports.c.title, reports.c.kind, reports.c.year, reports.c.seq, reports.c[fmt]]
    row = (
        (await session.execute(select(*cols).where(reports.c.tenant == tenant, reports.c.report_id == report_id)))
        .mappings()
        .first()
    )
    return (dict(row), row[fmt]) if row else None
