"""The ledger as an .xlsx workbook with the columns a supervision office keeps (openpyxl,
write-only mode: 10,000 rows stay fast and small). Personal data is masked."""

from __future__ import annotations

import io
from datetime import datetime

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill

from duban_common.calendar import TZ, local_day
from duban_common.pii import mask_phone, mask_phones_in_text

from ..domain.model import LIGHT_LABEL, STATUS_LABEL, source_label
from .units import named

HEADERS = ("编号", "来源", "事项名称", "牵头单位", "协办单位", "交办日期", "办理时限", "办理状态", "亮灯", "催办次数", "办理进度", "办结日期")
WIDTHS = (22, 36, 40, 24, 24, 12, 12, 10, 8, 10, 10, 12)
LIGHT_FILL = {"red": "FFC7CE", "yellow": "FFEB9C", "green": "C6EFCE"}


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


def _day(instant: datetime | None):
    return local_day(instant) if instant else None


def ledger_workbook(rows: list[dict], names: dict[str, str], *, tenant: str, as_of: datetime, filters: dict) -> bytes:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("督办台账")
    ws.freeze_panes = "A2"
    for i, width in enumerate(WIDTHS):
        ws.column_dimensions[chr(ord("A") + i)].width = width
    bold, wrap = Font(bold=True), Alignment(wrap_text=True, vertical="top")
    fills = {k: PatternFill("solid", start_color=v, end_color=v) for k, v in LIGHT_FILL.items()}

    def cell(value, *, fill: str | None = None, fmt: str | None = None, header: bool = False, wrapped: bool = False):
        # Only cells that need a style get one (dates get theirs from openpyxl): styling every
        # cell triples the time of a large export.
        if value is None or not (fill or fmt or header or wrapped):
            return value
        c = WriteOnlyCell(ws, value=value)
        if header:
            c.font = bold
        if fill:
            c.fill = fills[fill]
        if fmt:
            c.number_format = fmt
        if wrapped:
            c.alignment = wrap
        return c

    ws.append([cell(h, header=True) for h in HEADERS])
    for raw in rows:
        r = _masked_row(raw)
        light = r.get("light")
        ws.append([
            r.get("notice_no") or "", cell(source_label(r), wrapped=True), cell(r.get("title") or "", wrapped=True),
            named(r.get("lead_units") or [r.get("lead_unit")], names), named(r.get("co_units"), names),
            _day(r.get("assigned_at")), r.get("due_on"), STATUS_LABEL.get(r["status"], r["status"]),
            cell(LIGHT_LABEL.get(light, ""), fill=light if light in fills else None),
            r.get("urges") or 0, cell((r.get("progress") or 0) / 100, fmt="0%"), _day(r.get("completed_at")),
        ])
    about = wb.create_sheet("说明")
    about.append(["导出时间", as_of.astimezone(TZ).strftime("%Y-%m-%d %H:%M")])
    about.append(["租户", tenant])
    about.append(["事项数", len(rows)])
    about.append(["筛选条件", "；".join(f"{k}={v}" for k, v in filters.items() if v not in (None, "")) or "全部"])
    about.append(["说明", "个人信息已脱敏。"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
