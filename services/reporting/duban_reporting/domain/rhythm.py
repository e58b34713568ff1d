"""The reporting rhythm (月督查、季通报、年终考核): at the end of each month, quarter and year the
office's monthly supervision summary, quarterly bulletin and annual assessment are drafted.
Which periods are due, and where a tenant's rhythm starts. Pure: no I/O."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta

from duban_common.calendar import local_day

from . import periods
from .periods import Period

MONTHLY, QUARTERLY, ANNUAL = "monthly_summary", "quarterly_bulletin", "annual_assessment"
KINDS = (MONTHLY, QUARTERLY, ANNUAL)
KIND_LABEL = {MONTHLY: "月度督查汇总", QUARTERLY: "季度督查通报", ANNUAL: "年终考核"}

_PERIOD_OF: dict[str, Callable[[date], Period]] = {
    MONTHLY: lambda day: periods.month(day.year, day.month),
    QUARTERLY: periods.quarter_of,
    ANNUAL: lambda day: periods.year(day.year),
}


def period_of(kind: str, day: date) -> Period:
    """The month, quarter or year (as ``kind`` is drafted) that holds ``day``."""
    return _PERIOD_OF[kind](day)


def following(kind: str, period: Period) -> Period:
    return period_of(kind, period.end + timedelta(days=1))


def preceding(kind: str, period: Period) -> Period:
    return period_of(kind, period.start - timedelta(days=1))


def first_period(kind: str, first_activity: datetime | None, as_of: datetime) -> Period:
    """Where a tenant's rhythm starts when reporting first sees the tenant: the period of its first
    matter, but never earlier than the period before the one ``as_of`` falls in (a tenant seen
    for the first time after years of work is not sent years of drafts at once)."""
    current = period_of(kind, local_day(as_of))
    floor = preceding(kind, current)
    if first_activity is None:
        return current
    own = period_of(kind, local_day(first_activity))
    return max(own, floor, key=lambda period: period.start)


def ended(kind: str, start: date, now: datetime) -> list[Period]:
    """The periods from the one starting on ``start`` that have ended by ``now``, oldest first."""
    out: list[Period] = []
    period = period_of(kind, start)
    while period.ends_before <= now:
        out.append(period)
        period = following(kind, period)
    return out
