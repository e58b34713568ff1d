"""The dashboard's aggregates on SQLite and PostgreSQL, migrated to head: each light's count is
the number of matters whose row has that light (domain.model.light), each counted from a range
of an index rather than one pass over every matter of the tenant; a period's facts find their
task's unit and kind in an index, not in task_states' rows."""

from __future__ import annotations

import asyncio
import re
from datetime import date, datetime, timedelta, timezone

from duban_common import migrations, tenancy
from duban_common.db import Database
from duban_reporting.adapters.orm import ledger, metadata, task_facts, task_states
from duban_reporting.domain import periods
from duban_reporting.domain.model import light
from duban_reporting.service_layer import dashboard, statistics
from ledger_support import ledger_row

TENANT = "east"
NOW = datetime(2026, 11, 24, 2, 0, tzinfo=timezone.utc)
YELLOW = date(2026, 11, 27)
T0 = datetime(2026, 8, 1, 1, 0, tzinfo=timezone.utc)
STATUSES = ["completed"] * 6 + ["assigned", "in_progress", "registered", "completion_submitted"]


def _matter(i: int, tenant: str = TENANT) -> dict:
    """Deadlines from months ago to weeks ahead, some missing; some with the deadline service's yellow_from."""
    due = None if i % 13 == 0 else datetime(2026, 11, 1, 8, tzinfo=timezone.utc) + timedelta(hours=7 * (i % 150))
    yellow_from = due - timedelta(days=2 + i % 5) if due and i % 4 == 0 else None
    deadline = {"due_at": due, "due_on": due.date() if due else None, "yellow_from": yellow_from}
    return ledger_row(f"{tenant}-{i:05d}", tenant, T0 + timedelta(hours=i), status=STATUSES[i % 10], **deadline)


async def _plans(db: Database, s, statement) -> list[str]:
    compiled = statement.compile(dialect=db.engine.dialect, compile_kwargs={"render_postcompile": True})
    params = tuple(compiled.construct_params()[k] for k in compiled.positiontup)
    return [
        r[-1]
        for r in (await (await s.connection()).exec_driver_sql("EXPLAIN QUERY PLAN " + str(compiled), params)).all()
    ]


class _Recorder:
    """A session that keeps the statements it runs."""

    def __init__(self, session) -> None:
        self.session, self.statements = session, []

    async def execute(self, statement, *args, **kw):
        self.statements.append(statement)
        return await self.session.execute(statement, *args, **kw)


async def _check(url: str) -> None:
    db = Database(url)
    try:
        await migrations.upgrade(db, "reporting", metadata)
        rows = [_matter(i) for i in range(2000)] + [_matter(i, "west") for i in range(300)]
        states = [
            dict(
                task_id=f"t-{r['matter_id']}",
                matter_id=r["matter_id"],
                tenant=r["tenant"],
                kind="online_message",
                lead_unit=f"u{i % 7}",
                status=r["status"],
                version=1,
                assigned_at=r["registered_at"],
                urges=0,
                returns=0,
                extensions=0,
            )
            for i, r in enumerate(rows)
        ]
        facts = [
            dict(
                fact_key=f"f-{i}",
                tenant=st["tenant"],
                task_id=st["task_id"],
                fact="urged" if i % 2 else "returned",
                at=NOW - timedelta(days=i % 40),
                unit=None,
            )
            for i, st in enumerate(states)
        ]
        with tenancy.scoped(tenancy.ALL):
            async with db.transaction() as s:
                await s.execute(ledger.insert(), rows)
                await s.execute(task_states.insert(), states)
                await s.execute(task_facts.insert(), facts)
        await db.refresh_statistics()  # as a service does when it starts (runtime.Runtime.start)
        with tenancy.scoped(TENANT):
            async with db.read() as s:
                recorder = _Recorder(s)
                counts = await dashboard.light_counts(recorder, TENANT, NOW, YELLOW)
                mine = [r for r in rows if r["tenant"] == TENANT]
                lights = [
                    light(r["status"], r["due_on"], r["due_at"], NOW, YELLOW, r["yellow_from"]) or "none" for r in mine
                ]
                assert counts == {"total": len(mine), **{name: lights.count(name) for name in dashboard.LIGHTS}}
                assert min(counts.values()) > 0  # every light is there to be counted
                if db.is_sqlite:
                    plan = [step for q in recorder.statements for step in await _plans(db, s, q)]
                    # never a scan, and never the tenant's whole range of an index read row by row
                    assert not [
                        p
                        for p in plan
                        if p.startswith("SCAN ledger")
                        or re.fullmatch(r"SEARCH ledger USING INDEX \S+ \(tenant=\?\)", p)
                    ], plan
                period = periods.parse("2026-Q4", None, None)
                recorder = _Recorder(s)
                units, _kinds = await statistics.figures(recorder, TENANT, period)
                assert sum(f.counts["urges"] + f.counts["returns"] for f in units.values()) == sum(
                    1 for f in facts if f["tenant"] == TENANT and period.starts_at <= f["at"] < period.ends_before
                )
                if db.is_sqlite:
                    facts_q = next(q for q in recorder.statements if "task_facts" in str(q))
                    assert [p for p in await _plans(db, s, facts_q) if "task_states" in p] == [
                        "SEARCH task_states USING COVERING INDEX ix_task_states_task_unit_kind (task_id=?)"
                    ]
    finally:
        await db.dispose()


def test_the_dashboards_counts_and_their_plans(either_db_url):
    asyncio.run(_check(either_db_url))
