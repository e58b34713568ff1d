"""Reporting periods: a month, a quarter, a year or a custom span of days. Pure: no I/O."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from duban_common.calendar import at_local

_QUARTER_NAMES = {1: "一", 2: "二", 3: "三", 4: "四"}


class PeriodError(ValueError):
    """The period given cannot be understood; the message says what is expected."""


@dataclass(frozen=True)
class Period:
    start: date  # first day, Asia/Shanghai
    end: date  # last day, inclusive
    label: str  # as the office writes it: 2026年第四季度

    @property
    def starts_at(self) -> datetime:
        return at_local(self.start, time())

    @property
    def ends_before(self) -> datetime:
        """The first instant after the period (exclusive bound)."""
        return at_local(self.end + timedelta(days=1), time())

    def as_dict(self) -> dict:
        return {"from": self.start, "to": self.end, "label": self.label}


def month(year: int, month_number: int) -> Period:
    nxt = date(year + (month_number == 12), month_number % 12 + 1, 1)
    return Period(date(year, month_number, 1), nxt - timedelta(days=1), f"{year}年{month_number}月")


def quarter(year: int, quarter_number: int) -> Period:
    first, last = month(year, 3 * quarter_number - 2), month(year, 3 * quarter_number)
    return Period(first.start, last.end, f"{year}年第{_QUARTER_NAMES[quarter_number]}季度")


def year(year_number: int) -> Period:
    return Period(date(year_number, 1, 1), date(year_number, 12, 31), f"{year_number}年")


def quarter_of(day: date) -> Period:
    return quarter(day.year, (day.month - 1) // 3 + 1)


def parse(
    period: str | None, from_: date | None = None, to: date | None = None, *, today: date | None = None
) -> Period:
    """``2026``, ``2026-11``, ``2026-Q4``, or ``from``/``to`` (both inclusive). Without any:
    the quarter of ``today``."""
    if period and (from_ or to):
        raise PeriodError("period 与 from/to 只能任选其一")
    if period:
        period_text = period.strip().upper()
        if match := re.fullmatch(r"(\d{4})", period_text):
            return year(int(match[1]))
        if match := re.fullmatch(r"(\d{4})-(\d{1,2})", period_text):
            if 1 <= int(match[2]) <= 12:
                return month(int(match[1]), int(match[2]))
        if match := re.fullmatch(r"(\d{4})-Q([1-4])", period_text):
            return quarter(int(match[1]), int(match[2]))
        raise PeriodError(f"无法识别的统计期间 {period!r}：应为 2026、2026-11 或 2026-Q4")
    if from_ or to:
        if not (from_ and to):
            raise PeriodError("自定义期间须同时给出 from 和 to")
        if to < from_:
            raise PeriodError("to 不能早于 from")
        if (to - from_).days > 366 * 5:
            raise PeriodError("自定义期间不能超过五年")
        return Period(from_, to, f"{from_.isoformat()}至{to.isoformat()}")
    if today is None:
        raise PeriodError("未给出统计期间")
    return quarter_of(today)
