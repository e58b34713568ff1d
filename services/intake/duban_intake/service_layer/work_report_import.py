"""Bulk import of the year's work report breakdown: row by row, through the same intake rules."""

from __future__ import annotations

from datetime import date

from duban_common.envelope import Envelope
from duban_common.outbox import UnitOfWork

from ..adapters.protect import Protector
from ..adapters.xlsx import cell_date, read_rows
from ..domain.work_report import SOURCE, RowOutcome, external_id, to_data
from . import handlers


async def import_sheet(
    uow: UnitOfWork,
    protector: Protector,
    tenant: str,
    year: int,
    content: bytes,
    lookup: dict[str, str],
    congress_closed_on: date | None = None,
) -> list[RowOutcome]:
    outcomes: list[RowOutcome] = []
    seen: dict[str, int] = {}
    for row_no, values in read_rows(content):
        values = {**values, "due_on": cell_date(values.get("due_on"))}
        data, reasons = to_data(year, values, lookup, congress_closed_on)
        if data is None:
            outcomes.append(RowOutcome(row_no, "refused", reasons, title=str(values.get("task") or "")[:80] or None))
            continue
        ext = external_id(year, data.get("section"), data["content"])
        if ext in seen:
            outcomes.append(RowOutcome(row_no, "refused", [f"与第 {seen[ext]} 行任务重复"], title=data["title"][:80]))
            continue
        seen[ext] = row_no
        env = Envelope(
            specversion="1.0",
            id=ext,
            source=SOURCE,
            type="duban.submission.work_report_task.v1",
            time=uow.now(),
            tenant=tenant,
            data=data,
        )
        try:
            result = await handlers.accept(uow, env, protector, channel="import")
        except handlers.InvalidSubmission as error:
            outcomes.append(RowOutcome(row_no, "refused", [str(error)], title=data["title"][:80]))
            continue
        outcomes.append(
            RowOutcome(
                row_no,
                "duplicate" if result.duplicate else "imported",
                [],
                result.submission_id,
                result.status,
                result.matter_ids,
                data["title"][:80],
            )
        )
    return outcomes
