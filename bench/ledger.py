"""The ledger at scale (issue 10, part 5): filtered, paged ledger queries, the .xlsx export and
a year's statistics at 1,000,000 matters, over HTTP against the real reporting service.

    .venv/bin/python bench/ledger.py [--matters 1000000] [--backend sqlite|postgresql|both] [--runs 20] [--keep DIR]

1. Migrates a fresh database (a SQLite file, or a database of its own on PostgreSQL) and seeds
   ``--matters`` matters straight into reporting's read models (ledger, ledger_units,
   task_states, task_facts, rejected_submissions): four tenants (82% in one), 30 units with a
   skewed load, eight source kinds, a year of registrations up to today, deadlines, completions,
   overdue tasks with their urges and other facts, Chinese titles, instructing leaders. SQLite
   takes executemany batches on one connection; PostgreSQL takes COPY (asyncpg).
2. Starts ``python -m duban_reporting`` as a process, as ``duban up`` does (its own nats-server,
   the embedded token issuer), with the real clock.
3. Times over HTTP, with a supervision office's (or a unit handler's) bearer token: ``--runs``
   samples of each kind of ledger query (filters, sorts, text search, deep pages; parameters
   varied per sample), the .xlsx export of about 50,000 and 100,000 rows and of the whole main
   tenant, the statistics of a year and of a quarter. p50/p95/p99 per kind and over all the
   ledger queries; the service's peak RSS (VmHWM) after each phase.

``--keep DIR`` keeps the seeded SQLite database in DIR, and on PostgreSQL the database
``duban_ledger_<matters>``, and reuses it when it is there (the schema is migrated to head
first), to compare two versions of the code on the same data. Drop it by hand when done.
Prints a table and appends it to ``bench/results/<date>-ledger.md`` with the machine's cores
and the commit. Never used as a test.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sqlite3
import sys
import tempfile
import time
import uuid
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import httpx
from sqlalchemy.dialects import sqlite as sqlite_dialect
from throughput import append_result, head_commit, percentile, rss_kb  # bench/ is the script's folder

from duban_cli.embedded import EmbeddedSystem
from duban_common import migrations, tenancy
from duban_common.calendar import TZ
from duban_common.db import Database
from duban_common.natsserver import free_port
from duban_common.testing.postgres import TemporaryDatabases
from duban_reporting.adapters import ledger_search, orm

# what a task_states row repeats of its ledger row (the same task, assigned, counted)
TASK_STATE_FROM_LEDGER = "task_id matter_id tenant kind lead_unit co_units notice_no status assigned_at completed_at urges returns extensions".split()

TENANTS = (("bench", 0.82), ("county-b", 0.10), ("county-c", 0.05), ("county-d", 0.03))
MAIN = TENANTS[0][0]
UNITS = (
    "zjj",
    "fgj",
    "jyj",
    "wjj",
    "nyj",
    "jtj",
    "czj",
    "scjgj",
    "rsj",
    "yjj",
    "cgj",
    "sthj",
    "gaj",
    "mzj",
    "sfj",
    "slj",
    "lyj",
    "zrzyj",
    "whlyj",
    "swj",
    "ybj",
    "tjj",
    "xfj",
    "gxj",
    "tyj",
    "cgz",
    "xz-cg",
    "xz-dc",
    "xz-xs",
    "xz-nh",
)
UNIT_WEIGHTS = [1 / (i + 1) ** 0.7 for i in range(len(UNITS))]  # a few units carry most of the load
KINDS = (
    ("online_message", 0.45),
    ("meeting_decision", 0.15),
    ("leader_instruction", 0.12),
    ("document", 0.10),
    ("work_report_task", 0.05),
    ("superior_assignment", 0.05),
    ("deputy_suggestion", 0.05),
    ("cppcc_proposal", 0.03),
)
SOURCES = {
    "online_message": "/platforms/hotline-12345",
    "meeting_decision": "/platforms/oa",
    "leader_instruction": "/platforms/oa",
    "document": "/platforms/oa",
    "work_report_task": "/platforms/oa",
    "superior_assignment": "/platforms/superior",
    "deputy_suggestion": "/platforms/proposals",
    "cppcc_proposal": "/platforms/proposals",
}
LEADERS = ("王县长", "李副县长", "张副县长", "陈常务副县长", "赵书记", "刘副书记")
PLACES = (
    "城关镇",
    "东城街道",
    "西山乡",
    "南湖社区",
    "北关村",
    "河西街道",
    "新区",
    "工业园区",
    "白马镇",
    "青石乡",
    "柳林村",
    "滨江路",
)
SUBJECTS = (
    "老旧小区改造",
    "农村饮水安全",
    "道路破损修复",
    "夜间施工噪音",
    "占道经营",
    "校园周边安全",
    "生活垃圾清运",
    "供暖不热",
    "物业服务纠纷",
    "拖欠农民工工资",
    "河道污染治理",
    "停车难",
    "路灯不亮",
    "违法建设拆除",
    "医保报销",
    "农田水利建设",
    "营商环境优化",
    "安全生产隐患",
    "乡村振兴项目",
    "背街小巷整治",
)
TAILS = ("问题", "进展缓慢", "的诉求", "工作落实情况", "整改情况", "的建议")
COMMON_WORDS = ("老旧小区", "噪音", "路灯", "供暖")
OPEN_STATES = ("assigned", "acknowledged", "in_progress", "completion_submitted", "returned")
DAY_S = 86400


# --- seeding ------------------------------------------------------------------------------------------------------------


def matters(n: int, now: datetime, seed: int = 11):
    """Rows of ``n`` matters, one task each: (table name, row dict) in insertion order."""
    rnd = random.Random(seed)
    tenants, tenant_w = zip(*TENANTS)
    kinds, kind_w = zip(*KINDS)
    seq = dict.fromkeys(tenants, 0)
    for _ in range(n):
        tenant = rnd.choices(tenants, tenant_w)[0]
        kind = rnd.choices(kinds, kind_w)[0]
        seq[tenant] += 1
        no = seq[tenant]
        matter, task = (
            str(uuid.UUID(int=rnd.getrandbits(128), version=4)),
            str(uuid.UUID(int=rnd.getrandbits(128), version=4)),
        )
        registered = now - timedelta(seconds=rnd.random() * 365 * DAY_S)
        assigned = registered + timedelta(seconds=rnd.uniform(600, 2 * DAY_S))
        lead = rnd.choices(UNITS, UNIT_WEIGHTS)[0]
        r = rnd.random()
        co = [] if r < 0.7 else rnd.sample([u for u in UNITS if u != lead], 1 if r < 0.93 else 2)
        due_on = (assigned + timedelta(days=rnd.choice((10, 15, 20, 30, 30, 45, 60, 90)))).astimezone(TZ).date()
        while due_on.weekday() >= 5:
            due_on += timedelta(days=1)
        due_at = datetime(
            due_on.year, due_on.month, due_on.day, 9, 30, tzinfo=timezone.utc
        )  # 17:30 in Asia/Shanghai (UTC+8)
        late = rnd.random() < 0.22  # misses the deadline
        if late:
            done = due_at + timedelta(days=rnd.uniform(1, 40)) if rnd.random() < 0.7 else None
        else:
            done = assigned + (due_at - assigned) * rnd.uniform(0.2, 1.0) if rnd.random() < 0.92 else None
        if done is not None and done > now:
            done = None
        status = "completed" if done else rnd.choice(OPEN_STATES)
        if rnd.random() < 0.005:
            status, assigned, done = "registered", None, None
        urges = rnd.randint(1, 3) if late and due_at < now else int(rnd.random() < 0.03)
        returns, extensions = int(rnd.random() < 0.06), int(rnd.random() < 0.03)
        title = f"{rnd.choice(PLACES)}{rnd.choice(SUBJECTS)}{rnd.choice(TAILS)}"
        external_id = f"{'WL' if kind == 'online_message' else 'OA'}{no:08d}"  # a hotline or OA number: what `q` finds
        row = dict(
            matter_id=matter,
            tenant=tenant,
            kind=kind,
            source=SOURCES[kind],
            external_id=external_id,
            title=title,
            status=status,
            progress=100 if done else rnd.randrange(0, 100, 10),
            registered_at=registered,
            submitted_lead_unit=lead,
            submitted_co_units=co,
            lead_unit=lead,
            lead_units=[lead],
            co_units=co,
            urges=urges,
            returns=returns,
            extensions=extensions,
            progress_at=done or assigned,
        )
        if kind == "leader_instruction":
            leader = rnd.choice(LEADERS)
            row.update(leader_name=leader, title=f"{leader}批示：关于{title}")
        elif kind in ("deputy_suggestion", "cppcc_proposal") and rnd.random() < 0.3:
            row["led_by_leader"] = rnd.choice(LEADERS)
        elif kind == "meeting_decision":
            row.update(
                meeting_type="executive",
                meeting_title=f"县政府第{registered.month + 2}次常务会议",
                decision_seq=rnd.randint(1, 12),
            )
        elif kind == "online_message":
            row.update(citizen_name="张*三", citizen_phone="139****5678")
        deadline = dict(due_on=due_on, due_at=due_at, deadline_rule="working_days", provisional=False)
        if status != "registered":
            notice_no = f"督办〔{assigned.astimezone(TZ).year}〕{no}号"
            row.update(task_id=task, notice_no=notice_no, assigned_at=assigned, completed_at=done, **deadline)
        yield "ledger", row
        yield "ledger_units", dict(matter_id=matter, unit=lead, role="lead", tenant=tenant)
        for c in co:
            yield "ledger_units", dict(matter_id=matter, unit=c, role="co", tenant=tenant)
        if status == "registered":
            continue
        state = {key: row[key] for key in (*TASK_STATE_FROM_LEDGER, *deadline)}
        handled = int((done - assigned).days * 5 / 7) if done else None
        yield (
            "task_states",
            dict(state, version=3, assignment_version=1, deadline_revision=1, handling_workdays=handled),
        )
        facts = [("returned", assigned + (due_at - assigned) / 2)] * returns
        facts += [("extension_approved", assigned + timedelta(days=3))] * extensions
        if late and due_at < now:
            facts.append(("overdue", due_at))
            facts += [("urged", due_at + timedelta(days=2 * k + 1)) for k in range(urges)]
            if rnd.random() < 0.1:
                facts.append(("bulletined", due_at + timedelta(days=10)))
            if rnd.random() < 0.05:
                facts.append(("deducted", due_at + timedelta(days=12)))
        for k, (fact, at) in enumerate(f for f in facts if f[1] < now):
            yield (
                "task_facts",
                dict(
                    fact_key=f"/duban/bench {task} {fact} {k}",
                    tenant=tenant,
                    task_id=task,
                    fact=fact,
                    at=at,
                    unit=lead,
                    points=0.5 if fact == "deducted" else None,
                ),
            )
        if rnd.random() < 0.02:
            yield (
                "rejected_submissions",
                dict(
                    submission_id=str(uuid.UUID(int=rnd.getrandbits(128), version=4)),
                    tenant=tenant,
                    kind=kind,
                    rejected_at=registered,
                ),
            )


def _batches(n: int, now: datetime, size: int = 20_000):
    """{table: [row tuples in column order]}, about ``size`` matters at a time."""
    tables = {t.name: t for t in orm.READ_MODEL}
    out: dict[str, list] = {name: [] for name in tables}
    for name, row in matters(n, now):
        out[name].append(tuple(row.get(c.name) for c in tables[name].columns))
        if name == "ledger" and len(out["ledger"]) >= size:
            yield out
            out = {name: [] for name in tables}
    yield out


def seed_sqlite(path: Path, n: int, now: datetime) -> None:
    dialect = sqlite_dialect.dialect()
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("PRAGMA cache_size=-262144")  # 256 MB: the primary-key indexes of a million random UUIDs
    try:
        for batch in _batches(n, now):
            for t in orm.READ_MODEL:
                # the values as SQLAlchemy stores them (UTC instants without zone, JSON text, ...)
                procs = [c.type.dialect_impl(dialect).bind_processor(dialect) for c in t.columns]
                rows = [tuple(v if p is None or v is None else p(v) for p, v in zip(procs, r)) for r in batch[t.name]]
                sql = f"INSERT INTO {t.name} ({', '.join(c.name for c in t.columns)}) VALUES ({', '.join('?' * len(t.columns))})"
                conn.executemany(sql, rows)
            for statement in ledger_search.CATCH_UP:  # the batch's search rows, as the projections write them
                conn.execute(statement)
            conn.commit()
    finally:
        conn.close()


async def seed_postgresql(url: str, n: int, now: datetime) -> None:
    import asyncpg

    conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        json_cols = {
            t.name: [i for i, c in enumerate(t.columns) if c.type.__class__.__name__ == "JSON"] for t in orm.READ_MODEL
        }
        for batch in _batches(n, now, size=50_000):
            for t in orm.READ_MODEL:
                rows = batch[t.name]
                if json_cols[t.name]:
                    rows = [
                        tuple(json.dumps(v) if i in json_cols[t.name] and v is not None else v for i, v in enumerate(r))
                        for r in rows
                    ]
                if rows:
                    await conn.copy_records_to_table(t.name, records=rows, columns=[c.name for c in t.columns])
        await conn.execute("VACUUM ANALYZE")  # what autovacuum does soon after a bulk load
    finally:
        await conn.close()


async def migrate(url: str) -> float:
    db = Database(url)
    try:
        started = time.perf_counter()
        await migrations.upgrade(db, "reporting", orm.metadata)
        return time.perf_counter() - started
    finally:
        await db.dispose()


# --- the requests -------------------------------------------------------------------------------------------------------


def ledger_queries(now: datetime, main_rows: int) -> list[tuple[str, str, object]]:
    """(name, role, rnd → query parameters): the kinds of ledger query timed."""
    today = now.astimezone(TZ).date()

    def month(rnd, back: int = 11) -> str:
        d = (today.replace(day=1) - timedelta(days=31 * rnd.randint(0, back))).replace(day=1)
        return f"{d.year}-{d.month:02d}"

    def unit(rnd) -> str:
        return rnd.choices(UNITS, UNIT_WEIGHTS)[0]

    deep = max(1, min(100_000, main_rows // 4))
    return [
        ("first page, no filter", "supervision_office", lambda rnd: {}),
        (
            "status, newest first",
            "supervision_office",
            lambda rnd: {"status": rnd.choice(("completed", "acknowledged", "in_progress")), "sort": "-registered_at"},
        ),
        (
            "red light, by deadline",
            "supervision_office",
            lambda rnd: {"light": "red", "sort": rnd.choice(("due_on", "-urges"))},
        ),
        ("yellow light", "supervision_office", lambda rnd: {"light": "yellow", "sort": "due_on"}),
        (
            "kind + leader",
            "supervision_office",
            lambda rnd: {"kind": "leader_instruction", "leader": rnd.choice(LEADERS)},
        ),
        ("unit, latest deadline first", "supervision_office", lambda rnd: {"unit": unit(rnd), "sort": "-due_on"}),
        (
            "unit + status + month",
            "supervision_office",
            lambda rnd: {"unit": unit(rnd), "status": "completed", "period": month(rnd)},
        ),
        ("a unit handler's own ledger", "unit", lambda rnd: {"sort": "-registered_at"}),
        ("q: a hotline number (1 row)", "supervision_office", lambda rnd: {"q": f"{rnd.randint(1, main_rows):08d}"}),
        ("q: common words", "supervision_office", lambda rnd: {"q": rnd.choice(COMMON_WORDS)}),
        ("registered in a month", "supervision_office", lambda rnd: {"period": month(rnd)}),
        (
            "due in a month, by deadline",
            "supervision_office",
            lambda rnd: {"date_field": "due", "period": month(rnd, 3), "sort": "due_on"},
        ),
        ("sorted by title", "supervision_office", lambda rnd: {"sort": rnd.choice(("title", "-title"))}),
        (
            "deep page (offset 10,000), by urges",
            "supervision_office",
            lambda rnd: {"sort": "-urges", "offset": 10_000 + rnd.randrange(0, 1000, 50)},
        ),
        (
            f"deep page (offset ~{deep:,})",
            "supervision_office",
            lambda rnd: {"offset": deep + rnd.randrange(0, 1000, 50)},
        ),
        (
            "500 rows a page",
            "supervision_office",
            lambda rnd: {"status": "completed", "limit": 500, "offset": 500 * rnd.randint(0, 20)},
        ),
    ]


def window(now: datetime, main_rows: int, rows: int) -> dict:
    """A registration window of the main tenant holding about ``rows`` matters."""
    days = min(365, max(1, round(rows / (main_rows / 365))))
    to = now.astimezone(TZ).date() - timedelta(days=40)
    return {"from": (to - timedelta(days=days - 1)).isoformat(), "to": to.isoformat()}


class Service:
    """reporting as a process (``python -m duban_reporting``), as ``duban up`` runs it."""

    def __init__(self, folder: Path, url: str) -> None:
        self.system = EmbeddedSystem(
            data_dir=folder,
            ports={"reporting": free_port(), "tasking": free_port()},
            extra_env={"DUBAN_DATABASE_URL": url, "DUBAN_LOG_LEVEL": "WARNING"},
        )

    def __enter__(self) -> "Service":
        self.system.start_nats(free_port())
        self.system.start_services(names=("reporting",), timeout_s=300)
        self.pid = self.system.services["reporting"].proc.pid
        self.base = f"{self.system.url('reporting')}/v1/tenants/{MAIN}"
        self.client = httpx.Client(timeout=900)
        return self

    def __exit__(self, *_exc) -> None:
        self.client.close()
        self.system.stop()

    def get(self, path: str, params: dict, role: str = "supervision_office") -> tuple[float, httpx.Response]:
        headers = self.system.headers(role, tenant=MAIN, unit=UNITS[1] if role == "unit" else None)
        started = time.perf_counter()
        r = self.client.get(f"{self.base}{path}", params=params, headers=headers)
        return (time.perf_counter() - started) * 1000, r


def run_requests(svc: Service, now: datetime, main_rows: int, runs: int) -> dict:
    rnd = random.Random(5)
    out: dict = {"rss_start_mb": rss_kb(svc.pid) / 1024, "ledger": {}}
    kinds = ledger_queries(now, main_rows)
    svc.get("/ledger", {})  # warm-up: the first request loads the routes and the unit names
    for _ in range(runs):
        for name, role, params in kinds:
            ms, r = svc.get("/ledger", params(rnd), role)
            r.raise_for_status()
            out["ledger"].setdefault(name, []).append(ms)
    out["rss_ledger_mb"] = rss_kb(svc.pid) / 1024
    out["statistics"] = {}
    today = now.astimezone(TZ).date()
    for label, period in (("a year", str(today.year)), ("a quarter", f"{today.year}-Q{(today.month - 1) // 3 + 1}")):
        for _ in range(max(2, runs // 5)):
            ms, r = svc.get("/statistics", {"period": period})
            r.raise_for_status()
            out["statistics"].setdefault(f"statistics of {label} ({period})", []).append(ms)
    out["rss_statistics_mb"] = rss_kb(svc.pid) / 1024
    out["xlsx"] = []
    for label, params, times in (
        ("~50,000 rows", window(now, main_rows, 50_000), 2),
        ("~100,000 rows", window(now, main_rows, 100_000), 2),
        ("the whole main tenant", {}, 1),
    ):
        _, r = svc.get("/ledger", {**params, "limit": 1})
        rows = r.json()["total"]
        samples, status, size = [], 0, 0
        for _ in range(times):
            ms, r = svc.get("/ledger.xlsx", params)
            samples.append(ms)
            status, size = r.status_code, len(r.content)
        out["xlsx"].append({"label": label, "rows": rows, "ms": samples, "status": status, "bytes": size})
    out["rss_peak_mb"] = rss_kb(svc.pid) / 1024
    return out


# --- one run, the table ---------------------------------------------------------------------------------------------------


def bench(backend: str, n: int, runs: int, keep: Path | None, pg_url: str) -> dict:
    now = datetime.now(timezone.utc)
    with tempfile.TemporaryDirectory(prefix="duban-ledger-") as tmp:
        databases = None
        if backend == "postgresql" and keep:
            url, seeded = kept_postgresql(pg_url, n)
        elif backend == "postgresql":
            databases = TemporaryDatabases(pg_url, ["reporting"], tag="ledger").__enter__()
            url, seeded = databases.url(), False
        else:
            path = (keep / f"reporting-{n}.db") if keep else Path(tmp) / "reporting.db"
            url, seeded = f"sqlite+aiosqlite:///{path.resolve()}", keep is not None and path.exists()
        try:
            migrate_s = asyncio.run(migrate(url))
            seed_s = None
            if not seeded:
                started = time.perf_counter()
                if backend == "sqlite":
                    seed_sqlite(path, n, now)
                else:
                    asyncio.run(seed_postgresql(url, n, now))
                seed_s = time.perf_counter() - started
                print(f"{backend}: seeded {n:,} matters in {seed_s:.0f} s", file=sys.stderr)
            main_rows = asyncio.run(count_main(url))
            with Service(Path(tmp) / "svc", url) as svc:
                load = os.getloadavg()[0]
                result = run_requests(svc, now, main_rows, runs)
                result["load"] = (load, os.getloadavg()[0])
            return {
                "backend": backend,
                "matters": n,
                "main_rows": main_rows,
                "seed_s": seed_s,
                "migrate_s": migrate_s,
                "runs": runs,
                "size_mb": path.stat().st_size / 2**20 if backend == "sqlite" else None,
                **result,
            }
        finally:
            if databases is not None:
                databases.__exit__(None, None, None)


def kept_postgresql(pg_url: str, n: int) -> tuple[str, bool]:
    """(url, already seeded) of the kept database ``duban_ledger_<n>``, created when missing."""
    import asyncpg

    name = f"duban_ledger_{n}"
    admin = pg_url.replace("postgresql+asyncpg://", "postgresql://")

    async def ensure() -> bool:
        conn = await asyncpg.connect(admin)
        try:
            if await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
                return True
            await conn.execute(f'CREATE DATABASE "{name}"')
            return False
        finally:
            await conn.close()

    return f"{pg_url.rsplit('/', 1)[0]}/{name}", asyncio.run(ensure())


async def count_main(url: str) -> int:
    from sqlalchemy import func, select

    db = Database(url)
    try:
        with tenancy.scoped(MAIN):  # the data layer shows nothing outside a tenant scope
            async with db.read() as s:
                return (
                    await s.execute(select(func.count()).select_from(orm.ledger).where(orm.ledger.c.tenant == MAIN))
                ).scalar_one()
    finally:
        await db.dispose()


def _ms(values: list[float]) -> str:
    return " / ".join(f"{percentile(values, q):,.0f}" for q in (50, 95, 99))


def table(r: dict, commit: str) -> str:
    seeding = f"{r['seed_s']:.0f} s" if r["seed_s"] is not None else "reused (seeded before)"
    lines = [
        f"## ledger, {r['backend']}, {r['matters']:,} matters ({r['main_rows']:,} in the main tenant) — commit {commit}, "
        f"{os.cpu_count()} cores, {date.today().isoformat()}",
        "",
        f"Load average while it ran: {r['load'][0]:.1f} at the start of the requests, {r['load'][1]:.1f} at the end "
        f"({r['runs']} samples of each kind of ledger query).",
        "",
        "| measure | p50 / p95 / p99 ms |",
        "|---|---|",
        f"| seeding (straight into the read models{', COPY' if r['backend'] == 'postgresql' else ', executemany'}) | {seeding} |",
        f"| migrating to head before the run | {r['migrate_s']:.1f} s |",
    ]
    every = [ms for samples in r["ledger"].values() for ms in samples]
    lines.append(f"| **ledger queries, all {len(every)} samples** | **{_ms(every)}** |")
    lines += [f"| ledger: {name} ({len(s)}) | {_ms(s)} |" for name, s in r["ledger"].items()]
    lines += [f"| {name} ({len(s)}) | {_ms(s)} |" for name, s in r["statistics"].items()]
    for x in r["xlsx"]:
        took = " / ".join(f"{ms / 1000:,.1f} s" for ms in x["ms"])
        what = f"{x['bytes'] / 2**20:,.1f} MB" if x["status"] == 200 else f"HTTP {x['status']} (refused)"
        lines.append(f"| ledger.xlsx, {x['label']} ({x['rows']:,} rows) | {took}, {what} |")
    lines.append(
        f"| peak RSS of the service (VmHWM) | {r['rss_start_mb']:.0f} MB started, {r['rss_ledger_mb']:.0f} after the queries, "
        f"{r['rss_statistics_mb']:.0f} after the statistics, {r['rss_peak_mb']:.0f} after the exports |"
    )
    if r["size_mb"]:
        lines.append(f"| database file | {r['size_mb']:,.0f} MB |")
    return "\n".join(lines + [""])


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--matters", type=int, default=1_000_000)
    p.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="sqlite")
    p.add_argument("--runs", type=int, default=20, help="samples of each kind of ledger query")
    p.add_argument(
        "--keep",
        type=Path,
        help="keep the seeded database (SQLite: in this folder; PostgreSQL: duban_ledger_<matters>) and reuse it when there",
    )
    p.add_argument("--pg-url", default="postgresql+asyncpg://postgres@127.0.0.1:5432/postgres")
    args = p.parse_args()
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
    commit = head_commit()
    for backend in ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]:
        append_result(table(bench(backend, args.matters, args.runs, args.keep, args.pg_url), commit), "-ledger")


if __name__ == "__main__":
    main()
