"""The workbench's pages at scale: each page's server time with ``--matters`` matters in the
ledger, measured over HTTP against the running workbench and the five services.

    .venv/bin/python bench/workbench.py [--matters 100000] [--runs 20]

1. Seeds ``--matters`` matters straight into reporting's read models (bench/ledger.py's data:
   four tenants, 82% in "bench", 30 units with a skewed load, a year of registrations), in
   the reporting database of a fresh embedded data folder.
2. Starts NATS, the five services and the workbench as ``duban up`` does (real clock), loads
   the units of the tenant "bench" and submits a few online messages through intake, so that
   real tasks exist for the task page.
3. Signs in a supervision-office clerk and a unit handler (sealed session cookies, as the
   login page makes them) and requests each page ``--runs`` times, with varied parameters.
   Reports p50/p95/max of the page's server time (the workbench's Server-Timing header: its
   calls to the services included) and of the time seen by the client.

Prints a table and appends it to ``bench/results/<date>-workbench.md``. Never used as a test.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import sys
import tempfile
import time
from datetime import date, datetime, timezone
from pathlib import Path

import httpx
from ledger import MAIN, UNIT_WEIGHTS, UNITS, migrate, seed_sqlite  # bench/ is the script's folder
from throughput import append_result, head_commit, percentile

from duban_cli.embedded import APPS, EmbeddedSystem
from duban_common.natsserver import free_port
from duban_workbench.adapters.identity import embedded as embedded_identity
from duban_workbench.adapters.session import COOKIE, SessionSeal
from duban_workbench.config import WorkbenchSettings

ROOT = Path(__file__).resolve().parent.parent
HANDLER_UNIT = UNITS[1]


def units_csv() -> str:
    rows = ["code,name,type", "dcs,督查室,supervision_office"] + [f"{u},单位{u},department" for u in UNITS]
    return "\n".join(rows) + "\n"


def cookie(system: EmbeddedSystem, role: str, unit: str | None = None) -> str:
    """A signed-in person's session cookie, sealed as the workbench's login seals it."""
    settings = WorkbenchSettings(data_dir=system.data_dir, auth_dir=system.issuer.directory)
    identity = embedded_identity(settings, None)
    token = system.issuer.token(tenant=MAIN, roles=[role], unit=unit, subject=f"bench:{role}", name="压测")
    seal = SessionSeal(SessionSeal.key_file(settings.issuer_dir()))
    return seal.seal(identity.session(token, "压测"))


def submit_messages(system: EmbeddedSystem, n: int) -> list[str]:
    """Online messages for the handler's unit, through intake; their task ids once assigned."""
    headers = system.headers("supervision_office", tenant=MAIN)
    env = json.loads((ROOT / "examples" / "online_message.json").read_text())
    for i in range(n):
        e = {
            **env,
            "id": f"bench-wb-{i}",
            "tenant": MAIN,
            "data": {**env["data"], "lead_unit": HANDLER_UNIT, "title": f"压测留言 {i}"},
        }
        httpx.post(
            f"{system.url('intake')}/v1/tenants/{MAIN}/submissions", json=e, headers=headers, timeout=30
        ).raise_for_status()
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        r = httpx.get(
            f"{system.url('tasking')}/v1/tenants/{MAIN}/tasks",
            params={"unit": HANDLER_UNIT, "limit": 500},
            headers=headers,
            timeout=30,
        )
        ids = [t["id"] for t in r.json()["items"]]
        if len(ids) >= n:
            return ids
        time.sleep(0.5)
    raise RuntimeError("the messages did not become tasks")


def pages(task_ids: list[str]) -> list[tuple[str, str, object]]:
    """(name, who, rnd → path): the pages timed."""

    def unit(rnd) -> str:
        return rnd.choices(UNITS, UNIT_WEIGHTS)[0]

    return [
        ("办公室首页 /office (six counts)", "office", lambda rnd: "/office"),
        ("台账 first page", "office", lambda rnd: "/ledger"),
        ("台账 red light", "office", lambda rnd: "/ledger?light=red"),
        ("台账 unit + status", "office", lambda rnd: f"/ledger?unit={unit(rnd)}&status=completed"),
        ("台账 text search", "office", lambda rnd: f"/ledger?q={rnd.choice(('供暖', '道路', '学校', '补贴'))}"),
        ("台账 deep page", "office", lambda rnd: f"/ledger?offset={20 * rnd.randint(100, 2000)}"),
        ("台账 htmx table only", "office", lambda rnd: "/ledger?light=yellow"),
        ("逾期 queue", "office", lambda rnd: "/queue/overdue"),
        ("待审核 queue", "office", lambda rnd: "/queue/review"),
        ("来件 triage queue", "office", lambda rnd: "/intake"),
        ("看板 /kanban (the dashboard)", "office", lambda rnd: "/kanban"),
        ("任务详情 (office)", "office", lambda rnd: f"/tasks/{rnd.choice(task_ids)}"),
        ("我的待办 /todo (unit handler)", "unit", lambda rnd: "/todo"),
        ("任务详情 (unit handler)", "unit", lambda rnd: f"/tasks/{rnd.choice(task_ids)}"),
    ]


