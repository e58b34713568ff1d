"""Reading the work report breakdown sheet (政府工作报告任务分解) with openpyxl."""

from __future__ import annotations

import io
from datetime import date, datetime

from openpyxl import load_workbook

# Header texts as offices write them → our field names.
HEADERS = {
    "section": ("板块", "部分", "章节", "类别", "section"),
    "task": ("任务", "任务内容", "重点任务", "工作任务", "task"),
    "lead_leader": ("牵头领导", "责任领导", "分管领导", "lead_leader", "lead leader"),
    "lead_unit": ("牵头单位", "责任单位", "主办单位", "lead_unit", "lead unit"),
    "co_units": ("配合单位", "协办单位", "参与单位", "co_units", "co-units"),
    "due_on": ("完成时限", "完成时间", "时限", "due_on", "due date"),
}


class SheetError(ValueError):
    pass


def _field(header: object) -> str | None:
    text = str(header or "").strip().lower()
    for field, names in HEADERS.items():
        if text in names:
            return field
    return None


def read_rows(content: bytes) -> list[tuple[int, dict]]:
    """(row number, {field: cell value}) for every non-empty row under the header row."""
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises several types for "not a workbook"
        raise SheetError(f"not a readable .xlsx workbook: {type(error).__name__}") from None
    sheet = workbook.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header_row, columns = 0, {}
    for row_number, row in enumerate(rows, start=1):
        columns = {i: f for i, f in enumerate(map(_field, row)) if f}
        if "task" in columns.values():
            header_row = row_number
            break
    if not header_row:
        raise SheetError("no header row with a 任务 (task) column found")
    out = []
    for row_number, row in enumerate(rows, start=header_row + 1):
        values = {f: row[i] for i, f in columns.items() if i < len(row)}
        if any(v not in (None, "") for v in values.values()):
            out.append((row_number, values))
    workbook.close()
    return out


def cell_date(value: object) -> date | None | str:
    """A date cell, or the text as written (parsed later, with the year in hand)."""
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return str(value).strip()
