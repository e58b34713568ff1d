"""Rows of the work report breakdown → work_report_task submissions. Pure: no I/O."""

from __future__ import annotations

import calendar
import hashlib
import re
from dataclasses import dataclass, field
from datetime import date

SOURCE = "/import/work-report"
_SPLIT = re.compile(r"[、，,；;/\s]+")
_FULL = re.compile(r"^(\d{4})[-年./](\d{1,2})[-月./](\d{1,2})日?$")
_MONTH_END = re.compile(r"^(\d{1,2})月底前?$")
_YEAR_END = re.compile(r"^(年底前?|年内|年底前完成)$")


@dataclass
class RowOutcome:
    row: int
    status: str  # imported | duplicate | refused
    reasons: list[str] = field(default_factory=list)
    submission_id: str | None = None
    submission_status: str | None = None
    matter_ids: list[str] = field(default_factory=list)
    title: str | None = None


def parse_due(value: date | str | None, year: int) -> date | None:
    """Dates as offices write them: a date cell, 2026-06-30, 2026年6月30日, 6月底, 年底."""
    if value is None or isinstance(value, date):
        return value
    text = value.replace(" ", "")
    if match := _FULL.match(text):
        return date(int(match[1]), int(match[2]), int(match[3]))
    if match := _MONTH_END.match(text):
        month = int(match[1])
        if not 1 <= month <= 12:
            raise ValueError(f"完成时限“{value}”中的月份无效")
        return date(year, month, calendar.monthrange(year, month)[1])
    if _YEAR_END.match(text):
        return date(year, 12, 31)
    raise ValueError(f"完成时限“{value}”无法识别，请填写日期（如 2026-06-30、6月底、年底）")


def split_units(value: object) -> list[str]:
    return [u for u in _SPLIT.split(str(value or "").strip()) if u]


def external_id(year: int, section: str | None, task: str) -> str:
    """Stable identity of a row's task: importing the same sheet again finds it."""
    digest = hashlib.sha256(f"{year}|{section or ''}|{task}".encode()).hexdigest()[:24]
    return f"wr-{year}-{digest}"


def to_data(
    year: int, values: dict, lookup: dict[str, str], congress_closed_on: date | None = None
) -> tuple[dict | None, list[str]]:
    """The submission data for one row, or the reasons it is refused (Chinese, for the office)."""
    reasons: list[str] = []
    task = str(values.get("task") or "").strip()
    if not task:
        reasons.append("缺少任务内容")
    lead_raw = str(values.get("lead_unit") or "").strip()
    lead = None
    if lead_raw:
        lead = lookup.get(lead_raw)
        if lead is None:
            reasons.append(f"牵头单位“{lead_raw}”不在单位名录中")
    co_units = []
    for unit_name in split_units(values.get("co_units")):
        code = lookup.get(unit_name)
        if code is None:
            reasons.append(f"配合单位“{unit_name}”不在单位名录中")
        elif code == lead:
            reasons.append(f"“{unit_name}”既是牵头单位又是配合单位")
        elif code not in co_units:
            co_units.append(code)
    try:
        due = parse_due(values.get("due_on"), year)
        if due is not None and due.year not in (year, year + 1):
            reasons.append(f"完成时限 {due.isoformat()} 不在 {year} 年度")
    except ValueError as error:
        reasons.append(str(error))
        due = None
    if reasons:
        return None, reasons
    section = str(values.get("section") or "").strip() or None
    leader = str(values.get("lead_leader") or "").strip() or None
    data = {
        "year": year,
        "title": task[:500],
        "content": task,
        "section": section,
        "lead_leader": leader,
        "lead_unit": lead,
        "co_units": co_units,
        "due_on": due.isoformat() if due else None,
        "congress_closed_on": congress_closed_on.isoformat() if congress_closed_on else None,
    }
    return {k: v for k, v in data.items() if v is not None}, []
