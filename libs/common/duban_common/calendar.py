"""The Chinese working-day calendar (DESIGN.md §6).

Known years come from ``chinese-calendar`` (holidays AND swapped working weekends).
A tenant may add local holidays and load a year's schedule as the State Council
publishes it. A year nobody knows yet is computed from what the law fixes in advance
(weekends + statutory holidays, lunar dates included, from the ``holidays`` package)
and every answer that touched such a year is marked *provisional*: never guess quietly.
"""

from __future__ import annotations

import calendar as _stdcal
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import chinese_calendar
import holidays as _holidays

TZ = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True)
class YearSchedule:
    """A year's official schedule: holidays and swapped working weekends (调休上班)."""

    year: int
    holidays: frozenset[date]
    working_weekends: frozenset[date]


@dataclass(frozen=True)
class Span:
    """A computed day and whether any year it crossed had no official schedule."""

    day: date
    provisional: bool


@lru_cache(maxsize=64)
def _statutory(year: int) -> frozenset[date]:
    # Only what the regulation fixes: the package's "(observed)" substitute days are
    # its own guess at a schedule the State Council has not published yet.
    return frozenset(d for d, name in _holidays.China(years=year).items() if "observed" not in name.lower())


@lru_cache(maxsize=64)
def _package_knows(year: int) -> bool:
    try:
        chinese_calendar.is_workday(date(year, 6, 1))
        return True
    except NotImplementedError:
        return False


@lru_cache(maxsize=8192)
def _package_workday(day: date) -> bool:
    # The package validates its argument and searches its tables on every call: a deadline
    # counted in working days asks it about each day of the period, for every task.
    return chinese_calendar.is_workday(day)


@dataclass
class WorkCalendar:
    local_holidays: frozenset[date] = frozenset()
    schedules: dict[int, YearSchedule] = field(default_factory=dict)

    def is_known_year(self, year: int) -> bool:
        return year in self.schedules or _package_knows(year)

    def is_workday(self, day: date) -> bool:
        if day in self.local_holidays:
            return False
        sched = self.schedules.get(day.year)
        if sched is not None:
            if day in sched.working_weekends:
                return True
            return day.weekday() < 5 and day not in sched.holidays
        if _package_knows(day.year):
            return _package_workday(day)
        return day.weekday() < 5 and day not in _statutory(day.year)

    def day_kind(self, day: date) -> str:
        """Why ``day`` is or is not a working day: ``workday``, ``weekend``, ``holiday``,
        ``working_weekend`` (调休上班) or ``local_holiday``."""
        if day in self.local_holidays:
            return "local_holiday"
        weekend = day.weekday() >= 5
        if self.is_workday(day):
            return "working_weekend" if weekend else "workday"
        return "weekend" if weekend and not self._is_listed_holiday(day) else "holiday"

    def _is_listed_holiday(self, day: date) -> bool:
        sched = self.schedules.get(day.year)
        if sched is not None:
            return day in sched.holidays
        if _package_knows(day.year):
            return chinese_calendar.is_holiday(day) and chinese_calendar.get_holiday_detail(day)[1] is not None
        return day in _statutory(day.year)

    def add_workdays(self, start: date, count: int) -> Span:
        """The ``count``-th working day after ``start`` (the start day is not counted)."""
        if count < 0:
            raise ValueError("count must be >= 0")
        day, provisional, left = start, not self.is_known_year(start.year), count
        while left:
            day += timedelta(days=1)
            provisional |= not self.is_known_year(day.year)
            if self.is_workday(day):
                left -= 1
        return Span(day, provisional)

    def subtract_workdays(self, end: date, count: int) -> Span:
        day, provisional, left = end, not self.is_known_year(end.year), count
        while left:
            day -= timedelta(days=1)
            provisional |= not self.is_known_year(day.year)
            if self.is_workday(day):
                left -= 1
        return Span(day, provisional)

    def roll_forward(self, day: date) -> Span:
        """``day`` itself if it is a working day, else the next working day."""
        provisional = not self.is_known_year(day.year)
        while not self.is_workday(day):
            day += timedelta(days=1)
            provisional |= not self.is_known_year(day.year)
        return Span(day, provisional)

    def add_days(self, start: date, days: int) -> Span:
        """Calendar days; a period ending on a non-working day runs to the next working day."""
        return self.roll_forward(start + timedelta(days=days))

    def add_months(self, start: date, months: int) -> Span:
        """Calendar months; a missing day of month takes the month's last day."""
        return self.roll_forward(months_after(start, months))

    def workdays_between(self, start: date, end: date) -> int:
        """Working days after ``start`` up to and including ``end`` (negative if end < start)."""
        if end < start:
            return -self.workdays_between(end, start)
        count, day = 0, start
        while day < end:
            day += timedelta(days=1)
            count += self.is_workday(day)
        return count


def months_after(start: date, months: int) -> date:
    """The same day ``months`` calendar months later; a missing day takes the month's last day."""
    years_on, month_index = divmod(start.month - 1 + months, 12)
    year, month = start.year + years_on, month_index + 1
    return date(year, month, min(start.day, _stdcal.monthrange(year, month)[1]))


def local_day(instant: datetime) -> date:
    return instant.astimezone(TZ).date()


def at_local(day: date, at: time) -> datetime:
    return datetime.combine(day, at, tzinfo=TZ)
