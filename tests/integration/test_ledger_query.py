"""The ledger's orders, pages and counts (ledger_query.py) on SQLite and PostgreSQL, migrated to
head: a matter without a value comes last in either direction, ties go by matter id in the
sort's direction, a page found through the deferred join is that slice of the whole order, and
a unit's own ledger counted on ledger_units alone is the count of its matters; text search
finds what LIKE finds, through SQLite's FTS5 table for two characters or more."""

from __future__ import annotations

import asyncio
import re
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone

from alembic import command
from sqlalchemy import func, or_, select, text

from duban_common import migrations, tenancy
from duban_common.db import Database
from duban_reporting.adapters import ledger_search
from duban_reporting.adapters.orm import ledger, ledger_units, metadata
from duban_reporting.service_layer import ledger_query
from duban_reporting.service_layer.ledger_query import SORTS, LedgerFilter
from ledger_support import ledger_row

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
        status = "completed" if i % 5 == 0 else "assigned"
        deadline = {"due_at": due, "due_on": due.date() if due else None}
        row = ledger_row(matter, TENANT, registered, status=status, title=f"事项{i % 4}", **deadline)
        rows.append({**row, "urges": i % 3, "progress": (i * 10) % 100})
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
                await ledger_search.catch_up(s)
        with tenancy.scoped(TENANT):
            async with db.read() as s:
                for sort in (
                    "registered_at",
                    "-registered_at",
                    "due_on",
                    "-due_on",
                    "urges",
                    "-urges",
                    "title",
                    "-title",
                ):
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
                    assert [r.matter_id for r in (await s.execute(page)).all()] == [
                        m for m in _expected(rows, sort) if m in members
                    ]
                zjj = {u["matter_id"] for u in units if u["unit"] == "zjj" and u["tenant"] == TENANT}
                with_status = ledger_query.count(TENANT, LedgerFilter(unit="zjj", status="assigned"), NOW, YELLOW)
                assert (await s.execute(with_status)).scalar_one() == sum(
                    1 for r in rows if r["tenant"] == TENANT and r["status"] == "assigned" and r["matter_id"] in zjj
                )
                for unit in (
                    "zjj",
                    "fgj",
                    "czj",
                ):  # a unit's matters of a status: counted from the unit's rows in ledger_units
                    members = {u["matter_id"] for u in units if u["unit"] == unit and u["tenant"] == TENANT}
                    for status, of in (
                        ("open", lambda st: st != "completed"),
                        ("completed", lambda st: st == "completed"),
                    ):
                        q = ledger_query.count(TENANT, LedgerFilter(unit=unit, status=status), NOW, YELLOW)
                        assert (await s.execute(q)).scalar_one() == sum(
                            1 for r in rows if r["tenant"] == TENANT and of(r["status"]) and r["matter_id"] in members
                        ), (unit, status)
                still_open = ledger_query.page(
                    TENANT, LedgerFilter(unit="zjj", status="open", sort="due_on"), NOW, YELLOW, 50, 0
                )
                assert [r.matter_id for r in (await s.execute(still_open)).all()] == [
                    m
                    for m in _expected(rows, "due_on")
                    if m in zjj and next(r for r in rows if r["matter_id"] == m)["status"] != "completed"
                ]
    finally:
        await db.dispose()


async def _plan(s, q) -> list[str]:
    compiled = q.compile(dialect=s.bind.dialect, compile_kwargs={"render_postcompile": True})
    params = tuple(compiled.construct_params()[k] for k in compiled.positiontup)
    return [
        r[-1]
        for r in (await (await s.connection()).exec_driver_sql("EXPLAIN QUERY PLAN " + str(compiled), params)).all()
    ]


def test_orders_pages_and_counts(either_db_url):
    asyncio.run(_check(either_db_url))


