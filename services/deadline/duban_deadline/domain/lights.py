"""Status lights (红黄绿灯). Pure.

green: on track; yellow: inside the yellow window (by default the reminder window, N
working days before the due day); red: the due instant has passed. A task whose
completion was submitted or accepted is green. The window is a tenant setting.
"""

from __future__ import annotations

from datetime import date, datetime

from duban_common.calendar import WorkCalendar, local_day

DONE = ("completion_submitted", "completed")


def light(cal: WorkCalendar, status: str, due_on: date, due_at: datetime, now: datetime, yellow_workdays: int) -> str:
    if status in DONE:
        return "green"
    if now >= due_at:
        return "red"
    if local_day(now) >= cal.subtract_workdays(due_on, yellow_workdays).day:
        return "yellow"
    return "green"
