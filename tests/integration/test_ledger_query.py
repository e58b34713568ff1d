"""The ledger's orders, pages and counts (ledger_query.py) on SQLite and PostgreSQL, migrated to
head: a matter without a value comes last in either direction, ties go by matter id in the
sort's direction, a page found through the deferred join is that slice of the whole order, and
a unit's own ledger counted on ledger_units alone is the count of its matters."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta, timezone

import pytest

from duban_common import migrations, tenancy
from duban_common.db import Database
from duban_reporting.adapters.orm import ledger, ledger_units, metadata
from duban_reporting.service_layer import ledger_query
from duban_reporting.service_layer.ledger_query import SORTS, LedgerFilter

TENANT = "east"
NOW = datetime(2026, 11, 24, 2, 0, tzinfo=timezone.utc)
YELLOW = date(2026, 11, 27)
T0 = datetime(2026, 11, 2, 1, 0, tzinfo=timezone.utc)


def _rows() -> tuple[list[dict], list[dict]]:
    """Twelve matters: registration and deadline instants with ties and gaps (None), a few units;
    and a matter of another tenant that no query of ``east`` may count."""
    rows, units = [], []
    for i in range(12):
        matter = f"m-{(i * 7) % 12:02d}"  # ids not in registration order
        registered = None if i == 5 else T0 + timedelta(days=i // 3)  # ties of three
        due = None if i % 4 == 0 else T0 + timedelta(days=10 + i % 3)
        rows.append(dict(matter_id=matter, tenant=TENANT, status="completed" if i % 5 == 0 else "assigned", title=f"事项{i % 4}",
                         urges=i % 3, returns=0, extensions=0, progress=(i * 10) % 100, registered_at=registered, due_at=due,
                         due_on=due.date() if due else None, lead_units=[], co_units=[]))
        units.append(dict(matter_id=matter, unit="zjj" if i % 2 else "fgj", role="lead", tenant=TENANT))
        if i % 3 == 0:
            units.append(dict(matter_id=matter, unit="czj", role="co", tenant=TENANT))
    other = dict(rows[0], matter_id="west-1", tenant="west")
    return rows + [other], units + [dict(matter_id="west-1", unit="zjj", role="lead", tenant="west")]


def _expected(rows: list[dict], sort: str) -> list[str]:
    key = sort.lstrip("-")
    col = SORTS[key].key
    present = [r for r in rows if r["tenant"] == TENANT and r[col] is not None]
    missing = [r for r in rows if r["tenant"] == TENANT and r[col] is None]
    by = lambda r: (r[col], r["matter_id"])  # noqa: E731
    present.sort(key=by, reverse=sort.startswith("-"))
    missing.sort(key=lambda r: r["matter_id"], reverse=sort.startswith("-"))
    return [r["matter_id"] for r in present + missing]


async def _check(url: str) -> None:
    db = Database(url)
    try:
        await migrations.upgrade(db, "reporting", metadata)
        rows, units = _rows()
        with tenancy.scoped(tenancy.ALL):
            async with db.transaction() as s:
                await s.execute(ledger.insert(), rows)
                await s.execute(ledger_units.insert(), units)
        with tenancy.scoped(TENANT):
            async with db.read() as s:
                for sort in ("registered_at", "-registered_at", "due_on", "-due_on", "urges", "-urges", "title", "-title"):
                    f = LedgerFilter(sort=sort)
                    whole, count = ledger_query.query(TENANT, f, NOW, YELLOW)
                    want = _expected(rows, sort)
                    assert list((await s.execute(whole.with_only_columns(ledger.c.matter_id))).scalars()) == want, sort
                    paged = []
                    for offset in range(0, 14, 5):
                        page = ledger_query.page(TENANT, f, NOW, YELLOW, 5, offset)
                        paged += [r.matter_id for r in (await s.execute(page)).all()]
                    assert paged == want, sort
                    assert (await s.execute(count)).scalar_one() == 12
                for unit, sort in (("czj", "-registered_at"), ("zjj", "due_on")):
                    members = {u["matter_id"] for u in units if u["unit"] == unit and u["tenant"] == TENANT}
                    alone = ledger_query.count(TENANT, LedgerFilter(unit=unit, sort=sort), NOW, YELLOW)
                    assert "ledger_units" in str(alone) and " ledger " not in f" {alone} ".replace("\n", " ")
                    assert (await s.execute(alone)).scalar_one() == len(members)
                    page = ledger_query.page(TENANT, LedgerFilter(unit=unit, sort=sort), NOW, YELLOW, 50, 0)
                    assert [r.matter_id for r in (await s.execute(page)).all()] == [m for m in _expected(rows, sort) if m in members]
                zjj = {u["matter_id"] for u in units if u["unit"] == "zjj" and u["tenant"] == TENANT}
                with_status = ledger_query.count(TENANT, LedgerFilter(unit="zjj", status="assigned"), NOW, YELLOW)
                assert (await s.execute(with_status)).scalar_one() == sum(
                    1 for r in rows if r["tenant"] == TENANT and r["status"] == "assigned" and r["matter_id"] in zjj)
    finally:
        await db.dispose()


def test_orders_pages_and_counts(either_db_url):
    asyncio.run(_check(either_db_url))