async def _unit_status_counts(url: str) -> None:
    """3,000 matters, most of them completed, among ten units of which the first leads a third."""
    db = Database(url)
    try:
        await migrations.upgrade(db, "reporting", metadata)
        statuses = ["completed"] * 8 + ["assigned", "in_progress"]
        rows = [
            ledger_row(f"m-{i:05d}", TENANT, T0 + timedelta(minutes=i), status=statuses[i % 10]) for i in range(3000)
        ]
        units = [
            dict(matter_id=r["matter_id"], unit="u0" if i % 3 == 0 else f"u{1 + i % 9}", role="lead", tenant=TENANT)
            for i, r in enumerate(rows)
        ]
        with tenancy.scoped(tenancy.ALL):
            async with db.transaction() as s:
                await s.execute(ledger.insert(), rows)
                await s.execute(ledger_units.insert(), units)
        await db.refresh_statistics()  # as a service does when it starts (runtime.Runtime.start)
        with tenancy.scoped(TENANT):
            async with db.read() as s:
                for unit in ("u0", "u4"):
                    members = {u["matter_id"] for u in units if u["unit"] == unit}
                    for status, of in (
                        ("open", lambda st: st != "completed"),
                        ("completed", lambda st: st == "completed"),
                        ("assigned", lambda st: st == "assigned"),
                    ):
                        q = ledger_query.count(TENANT, LedgerFilter(unit=unit, status=status), NOW, YELLOW)
                        assert (await s.execute(q)).scalar_one() == sum(
                            1 for r in rows if of(r["status"]) and r["matter_id"] in members
                        )
                        if db.is_sqlite:  # not every matter of the status asked about the unit: the unit's matters, each status from an index
                            assert await _plan(s, q) == [
                                "SEARCH ledger_units USING COVERING INDEX ix_ledger_units_tenant_unit_matter (tenant=? AND unit=?)",
                                "SEARCH ledger USING COVERING INDEX ix_ledger_matter_status (matter_id=?)",
                            ], (unit, status)
    finally:
        await db.dispose()


def test_a_units_matters_of_a_status_are_counted_from_the_units_rows(either_db_url):
    asyncio.run(_unit_status_counts(either_db_url))


async def _lit_pages(url: str) -> None:
    """3,000 matters registered one a minute, 60 of them yellow (open, due in two days), 300 red,
    most with the deadline service's yellow_from:
    a page of a light is that slice of the light's matters in the order asked."""
    db = Database(url)
    try:
        await migrations.upgrade(db, "reporting", metadata)

        def due(i: int) -> datetime | None:
            return (
                NOW + timedelta(days=2)
                if i % 50 == 7
                else NOW - timedelta(days=3)
                if i % 10 == 3
                else NOW + timedelta(days=30)
            )

        rows = [
            dict(
                matter_id=f"m-{i:05d}",
                tenant=TENANT,
                status="completed" if i % 10 in (0, 1) else "assigned",
                title="事项",
                urges=i % 4,
                returns=0,
                extensions=0,
                progress=0,
                registered_at=T0 + timedelta(minutes=i),
                due_at=due(i),
                due_on=due(i).date(),
                yellow_from=due(i) - timedelta(days=3) if i % 3 else None,
                lead_units=[],
                co_units=[],
            )
            for i in range(3000)
        ]
        with tenancy.scoped(tenancy.ALL):
            async with db.transaction() as s:
                await s.execute(ledger.insert(), rows)
        await db.refresh_statistics()  # as a service does when it starts (runtime.Runtime.start)
        with tenancy.scoped(TENANT):
            async with db.read() as s:
                for lit in ("yellow", "red"):
                    for sort in ("registered_at", "-registered_at", "urges", "-due_on"):
                        f = LedgerFilter(light=lit, sort=sort)
                        whole, count = ledger_query.query(TENANT, f, NOW, YELLOW)
                        want = list((await s.execute(whole.with_only_columns(ledger.c.matter_id))).scalars())
                        total = (await s.execute(count)).scalar_one()
                        assert total == len(want) == (60 if lit == "yellow" else 300)
                        for offset in (0, 20, 55):
                            page = ledger_query.page(TENANT, f, NOW, YELLOW, 10, offset, total)
                            assert [r.matter_id for r in (await s.execute(page)).all()] == want[offset : offset + 10], (
                                lit,
                                sort,
                                offset,
                            )
                            if (
                                db.is_sqlite and lit == "yellow"
                            ):  # the few matches found first, not the tenant's whole index walked
                                plan = await _plan(s, page)
                                assert not [
                                    p
                                    for p in plan
                                    if re.fullmatch(r"SEARCH ledger USING (COVERING )?INDEX \S+ \(tenant=\?\)", p)
                                ], plan
    finally:
        await db.dispose()


