"""The ledger as an .xlsx workbook with the columns a supervision office keeps. Personal data is
masked.

XlsxWriter in constant-memory mode: rows go to a temporary file as they are appended, so an
export of 100,000 rows holds one chunk of rows in memory, not the workbook. The caller appends
chunks (from a streamed query) and gets the finished file's path from :meth:`close`."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterable
from datetime import datetime

import xlsxwriter

from duban_common.calendar import TZ, local_day
from duban_common.pii import mask_phone, mask_phones_in_text

from ..domain.model import LIGHT_LABEL, STATUS_LABEL, source_label
from .units import named

HEADERS = (
    "编号",
    "来源",
    "事项名称",
    "牵头单位",
    "协办单位",
    "交办日期",
    "办理时限",
    "办理状态",
    "亮灯",
    "催办次数",
    "办理进度",
    "办结日期",
)
WIDTHS = (22, 36, 40, 24, 24, 12, 12, 10, 8, 10, 10, 12)
LIGHT_FILL = {"red": "#FFC7CE", "yellow": "#FFEB9C", "green": "#C6EFCE"}


def _masked_row(row: dict) -> dict:
    """What may appear in an export: citizens arrive masked; a phone number that was not, and any
    mobile number written in free text, is masked here as well."""
    out = dict(row)
    phone = out.get("citizen_phone")
    if phone and "*" not in phone:
        out["citizen_phone"] = mask_phone(phone)
    for key in ("title", "source", "meeting_title", "external_id"):
        if out.get(key):
            out[key] = mask_phones_in_text(out[key])
    return out


class LedgerWorkbook:
    """督办台账 and 说明 sheets, written row by row to a temporary .xlsx file."""

    def __init__(self, names: dict[str, str], *, tenant: str, as_of: datetime, filters: dict) -> None:
        descriptor, self.path = tempfile.mkstemp(prefix="duban-ledger-", suffix=".xlsx")
        os.close(descriptor)
        self.names, self.tenant, self.as_of, self.filters = names, tenant, as_of, filters
        self.rows = 0
        workbook = self.wb = xlsxwriter.Workbook(self.path, {"constant_memory": True, "tmpdir": tempfile.gettempdir()})
        self.ws = workbook.add_worksheet("督办台账")
        self.about = workbook.add_worksheet("说明")
        self.ws.freeze_panes(1, 0)
        for column, width in enumerate(WIDTHS):
            self.ws.set_column(column, column, width)
        self.wrap = workbook.add_format({"text_wrap": True, "valign": "top"})
        self.day = workbook.add_format({"num_format": "yyyy-mm-dd"})
        self.percent = workbook.add_format({"num_format": "0%"})
        self.fills = {k: workbook.add_format({"bg_color": v, "pattern": 1}) for k, v in LIGHT_FILL.items()}
        bold = workbook.add_format({"bold": True})
        for col, header in enumerate(HEADERS):
            self.ws.write_string(0, col, header, bold)

    def append(self, rows: Iterable[dict]) -> None:
        sheet, names, day = self.ws, self.names, self.day
        for raw in rows:
            row = _masked_row(raw)
            self.rows += 1
            row_number = self.rows
            # empty cells are not written: every cell costs XlsxWriter time
            if row.get("notice_no"):
                sheet.write_string(row_number, 0, row["notice_no"])
            sheet.write_string(row_number, 1, source_label(row), self.wrap)
            if row.get("title"):
                sheet.write_string(row_number, 2, row["title"], self.wrap)
            sheet.write_string(row_number, 3, named(row.get("lead_units") or [row.get("lead_unit")], names))
            if row.get("co_units"):
                sheet.write_string(row_number, 4, named(row["co_units"], names))
            if row.get("assigned_at"):
                sheet.write_datetime(row_number, 5, local_day(row["assigned_at"]), day)
            if row.get("due_on"):
                sheet.write_datetime(row_number, 6, row["due_on"], day)
            sheet.write_string(row_number, 7, STATUS_LABEL.get(row["status"], row["status"]))
            light = row.get("light")
            if light in LIGHT_LABEL:
                sheet.write_string(row_number, 8, LIGHT_LABEL[light], self.fills.get(light))
            sheet.write_number(row_number, 9, row.get("urges") or 0)
            sheet.write_number(row_number, 10, (row.get("progress") or 0) / 100, self.percent)
            if row.get("completed_at"):
                sheet.write_datetime(row_number, 11, local_day(row["completed_at"]), day)

    def close(self) -> str:
        """Write 说明 and finish the file; returns its path (the caller deletes it)."""
        about = self.about
        for row, (label, value) in enumerate(
            (
                ("导出时间", self.as_of.astimezone(TZ).strftime("%Y-%m-%d %H:%M")),
                ("租户", self.tenant),
                ("事项数", self.rows),
                ("筛选条件", "；".join(f"{k}={v}" for k, v in self.filters.items() if v not in (None, "")) or "全部"),
                ("说明", "个人信息已脱敏。"),
            )
        ):
            about.write(row, 0, label)
            about.write(row, 1, value)
        self.wb.close()
        return self.path

    def discard(self) -> None:
        """Give up (the request failed or was cancelled): remove what was written."""
        with contextlib.suppress(Exception):  # the file goes anyway
            self.wb.close()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.path)