def run(matters: int, runs: int) -> dict:
    now = datetime.now(timezone.utc)
    with tempfile.TemporaryDirectory(prefix="duban-wb-bench-") as tmp:
        data = Path(tmp)
        db = data / "reporting.db"
        asyncio.run(migrate(f"sqlite+aiosqlite:///{db}"))
        started = time.perf_counter()
        seed_sqlite(db, matters, now)
        print(f"seeded {matters:,} matters in {time.perf_counter() - started:.0f} s", file=sys.stderr)
        system = EmbeddedSystem(
            data_dir=data, ports={name: free_port() for name in APPS}, extra_env={"DUBAN_LOG_LEVEL": "WARNING"}
        )
        try:
            system.start_nats(free_port())
            system.start_services(timeout_s=300)
            httpx.put(
                f"{system.url('intake')}/v1/admin/tenants/{MAIN}",
                json={"name": "压测县"},
                headers=system.headers("operator"),
                timeout=30,
            ).raise_for_status()
            httpx.put(
                f"{system.url('tasking')}/v1/tenants/{MAIN}/units",
                content=units_csv().encode(),
                headers={"content-type": "text/csv", **system.headers("operator")},
                timeout=30,
            ).raise_for_status()
            task_ids = submit_messages(system, 10)
            jars = {"office": cookie(system, "supervision_office"), "unit": cookie(system, "unit", HANDLER_UNIT)}
            client = httpx.Client(base_url=system.url("workbench"), timeout=120)
            rnd = random.Random(3)
            out: dict[str, dict] = {}
            load = os.getloadavg()[0]
            for name, who, path in pages(task_ids):  # warm-up: the units directory, the first queries
                client.get(path(rnd), cookies={COOKIE: jars[who]})
            for _ in range(runs):
                for name, who, path in pages(task_ids):
                    headers = {"HX-Request": "true", "HX-Target": "ledger-table"} if "htmx" in name else {}
                    t0 = time.perf_counter()
                    r = client.get(path(rnd), cookies={COOKIE: jars[who]}, headers=headers)
                    total = (time.perf_counter() - t0) * 1000
                    if r.status_code != 200:
                        raise RuntimeError(f"{name}: HTTP {r.status_code} {r.text[:300]}")
                    server = float(re.search(r"dur=([\d.]+)", r.headers["server-timing"]).group(1))
                    out.setdefault(name, {"server": [], "total": []})
                    out[name]["server"].append(server)
                    out[name]["total"].append(total)
            return {"matters": matters, "runs": runs, "pages": out, "load": (load, os.getloadavg()[0])}
        finally:
            system.stop()


def table(r: dict, commit: str) -> str:
    every = [v for p in r["pages"].values() for v in p["server"]]
    lines = [
        f"## workbench pages, {r['matters']:,} matters in the ledger (SQLite), {r['runs']} samples each — "
        f"{date.today().isoformat()}, {os.cpu_count()} cores, commit {commit}, load {r['load'][0]:.1f} → {r['load'][1]:.1f}",
        "",
        "| page | server p50 ms | server p95 ms | server max ms | client p95 ms |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, p in r["pages"].items():
        lines.append(
            f"| {name} | {percentile(p['server'], 50):.0f} | {percentile(p['server'], 95):.0f} | {max(p['server']):.0f} | "
            f"{percentile(p['total'], 95):.0f} |"
        )
    lines.append(
        f"| **every page** | {percentile(every, 50):.0f} | **{percentile(every, 95):.0f}** | {max(every):.0f} | |"
    )
    return "\n".join(lines) + "\n"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--matters", type=int, default=100_000)
    p.add_argument("--runs", type=int, default=20)
    args = p.parse_args()
    append_result(table(run(args.matters, args.runs), head_commit()), "-workbench")


if __name__ == "__main__":
    main()