def test_a_lights_few_matters_are_paged_from_the_lights_index(either_db_url):
    asyncio.run(_lit_pages(either_db_url))


TITLES = [
    "关于加快推进环保整改的通知",
    "市民反映139****5678小区噪音扰民",
    "ABC Road Repair 道路维修",
    "完成率100%_以上",
    '关于"一网通办"的建议',
    "环保",
    "x",
]
QUERIES = [
    "环",
    "环保",
    "扰民",
    "关于",
    "3号",
    "RO",
    "ne",
    "00",
    "环保整改",
    "139****5678",
    "139",
    "road",
    "ROAD",
    "Road Repair",
    "100%_",
    "0%",
    '"一网',
    "〔2026〕3",
    "ext-00",
    "EXT-004-hot",
    "已完成",
    "不存在的文字",
    "x",
    "a b",
    "%",
    "_",
]


def _searchable(tenant: str, i: int, title: str) -> dict:
    numbers = {"notice_no": f"督办〔2026〕{i}号", "external_id": f"EXT-{i:03d}-hotline"}
    return ledger_row(f"{tenant}-{i}", tenant, T0 + timedelta(hours=i), title=title, **numbers)


async def _search(url: str) -> None:
    db = Database(url)
    cfg = migrations.alembic_config("reporting", metadata)

    async def to(revision: str, down: bool = False) -> None:
        def run(connection) -> None:
            cfg.attributes["connection"] = connection
            (command.downgrade if down else command.upgrade)(cfg, revision)

        async with db.engine.begin() as conn:
            await conn.run_sync(run)

    try:
        await to("0005")
        rows = [_searchable(t, i, title) for t in (TENANT, "west") for i, title in enumerate(TITLES)]
        with tenancy.scoped(tenancy.ALL):
            async with db.transaction() as s:  # before the search existed: migration 0006 indexes them
                await s.execute(ledger.insert(), rows[::3])
            await migrations.upgrade(db, "reporting", metadata)
            await to("0006", down=True)  # keys without their tenant, as 0006 made them before 0007
            async with db.transaction() as s:
                await s.execute(ledger.insert(), rows[1::3])
            await migrations.upgrade(db, "reporting", metadata)  # 0007 adds and fills the tenant
            async with db.transaction() as s:
                await s.execute(ledger.insert(), rows[2::3])
                await ledger_search.catch_up(s)  # since 0008 the writer writes the search rows, new and changed
            async with db.transaction() as s:  # changes to rows the search has indexed already
                await s.execute(
                    ledger.update().where(ledger.c.title == TITLES[2]).values(title="道路维修已完成 abc road")
                )
                await s.execute(
                    ledger.update().where(ledger.c.matter_id == f"{TENANT}-1").values(progress=50)
                )  # text unchanged
                await s.execute(ledger.delete().where(ledger.c.title == "环保"))
                await s.execute(
                    ledger.update().where(ledger.c.matter_id == "west-6").values(tenant=TENANT)
                )  # the keys follow
                await ledger_search.catch_up(s)  # since 0008 the writer writes the search rows, new and changed
        with tenancy.scoped(TENANT):
            async with db.read() as s:
                found = {}
                for q in QUERIES:
                    like = or_(
                        *(
                            c.contains(q, autoescape=True)
                            for c in (ledger.c.title, ledger.c.notice_no, ledger.c.external_id)
                        )
                    )
                    want = set(
                        (await s.execute(select(ledger.c.matter_id).where(ledger.c.tenant == TENANT, like))).scalars()
                    )
                    rows_q, count_q = ledger_query.query(TENANT, LedgerFilter(text=q), NOW, YELLOW)
                    got = set((await s.execute(rows_q.with_only_columns(ledger.c.matter_id))).scalars())
                    assert got == want, q
                    assert (await s.execute(count_q)).scalar_one() == len(want), q
                    compiled = str(rows_q.compile(dialect=db.engine.dialect))
                    assert ("ledger_search MATCH" in compiled) == (db.is_sqlite and len(q) >= 2), q
                    counted_on_keys = "FROM ledger_search_keys" in str(count_q.compile(dialect=db.engine.dialect))
                    assert counted_on_keys == (db.is_sqlite and len(q) >= 2), q
                    ordered = list((await s.execute(rows_q.with_only_columns(ledger.c.matter_id))).scalars())
                    f = LedgerFilter(text=q, sort="-registered_at")
                    for total in (len(want), ledger_query.WALK_ROWS):  # found from the matches; walked along the order
                        assert ledger_query.walks(f, total, 3, 2) == (total == ledger_query.WALK_ROWS)
                        assert not ledger_query.walks(
                            replace(f, sort="progress"), total, 3, 2
                        )  # no index gives that order
                        page = ledger_query.page(TENANT, f, NOW, YELLOW, 3, 2, total)
                        assert list((await s.execute(page)).scalars()) == ordered[::-1][2:5], (q, total)
                    found[q] = got
                    none_completed, _ = ledger_query.query(
                        TENANT, LedgerFilter(text=q, status="completed"), NOW, YELLOW
                    )
                    assert (await s.execute(none_completed)).all() == [], (
                        f"{q}: the search must stay within the other filters"
                    )
        # what holds on either database, whatever its LIKE does with letter case
        assert found["环保整改"] == {f"{TENANT}-0"} and found["环保"] == {f"{TENANT}-0"}  # the title 环保 was deleted
        assert found["139****5678"] == {f"{TENANT}-1"} and found['"一网'] == {f"{TENANT}-4"}
        assert found["已完成"] == {f"{TENANT}-2"} and found["Road Repair"] == set()  # the title was changed
        assert found["扰民"] == {f"{TENANT}-1"} and found["3号"] == {f"{TENANT}-3"}  # two characters that end a value
        assert found["关于"] == {f"{TENANT}-0", f"{TENANT}-4"} and len(found["00"]) == 7  # west-6 moved here
        assert (
            found["〔2026〕3"] == {f"{TENANT}-3"}
            and found["EXT-004-hot"] == {f"{TENANT}-4"}
            and found["不存在的文字"] == set()
        )
        assert found["100%_"] == {f"{TENANT}-3"} and found["%"] == {f"{TENANT}-3"} and "west-6" in found["x"]
        if db.is_sqlite:
            assert (
                found["ROAD"] == found["road"] == {f"{TENANT}-2"}
            )  # SQLite's LIKE ignores ASCII case; so does the trigram table
            with tenancy.scoped(tenancy.ALL):
                async with db.read() as s:
                    kept = (await s.execute(text("SELECT count(*) FROM ledger_search_keys"))).scalar_one()
                    indexed = (await s.execute(text("SELECT count(*) FROM ledger_search"))).scalar_one()
                    assert (
                        kept
                        == indexed
                        == (await s.execute(select(func.count()).select_from(ledger))).scalar_one()
                        == 12
                    )
                    tenants = text(
                        "SELECT k.tenant, l.tenant FROM ledger_search_keys AS k LEFT JOIN ledger AS l USING (matter_id)"
                    )
                    assert all(key == row for key, row in (await s.execute(tenants)).all())
                    # each catch-up statement starts from the few rows it writes, never from all the keys or
                    # the ledger: without statistics SQLite once scanned every key
                    for statement in ledger_search.CATCH_UP:
                        plan = [r[-1] for r in (await s.execute(text("EXPLAIN QUERY PLAN " + statement))).all()]
                        assert not [step for step in plan if step.split()[:2] in (["SCAN", "k"], ["SCAN", "l"])], (
                            statement,
                            plan,
                        )
    finally:
        await db.dispose()


def test_text_search_finds_what_like_finds(either_db_url):
    asyncio.run(_search(either_db_url))
