"""The ledger's filters and sorts, shared by the JSON list, the .xlsx export and the dashboard."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import and_, func, or_, select

from duban_common.calendar import at_local

from ..adapters.orm import ledger, ledger_units
from ..domain.model import OPEN_STATUSES
from ..domain.periods import Period

SORTS = {
    "registered_at": ledger.c.registered_at, "assigned_at": ledger.c.assigned_at, "due_on": ledger.c.due_at,
    "completed_at": ledger.c.completed_at, "title": ledger.c.title, "notice_no": ledger.c.notice_no,
    "lead_unit": ledger.c.lead_unit, "status": ledger.c.status, "progress": ledger.c.progress, "urges": ledger.c.urges,
    "returns": ledger.c.returns,
}
SORT_VALUES = tuple(v for k in SORTS for v in (k, f"-{k}"))
# "due" filters on the instant: the days of a period are the instants from its first local midnight
# to the midnight after its last day, and a deadline instant falls on its due_on day.
DATE_FIELDS = {"registered": ledger.c.registered_at, "assigned": ledger.c.assigned_at, "due": ledger.c.due_at,
               "completed": ledger.c.completed_at}


@dataclass(frozen=True)
class LedgerFilter:
    status: str | None = None
    light: str | None = None
    kind: str | None = None
    unit: str | None = None  # lead unit or co-unit of any of the matter's tasks
    leader: str | None = None  # the instructing leader or the leader leading a proposal
    q: str | None = None  # text in the title, the notice number or the external number
    date_field: str = "registered"
    period: Period | None = None
    sort: str = "registered_at"


def light_condition(light: str, now: datetime, yellow_day: date):
    """The status light in SQL, as :func:`domain.model.light` computes it for one row.

    A deadline instant falls on its local day (``due_at`` is ``due_on`` at the policy's time of
    day), so ``due_on <= yellow_day`` is written ``due_at < the start of the day after``: one
    range on the (tenant, status, due_at, due_on) index instead of a scan."""
    open_ = ledger.c.status.in_(OPEN_STATUSES)
    after_yellow = at_local(yellow_day + timedelta(days=1), time())
    if light == "red":
        return and_(ledger.c.due_at.is_not(None), open_, ledger.c.due_at < now)
    if light == "yellow":
        return and_(open_, ledger.c.due_at >= now, ledger.c.due_at < after_yellow)
    if light == "green":
        return and_(ledger.c.due_at.is_not(None), or_(ledger.c.status == "completed", ledger.c.due_at >= after_yellow))
    return ledger.c.due_at.is_(None)  # "none": no deadline yet


def conditions(tenant: str, f: LedgerFilter, now: datetime, yellow_day: date) -> list:
    cond = [ledger.c.tenant == tenant]
    if f.status:
        cond.append(ledger.c.status == f.status)
    if f.kind:
        cond.append(ledger.c.kind == f.kind)
    if f.unit:
        units = select(ledger_units.c.matter_id).where(ledger_units.c.tenant == tenant, ledger_units.c.unit == f.unit)
        cond.append(ledger.c.matter_id.in_(units))
    if f.leader:
        cond.append(or_(ledger.c.leader_name.contains(f.leader, autoescape=True), ledger.c.led_by_leader.contains(f.leader, autoescape=True)))
    if f.q:
        cond.append(or_(*(c.contains(f.q, autoescape=True) for c in (ledger.c.title, ledger.c.notice_no, ledger.c.external_id))))
    if f.light:
        cond.append(light_condition(f.light, now, yellow_day))
    if f.period:
        col = DATE_FIELDS[f.date_field]
        start, end = at_local(f.period.start, time()), at_local(f.period.end + timedelta(days=1), time())
        cond.append(and_(col >= start, col < end))
    return cond


def query(tenant: str, f: LedgerFilter, now: datetime, yellow_day: date):
    """(rows query without paging, count query)."""
    base = select(ledger).where(*conditions(tenant, f, now, yellow_day))
    col = SORTS[f.sort.lstrip("-")]
    order = col.desc() if f.sort.startswith("-") else col.asc()
    rows = base.order_by(order.nulls_last(), ledger.c.matter_id)
    count = select(func.count()).select_from(ledger).where(*conditions(tenant, f, now, yellow_day))
    return rows, count
