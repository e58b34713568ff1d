"""When a notification may go out: no SMS at night or on holidays (DESIGN.md §9). Pure."""

from __future__ import annotations

from datetime import datetime, time, timedelta, timezone

from duban_common.calendar import TZ, WorkCalendar, at_local


def send_at(
    channel: str, now: datetime, cal: WorkCalendar, *, from_hour: int = 8, until_hour: int = 21, morning_hour: int = 9
) -> datetime:
    if channel != "sms":
        return now
    local = now.astimezone(TZ)
    if cal.is_workday(local.date()) and from_hour <= local.hour < until_hour:
        return now
    day = local.date() if cal.is_workday(local.date()) and local.hour < from_hour else local.date() + timedelta(days=1)
    day = cal.roll_forward(day).day
    return at_local(day, time(morning_hour, 0)).astimezone(timezone.utc)


def retry_at(now: datetime, attempts: int) -> datetime:
    return now + timedelta(seconds=min(30 * 2 ** (attempts - 1), 3600))
