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
        fd, self.path = tempfile.mkstemp(prefix="duban-ledger-", suffix=".xlsx")
        os.close(fd)
        self.names, self.tenant, self.as_of, self.filters = names, tenant, as_of, filters
        self.rows = 0
        wb = self.wb = xlsxwriter.Workbook(self.path, {"constant_memory": True, "tmpdir": tempfile.gettempdir()})
        self.ws = wb.add_worksheet("督办台账")
        self.about = wb.add_worksheet("说明")
        self.ws.freeze_panes(1, 0)
        for i, width in enumerate(WIDTHS):
            self.ws.set_column(i, i, width)
        self.wrap = wb.add_format({"text_wrap": True, "valign": "top"})
        self.day = wb.add_format({"num_format": "yyyy-mm-dd"})
        self.percent = wb.add_format({"num_format": "0%"})
        self.fills = {k: wb.add_format({"bg_color": v, "pattern": 1}) for k, v in LIGHT_FILL.items()}
        bold = wb.add_format({"bold": True})
        for col, header in enumerate(HEADERS):
            self.ws.write_string(0, col, header, bold)

    def append(self, rows: Iterable[dict]) -> None:
        ws, names, day = self.ws, self.names, self.day
        for raw in rows:
            r = _masked_row(raw)
            self.rows += 1
            n = self.rows
            # empty cells are not written: every cell costs XlsxWriter time
            if r.get("notice_no"):
                ws.write_string(n, 0, r["notice_no"])
            ws.write_string(n, 1, source_label(r), self.wrap)
            if r.get("title"):
                ws.write_string(n, 2, r["title"], self.wrap)
            ws.write_string(n, 3, named(r.get("lead_units") or [r.get("lead_unit")], names))
            if r.get("co_units"):
                ws.write_string(n, 4, named(r["co_units"], names))
            if r.get("assigned_at"):
                ws.write_datetime(n, 5, local_day(r["assigned_at"]), day)
            if r.get("due_on"):
                ws.write_datetime(n, 6, r["due_on"], day)
            ws.write_string(n, 7, STATUS_LABEL.get(r["status"], r["status"]))
            light = r.get("light")
            if light in LIGHT_LABEL:
                ws.write_string(n, 8, LIGHT_LABEL[light], self.fills.get(light))
            ws.write_number(n, 9, r.get("urges") or 0)
            ws.write_number(n, 10, (r.get("progress") or 0) / 100, self.percent)
            if r.get("completed_at"):
                ws.write_datetime(n, 11, local_day(r["completed_at"]), day)

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
