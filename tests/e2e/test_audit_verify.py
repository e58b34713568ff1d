"""`duban audit verify` on what the five running services recorded (DESIGN.md §7)."""

from __future__ import annotations

import asyncio
import json
import re
import sqlite3
import subprocess

import pytest

from e2e_support import duban_command, ledger, meeting_decision, publish, wait_for

pytestmark = pytest.mark.e2e
BACKENDS = ["sqlite"]  # it edits the SQLite files by hand


def _verify(system) -> subprocess.CompletedProcess:
    return duban_command("audit", "verify", "--all", "--data-dir", str(system.data_dir), "--nats-url", system.nats_url)


def _entries(system, service: str) -> list[tuple]:
    with sqlite3.connect(system.data_dir / f"{service}.db") as conn:
        return conn.execute("SELECT seq, chain, action, actor, refs, id FROM audit_log ORDER BY chain, seq").fetchall()


def test_verify_counts_what_the_services_recorded_and_names_a_tampered_entry(system, nats_server):
    asyncio.run(publish(nats_server.url, [meeting_decision("md-audit-1", decisions=2)]))
    wait_for(
        lambda: len([i for i in ledger(system, q="md-audit-1")["items"] if i["due_on"]]) == 2,
        what="two matters with due dates in the ledger",
    )

    done = _verify(system)
    assert done.returncode == 0, done.stdout + done.stderr
    counts = {m[0]: int(m[1]) for m in re.findall(r"^(\w+): OK, (\d+) entries verified", done.stdout, re.M)}
    assert counts.keys() >= {"intake", "tasking", "deadline"} and all(
        counts[s] > 0 for s in ("intake", "tasking", "deadline")
    ), done.stdout

    intake = _entries(system, "intake")
    registered = [
        e
        for e in intake
        if e[2] == "duban.matter.registered.v1" and json.loads(e[4])["cause"]["type"].startswith("duban.submission.")
    ]
    assert len(registered) == 2 and all(json.loads(e[3])["kind"] == "consumer" for e in registered)
    # the units import publishes each unit (unit.registered): its entries name the event and the route
    units_import = [
        e
        for e in _entries(system, "tasking")
        if e[2] == "duban.unit.registered.v1" and json.loads(e[4]).get("route") == "/v1/tenants/{tenant}/units"
    ]
    assert units_import and json.loads(units_import[0][3])["kind"] == "http" and units_import[0][1] == "tasking:demo"
    assert any(e[2] == "duban.deadline.set.v1" for e in _entries(system, "deadline"))

    victim = next(e for e in _entries(system, "deadline") if e[1] == "deadline:demo" and e[0] == 1)
    with sqlite3.connect(system.data_dir / "deadline.db", timeout=10) as conn:
        conn.execute(
            "UPDATE audit_log SET action = 'duban.deadline.overdue.v1' WHERE chain = 'deadline:demo' AND seq = 1"
        )
    done = _verify(system)
    assert done.returncode == 1, done.stdout + done.stderr
    assert f"deadline:demo broken at seq 1 (entry {victim[5]}): content altered" in done.stdout
    assert re.search(r"^intake: OK", done.stdout, re.M) and "audit log NOT intact" in done.stdout
