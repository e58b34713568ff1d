"""What the ledger routes answer: a page of the ledger with each matter's light, and the ledger
as an .xlsx workbook, read in one read session each."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import date, datetime

from duban_common.calendar import WorkCalendar
from duban_common.db import Database, plain

from ..adapters.orm import ledger
from ..adapters.xlsx import LedgerWorkbook
from ..domain.model import STATUS_LABEL, light, light_label, yellow_until
from . import ledger_query
from .ledger_query import LedgerFilter

EXPORT_LIMIT = 200_000  # rows in one .xlsx export
EXPORT_CHUNK = 2_000
# what the workbook's columns are made of (a third of the ledger's: a third of the rows' decoding)
EXPORTED = [
    ledger.c[name]
    for name in (
        "notice_no",
        "kind",
        "external_id",
        "title",
        "lead_unit",
        "lead_units",
        "co_units",
        "meeting_title",
        "decision_seq",
        "leader_name",
        "led_by_leader",
        "citizen_name",
        "citizen_phone",
        "status",
        "progress",
        "assigned_at",
        "due_on",
        "due_at",
        "completed_at",
        "urges",
        "matter_id",
    )
]
HIDDEN = ("progress_at", "submitted_lead_unit", "submitted_co_units")


class ExportTooLarge(Exception):
    """More matters match than one export may hold; the message says so in Chinese."""


@dataclass(frozen=True)
class AsOf:
    """The instant the ledger is read at, and the last day a deadline is still yellow on."""

    now: datetime
    yellow_day: date

    @classmethod
    def of(cls, now: datetime, calendar: WorkCalendar, yellow_workdays: int) -> AsOf:
        return cls(now, yellow_until(calendar, now, yellow_workdays))

    def light(self, row) -> str:
        return light(row["status"], row["due_on"], row["due_at"], self.now, self.yellow_day, row.get("yellow_from"))


def _decorated(row, as_of: AsOf) -> dict:
    item = {key: value for key, value in plain(row).items() if key not in HIDDEN}
    item["status_label"] = STATUS_LABEL.get(item["status"], item["status"])
    item["light"] = as_of.light(item)
    item["light_label"] = light_label(item["light"], item["status"])
    return item


async def page(
    db: Database, tenant: str, wanted: LedgerFilter, as_of: AsOf, limit: int, offset: int
) -> tuple[int, list[dict]]:
    """The count of matching matters and one page of them, each with its light."""
    _rows_query, count_query = ledger_query.query(tenant, wanted, as_of.now, as_of.yellow_day)
    async with db.read() as session:
        total = (await session.execute(count_query)).scalar_one()
        rows = (
            (
                await session.execute(
                    ledger_query.page(tenant, wanted, as_of.now, as_of.yellow_day, limit, offset, total)
                )
            )
            .mappings()
            .all()
        )
    return total, [_decorated(row, as_of) for row in rows]


def _filters(wanted: LedgerFilter) -> dict:
    """The filters as the workbook's heading states them."""
    return {
        "status": wanted.status,
        "light": wanted.light,
        "kind": wanted.kind,
        "unit": wanted.unit,
        "leader": wanted.leader,
        "q": wanted.text,
        "period": f"{wanted.date_field}:{wanted.period.label}" if wanted.period else None,
    }


async def _fill(session, book: LedgerWorkbook, rows_query, as_of: AsOf) -> None:
    # Streamed in chunks; the workbook is written in a worker thread so that other
    # requests are served meanwhile.
    result = await session.stream(rows_query.with_only_columns(*EXPORTED).execution_options(yield_per=EXPORT_CHUNK))
    async for part in result.mappings().partitions():
        rows = [{**row, "light": as_of.light(row)} for row in part]
        await asyncio.to_thread(book.append, rows)


async def workbook(db: Database, tenant: str, wanted: LedgerFilter, as_of: AsOf, names: dict[str, str]) -> str:
    """The matching matters as an .xlsx file (the caller deletes it once sent); ExportTooLarge
    when more than EXPORT_LIMIT match."""
    rows_query, count_query = ledger_query.query(tenant, wanted, as_of.now, as_of.yellow_day)
    book = None
    try:
        async with db.read() as session:
            total = (await session.execute(count_query)).scalar_one()
            if total > EXPORT_LIMIT:
                raise ExportTooLarge(f"符合条件的事项有 {total} 项，超过单次导出上限 {EXPORT_LIMIT} 项，请缩小筛选范围")
            book = LedgerWorkbook(names, tenant=tenant, as_of=as_of.now, filters=_filters(wanted))
            await _fill(session, book, rows_query, as_of)
        return await asyncio.to_thread(book.close)
    except BaseException:
        if book is not None:
            book.discard()
        raise
