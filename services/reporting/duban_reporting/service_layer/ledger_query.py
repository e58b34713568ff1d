"""The ledger's filters and sorts, shared by the JSON list, the .xlsx export and the dashboard."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta

from sqlalchemy import ColumnElement, and_, func, not_, or_, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.visitors import InternalTraversal

from duban_common.calendar import at_local

from ..adapters import ledger_search
from ..adapters.orm import ledger, ledger_units
from ..domain.model import OPEN_STATUSES
from ..domain.periods import Period

OPEN = "open"  # every status but completed: what is still being worked on (a unit's 我的待办)
SORTS = {
    "registered_at": ledger.c.registered_at,
    "assigned_at": ledger.c.assigned_at,
    "due_on": ledger.c.due_at,
    "completed_at": ledger.c.completed_at,
    "title": ledger.c.title,
    "notice_no": ledger.c.notice_no,
    "lead_unit": ledger.c.lead_unit,
    "status": ledger.c.status,
    "progress": ledger.c.progress,
    "urges": ledger.c.urges,
    "returns": ledger.c.returns,
}
SORT_VALUES = tuple(v for k in SORTS for v in (k, f"-{k}"))
# "due" filters on the instant: the days of a period are the instants from its first local midnight
# to the midnight after its last day, and a deadline instant falls on its due_on day.
DATE_FIELDS = {
    "registered": ledger.c.registered_at,
    "assigned": ledger.c.assigned_at,
    "due": ledger.c.due_at,
    "completed": ledger.c.completed_at,
}


@dataclass(frozen=True)
class LedgerFilter:
    status: str | None = None
    light: str | None = None
    kind: str | None = None
    unit: str | None = None  # lead unit or co-unit of any of the matter's tasks
    leader: str | None = None  # the instructing leader or the leader leading a proposal
    text: str | None = None  # in the title, the notice number or the external number
    date_field: str = "registered"
    period: Period | None = None
    sort: str = "registered_at"


def light_condition(light: str, now: datetime, yellow_day: date):
    """The status light in SQL, as :func:`domain.model.light` computes it for one row.

    A deadline instant falls on its local day (``due_at`` is ``due_on`` at the policy's time of
    day), so ``due_on <= yellow_day`` is written ``due_at < the start of the day after``: one
    range on the (tenant, status, due_at, due_on[, matter_id]) index instead of a scan. Where the
    deadline service announced ``yellow_from`` (the tenant's own yellow window), that decides."""
    open_ = ledger.c.status.in_(OPEN_STATUSES)
    after_yellow = at_local(yellow_day + timedelta(days=1), time())
    # yellow from the instant the deadline service announced; by the service's setting for a deadline announced before it did
    near = or_(
        and_(ledger.c.yellow_from.is_not(None), ledger.c.yellow_from <= now),
        and_(ledger.c.yellow_from.is_(None), ledger.c.due_at < after_yellow),
    )  # never NULL: its negation is the green light
    if light == "red":
        return and_(ledger.c.due_at.is_not(None), open_, ledger.c.due_at < now)
    if light == "yellow":
        return and_(open_, ledger.c.due_at >= now, near)
    if light == "green":
        return and_(
            ledger.c.due_at.is_not(None), or_(ledger.c.status == "completed", and_(ledger.c.due_at >= now, not_(near)))
        )
    return ledger.c.due_at.is_(None)  # "none": no deadline yet


def conditions(tenant: str, wanted: LedgerFilter, now: datetime, yellow_day: date, walk: bool = False) -> list:
    """``wanted``'s conditions; ``walk``: how a text search is asked (:func:`text_search`)."""
    cond = [ledger.c.tenant == tenant]
    if wanted.status == OPEN:
        cond.append(ledger.c.status.in_(OPEN_STATUSES))
    elif wanted.status:
        cond.append(ledger.c.status == wanted.status)
    if wanted.kind:
        cond.append(ledger.c.kind == wanted.kind)
    if wanted.unit:
        # EXISTS, not IN: SQLite then walks the order's index and looks each matter up in
        # ledger_units' key until the page is full, instead of reading all the unit's matters
        # and sorting them (bench/ledger.py: a unit's ledger, newest first).
        # PostgreSQL plans both as the same semi-join.
        unit_columns = ledger_units.c
        cond.append(
            select(unit_columns.matter_id)
            .where(
                unit_columns.matter_id == ledger.c.matter_id,
                unit_columns.tenant == tenant,
                unit_columns.unit == wanted.unit,
            )
            .exists()
        )
    if wanted.leader:
        cond.append(
            or_(
                ledger.c.leader_name.contains(wanted.leader, autoescape=True),
                ledger.c.led_by_leader.contains(wanted.leader, autoescape=True),
            )
        )
    if wanted.text:
        cond.append(text_search(wanted.text, walk))
    if wanted.light:
        cond.append(light_condition(wanted.light, now, yellow_day))
    if wanted.period:
        col = DATE_FIELDS[wanted.date_field]
        start, end = at_local(wanted.period.start, time()), at_local(wanted.period.end + timedelta(days=1), time())
        cond.append(and_(col >= start, col < end))
    return cond


def searchable(text: str) -> bool:
    """Whether SQLite's search table answers ``text`` (else the LIKE scans, as on PostgreSQL)."""
    return len(text) >= ledger_search.MIN_CHARS and ledger_search.SENTINEL not in text


def text_search(text: str, walk: bool = False) -> ColumnElement[bool]:
    """``text`` anywhere in the title, the notice number or the external number.

    On SQLite, the matters whose FTS5 trigram row holds ``text`` (adapters/ledger_search.py);
    PostgreSQL's trigram indexes answer the LIKE. ``walk`` asks each ledger row, by its search
    key, whether it is among the matches, for a page read along the order's index
    (:func:`page`); without it SQLite starts from the matches and looks each up in the ledger."""
    like = or_(*(c.contains(text, autoescape=True) for c in (ledger.c.title, ledger.c.notice_no, ledger.c.external_id)))
    if not searchable(text):
        return like
    key_columns = ledger_search.keys.c
    matches = ledger_search.matching_rows(text).columns(key_columns.id)
    if walk:
        match = select(key_columns.id).where(key_columns.matter_id == ledger.c.matter_id).scalar_subquery().in_(matches)
    else:
        match = ledger.c.matter_id.in_(select(key_columns.matter_id).where(key_columns.id.in_(matches)))
    return _PerDialect(like.self_group(), match)  # the OR in parentheses among the ANDs


class _PerDialect(ColumnElement):
    """One expression written for each database: ``sqlite`` there, ``default`` elsewhere."""

    inherit_cache = True
    _is_implicitly_boolean = True  # a condition as it is, not "... = 1" on SQLite
    _traverse_internals = [
        ("default", InternalTraversal.dp_clauseelement),
        ("sqlite", InternalTraversal.dp_clauseelement),
    ]

    def __init__(self, default: ColumnElement, sqlite: ColumnElement) -> None:
        self.default, self.sqlite, self.type = default, sqlite, default.type


@compiles(_PerDialect)
def _per_dialect(element: _PerDialect, compiler, **options) -> str:
    return compiler.process(element.default, **options)


@compiles(_PerDialect, "sqlite")
def _per_dialect_sqlite(element: _PerDialect, compiler, **options) -> str:
    return compiler.process(element.sqlite, **options)


class _Unindexed(ColumnElement):
    """A column as SQLite's unary plus gives it: the same value, which no index is read for."""

    inherit_cache = True
    _traverse_internals = [("column", InternalTraversal.dp_clauseelement)]

    def __init__(self, column: ColumnElement) -> None:
        self.column, self.type = column, column.type


@compiles(_Unindexed)
def _unindexed(element: _Unindexed, compiler, **options) -> str:
    return "+" + compiler.process(element.column, **options)


def order_by(sort: str, from_matches: bool = False) -> tuple:
    """``sort``'s column, rows without a value last in either direction, then the matter id in
    the same direction: a total order an index can give as it is. PostgreSQL files NULLs after
    every value, so a descending order with NULLs last has its own indexes there (orm.py).
    ``from_matches``: SQLite may not walk the order's index (the matches are found first, then
    sorted)."""
    col, tie = SORTS[sort.lstrip("-")], ledger.c.matter_id
    nullable = col.nullable
    if from_matches:
        col, tie = _PerDialect(col, _Unindexed(col)), _PerDialect(tie, _Unindexed(tie))
    first = (col.desc(), tie.desc()) if sort.startswith("-") else (col.asc(), tie.asc())
    return (first[0].nulls_last() if nullable else first[0], first[1])


def query(tenant: str, wanted: LedgerFilter, now: datetime, yellow_day: date):
    """(rows query without paging, count query)."""
    rows = select(ledger).where(*conditions(tenant, wanted, now, yellow_day)).order_by(*order_by(wanted.sort))
    return rows, count(tenant, wanted, now, yellow_day)


def count(tenant: str, wanted: LedgerFilter, now: datetime, yellow_day: date):
    """How many matters ``wanted`` selects.

    - A unit's own ledger (the unit and nothing else) is counted on ledger_units' index alone
      (bench/ledger.py).
      A matter's units are distinct (matter_view.derived: a lead unit is never also a co-unit),
      each with one row, whose ledger row exists.
    - A text search and nothing else is counted on SQLite from the search rows and their keys
      (ledger_search.count).
    - A unit's matters of a status (a unit handler's open matters, the office's ledger by unit
      and status) are counted from the unit's rows in ledger_units, each matter's status read
      from ledger's (matter_id, status) index, instead of asking ledger_units about every matter
      of the status."""
    alone = replace(wanted, sort="registered_at", date_field="registered")
    unit_columns = ledger_units.c
    if wanted.unit and replace(alone, unit=None) == LedgerFilter():
        return (
            select(func.count())
            .select_from(ledger_units)
            .where(unit_columns.tenant == tenant, unit_columns.unit == wanted.unit)
        )
    if wanted.unit and wanted.status and replace(alone, unit=None, status=None) == LedgerFilter():
        # "|| ''": one probe of the index per matter, not one per open status
        status = ledger.c.status.concat("")
        has_status = status.in_(OPEN_STATUSES) if wanted.status == OPEN else status == wanted.status
        return (
            select(func.count())
            .select_from(ledger_units.join(ledger, ledger.c.matter_id == unit_columns.matter_id))
            .where(
                unit_columns.tenant == tenant, unit_columns.unit == wanted.unit, ledger.c.tenant == tenant, has_status
            )
        )
    through_ledger = select(func.count()).select_from(ledger).where(*conditions(tenant, wanted, now, yellow_day))
    if wanted.text and searchable(wanted.text) and replace(alone, text=None) == LedgerFilter():
        return select(
            _PerDialect(through_ledger.scalar_subquery(), ledger_search.count(tenant, wanted.text).scalar_subquery())
        )
    return through_ledger


# A page of a text search on SQLite is found one of two ways (text_search). Walking the order's
# index and asking each row costs about (offset + limit) * rows / total rows walked; starting
# from the matches costs about total lookups in the ledger and a sort, each about twice a walked
# row (bench/ledger.py, at a million matters). The walk is taken when it is cheaper for a tenant
# of WALK_ROWS matters: for a smaller tenant it is cheaper still, and the other way's cost is
# bounded by the matches themselves.
# Only orders that an index gives whole, matter id included, are walked (orm.py): in any
# other order SQLite would ask every row of the tenant and then sort them.
WALK_ROWS = 1_000_000
WALKED_SORTS = frozenset({"registered_at", "due_on", "urges"})


def walks(wanted: LedgerFilter, total: int, limit: int, offset: int) -> bool:
    return wanted.sort.lstrip("-") in WALKED_SORTS and (offset + limit) * WALK_ROWS < 2 * total * total


def page(
    tenant: str,
    wanted: LedgerFilter,
    now: datetime,
    yellow_day: date,
    limit: int,
    offset: int,
    total: int | None = None,
):
    """One page of the ledger. The page's matter ids are found first and only their rows read
    (a deferred join): skipping 100,000 rows then reads 100,000 index entries, not 100,000
    ledger rows. ``total``, the count of
    ``wanted`` when known, chooses how a text search is found on SQLite (:func:`walks`)."""
    order = order_by(wanted.sort)
    walk = total is not None and walks(wanted, total, limit, offset)
    # a red or yellow light's few matches are found on the lights' index and sorted, rather than
    # the order's index walked, each row read, until the page is full
    few_lit = wanted.light in ("red", "yellow") and total is not None and not walk
    ids = (
        select(ledger.c.matter_id)
        .where(*conditions(tenant, wanted, now, yellow_day, bool(wanted.text) and walk))
        .order_by(*order_by(wanted.sort, few_lit))
        .limit(limit)
        .offset(offset)
    )
    return select(ledger).where(ledger.c.matter_id.in_(ids)).order_by(*order)
