"""Intake → ledger end to end against the raw broker, in one run (issue 10, parts 1, 2 and 6).

    .venv/bin/python bench/throughput.py [--messages 2000] [--backend sqlite|postgresql] [--pg-url URL]

1. raw baseline: JetStream async publish of N envelopes of the online-message size to a stream
   on the same kind of nats-server, then one pull consumer fetching them all (msgs/s each);
2. end to end: the embedded system (its own nats-server, the five services, the demo tenant),
   N online messages published at full speed by an external publisher on
   ``duban.in.demo.online_message``, timed until every one is a matter in the ledger:
   items/s and the ratio to the raw baseline; 0 lost is checked (ledger total == N);
3. latency at a fixed rate (``--rate`` items/s for ``--seconds``), on the same running system
   after the throughput phase, once every durable consumer is drained: p50/p95/p99 from each
   message's publish to the commit of its ledger row (reporting's inbox records the wall-clock
   instant of the transaction that wrote the row; the matter.registered events on DUBAN_EV tie
   it to the published message);
4. peak RSS of each service process while it ran;
5. the broker's work per item (messages stored on DUBAN_IN/EV/OUT and deliveries to the durable
   consumers, counted by the server once the burst has drained) and the raw broker's ceiling
   for that work: 1 / (stored / raw publish rate + deliveries / raw consume rate), the items/s
   a system whose services cost nothing but that messaging would reach on this machine.

Prints a table and appends it to ``bench/results/<date>.md`` with the machine's cores and the
commit. Never used as a test.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import httpx
import nats
from nats.js.api import StreamConfig

from duban_cli.embedded import SERVICES, EmbeddedSystem, demo_units_path, load_demo_tenant
from duban_common.natsserver import NatsServer, free_port
from duban_common.testing.postgres import TemporaryDatabases

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from e2e_support import read_stream  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = json.loads((ROOT / "examples" / "online_message.json").read_text())
UNITS = ["zjj", "fgj", "jyj", "wjj", "sthj"]


def envelopes(n: int, run: str) -> list[bytes]:
    out = []
    for i in range(n):
        env = json.loads(json.dumps(EXAMPLE))
        env["id"] = f"bench-{run}-{i}"
        env["data"]["number"] = f"BENCH{run}{i:07d}"
        env["data"]["title"] = f"压测留言 {run}-{i}"
        env["data"]["lead_unit"] = UNITS[i % len(UNITS)]
        out.append(json.dumps(env, ensure_ascii=False).encode())
    return out


async def publish_all(url: str, subject: str, payloads: list[bytes], ids: list[str], window: int = 500) -> float:
    nc = await nats.connect(url)
    js = nc.jetstream()
    started = time.perf_counter()
    try:
        for start in range(0, len(payloads), window):
            acks = [
                await js.publish_async(subject, p, headers={"Nats-Msg-Id": m})
                for p, m in zip(payloads[start : start + window], ids[start : start + window])
            ]
            await asyncio.gather(*acks)
    finally:
        await nc.close()
    return time.perf_counter() - started


async def raw_baseline(tmp: Path, payloads: list[bytes]) -> tuple[float, float]:
    server = NatsServer(tmp / "raw-nats").start()
    try:
        nc = await nats.connect(server.url)
        js = nc.jetstream()
        await js.add_stream(StreamConfig(name="RAW", subjects=["raw.>"]))
        await nc.close()
        pub_s = await publish_all(server.url, "raw.x", payloads, [str(i) for i in range(len(payloads))])
        nc = await nats.connect(server.url)
        js = nc.jetstream()
        sub = await js.pull_subscribe("raw.x", durable="raw", stream="RAW")
        got, started = 0, time.perf_counter()
        while got < len(payloads):
            msgs = await sub.fetch(500, timeout=5)
            for m in msgs:
                await m.ack()
            got += len(msgs)
        consume_s = time.perf_counter() - started
        await nc.close()
        return len(payloads) / pub_s, len(payloads) / consume_s
    finally:
        server.stop()


def rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):  # the peak resident set
                return int(line.split()[1])
    except OSError:
        pass
    return 0


async def paced(url: str, subject: str, payloads: list[bytes], ids: list[str], rate: float) -> dict[str, float]:
    """Publish at a fixed rate (in 10 ms ticks); returns each message id's wall-clock publish instant."""
    nc = await nats.connect(url)
    js = nc.jetstream()
    sent: dict[str, float] = {}
    acks = []
    started = time.perf_counter()
    try:
        for i, (p, m) in enumerate(zip(payloads, ids)):
            due = started + i / rate
            if (wait := due - time.perf_counter()) > 0:
                await asyncio.sleep(wait)
            sent[m] = time.time()
            acks.append(await js.publish_async(subject, p, headers={"Nats-Msg-Id": m}))
        await asyncio.gather(*acks)
    finally:
        await nc.close()
    return sent


async def ledger_commits(nats_url: str, reporting_db: str, titles: dict[str, str]) -> dict[str, float]:
    """Message id → wall-clock instant reporting committed its ledger row: reporting's inbox row of
    the matter.registered event (same transaction as the row), found through the event's title."""
    from datetime import timezone

    from sqlalchemy import text

    from duban_common.db import Database

    event_to_message: dict[str, str] = {}
    for msg in await read_stream(nats_url, "duban.ev.demo.matter.registered"):
        env = json.loads(msg.data)
        if (m := titles.get(env["data"].get("title", ""))) is not None:
            event_to_message[env["id"]] = m
    db = Database(reporting_db)
    try:
        async with db.read() as s:
            rows = (
                await s.execute(
                    text("SELECT event_key, processed_at FROM inbox WHERE event_type = 'duban.matter.registered.v1'")
                )
            ).all()
    finally:
        await db.dispose()
    out = {}
    for key, at in rows:
        if (m := event_to_message.get(key.rsplit(" ", 1)[-1])) is not None:
            at = datetime.fromisoformat(at) if isinstance(at, str) else at
            out[m] = (at if at.tzinfo else at.replace(tzinfo=timezone.utc)).timestamp()
    return out


async def drained(url: str, quiet_s: float = 3.0, timeout_s: float = 3600) -> float:
    """Wait until every durable consumer has nothing pending or unacknowledged for ``quiet_s``;
    the instant (time.monotonic) they became so."""
    from duban_common.provisioning import CONSUMERS

    nc = await nats.connect(url)
    js = nc.jetstream()
    quiet_since, deadline = None, time.monotonic() + timeout_s
    try:
        while time.monotonic() < deadline:
            busy = 0
            for c in CONSUMERS:
                info = await js.consumer_info(c.stream, c.durable)
                busy += info.num_pending + info.num_ack_pending
            if busy:
                quiet_since = None
            elif quiet_since is None:
                quiet_since = time.monotonic()
            elif time.monotonic() - quiet_since >= quiet_s:
                return quiet_since
            await asyncio.sleep(0.5)
    finally:
        await nc.close()
    raise TimeoutError(f"the consumers still had work after {timeout_s:.0f} s")


async def broker_work(url: str) -> tuple[int, int]:
    """Messages stored on the streams Duban publishes to, and deliveries made to its durable
    consumers (redeliveries included), so far."""
    from duban_common.provisioning import CONSUMERS

    nc = await nats.connect(url)
    js = nc.jetstream()
    try:
        stored = sum([(await js.stream_info(name)).state.messages for name in ("DUBAN_IN", "DUBAN_EV", "DUBAN_OUT")])
        delivered = sum([(await js.consumer_info(c.stream, c.durable)).delivered.consumer_seq for c in CONSUMERS])
        return stored, delivered
    finally:
        await nc.close()


def head_commit() -> str:
    """The commit a result was measured at, marked when the code differed from it (changes to
    anything but bench/results/)."""
    git = lambda *a: subprocess.run(["git", *a], cwd=ROOT, capture_output=True, text=True).stdout  # noqa: E731
    dirty = [line for line in git("status", "--porcelain").splitlines() if not line[3:].startswith("bench/results/")]
    return git("rev-parse", "--short", "HEAD").strip() + (" + uncommitted changes" if dirty else "")


def percentile(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q / 100 * (len(values) - 1))))]


def latency(system: EmbeddedSystem, reporting_db: str, n: int, rate: float, run: str) -> dict:
    payloads = envelopes(n, run)
    ids = [f"/platforms/hotline-12345#bench-{run}-{i}" for i in range(n)]
    titles = {f"压测留言 {run}-{i}": ids[i] for i in range(n)}
    sent = asyncio.run(paced(system.nats_url, "duban.in.demo.online_message", payloads, ids, rate))
    office = system.headers("supervision_office")
    ledger = f"{system.url('reporting')}/v1/tenants/demo/ledger"
    deadline = time.monotonic() + 3600
    while time.monotonic() < deadline:
        if (
            httpx.get(ledger, params={"limit": 1, "q": f"压测留言 {run}-"}, headers=office, timeout=30).json()["total"]
            >= n
        ):
            break
        time.sleep(0.5)
    committed = asyncio.run(ledger_commits(system.nats_url, reporting_db, titles))
    lat = [committed[m] - sent[m] for m in sent if m in committed]
    return {
        "rate": rate,
        "n": n,
        "seen": len(lat),
        "p50": percentile(lat, 50),
        "p95": percentile(lat, 95),
        "p99": percentile(lat, 99),
        "max": max(lat),
    }


@contextlib.contextmanager
def demo_system(data_dir: Path, extra_env: dict[str, str] | None = None) -> Iterator[EmbeddedSystem]:
    """The embedded system (its own nats-server, the five services, the demo tenant), stopped at exit."""
    system = EmbeddedSystem(data_dir=data_dir, ports={s: free_port() for s in SERVICES}, extra_env=extra_env or {})
    system.start_nats(free_port())
    try:
        system.start_services()
        load_demo_tenant(system, demo_units_path())
        yield system
    finally:
        system.stop()
        system.nats.stop()


def ledger_total(system: EmbeddedSystem, office: dict[str, str]) -> int:
    """How many matters the demo tenant's ledger holds, as a supervision office sees it."""
    ledger = f"{system.url('reporting')}/v1/tenants/demo/ledger"
    return httpx.get(ledger, params={"limit": 1}, headers=office, timeout=30).json()["total"]


def end_to_end(
    tmp: Path,
    payloads: list[bytes],
    ids: list[str],
    backend: str,
    pg_url: str | None,
    rate: float = 0,
    seconds: float = 0,
) -> dict:
    with contextlib.ExitStack() as stack:
        extra, databases = {}, None
        if backend == "postgresql":  # one database per service, dropped afterwards
            databases = stack.enter_context(TemporaryDatabases(pg_url, SERVICES, tag="bench"))
            extra["DUBAN_DATABASE_URL"] = databases.template
        system = stack.enter_context(demo_system(tmp / "e2e", extra))
        office = system.headers("supervision_office")
        base = ledger_total(system, office)
        work_before = asyncio.run(broker_work(system.nats_url))
        started = time.monotonic()
        pub_s = asyncio.run(publish_all(system.nats_url, "duban.in.demo.online_message", payloads, ids))
        seen, deadline = 0, time.monotonic() + 3600
        peaks = {name: 0 for name in SERVICES}
        while time.monotonic() < deadline:
            seen = ledger_total(system, office) - base
            for name, sp in system.services.items():
                peaks[name] = max(peaks[name], rss_kb(sp.proc.pid))
            if seen >= len(payloads):
                break
            time.sleep(0.5)
        total_s = time.monotonic() - started
        # the burst's downstream events (tasks, deadlines, their projections) are still queued
        # when its last matter reaches the ledger: count the broker's work (and measure the
        # steady state) once they are done
        drained_s = asyncio.run(drained(system.nats_url)) - started
        work = [
            (after - before) / len(payloads)
            for before, after in zip(work_before, asyncio.run(broker_work(system.nats_url)))
        ]
        lat = None
        if rate and seconds:
            reporting_db = (
                databases.template.replace("{service}", "reporting")
                if databases is not None
                else f"sqlite+aiosqlite:///{(tmp / 'e2e' / 'reporting.db').resolve()}"
            )
            lat = latency(system, reporting_db, int(rate * seconds), rate, uuid.uuid4().hex[:6])
            for name, sp in system.services.items():
                peaks[name] = max(peaks[name], rss_kb(sp.proc.pid))
        return {
            "publish_per_s": len(payloads) / pub_s,
            "items_per_s": seen / total_s,
            "seconds": total_s,
            "seen": seen,
            "drained_s": drained_s,
            "peak_rss_mb": {k: v / 1024 for k, v in peaks.items()},
            "latency": lat,
            "stored_per_item": work[0],
            "deliveries_per_item": work[1],
        }


SERVER_SETTINGS = ("autovacuum", "shared_buffers", "synchronous_commit")


def pg_settings(pg_url: str) -> str:
    """The PostgreSQL server's settings that move these numbers. With autovacuum off nothing is
    analyzed, prepared statements keep the generic plans made while the tables were empty
    (sequential scans), and the rate falls as the tables grow (bench/README.md)."""
    import asyncpg

    async def read() -> list:
        conn = await asyncpg.connect(pg_url.replace("postgresql+asyncpg://", "postgresql://"))
        try:
            return await conn.fetch(
                "SELECT name, setting, unit FROM pg_settings WHERE name = ANY($1::text[]) ORDER BY name",
                list(SERVER_SETTINGS),
            )
        finally:
            await conn.close()

    def shown(setting: str, unit: str | None) -> str:
        return f"{int(setting) * 8 // 1024} MB" if unit == "8kB" else setting + (f" {unit}" if unit else "")

    return ", ".join(f"{r['name']} {shown(r['setting'], r['unit'])}" for r in asyncio.run(read()))


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--messages", type=int, default=2000)
    p.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    p.add_argument("--pg-url", default="postgresql+asyncpg://postgres@127.0.0.1:5432/postgres")
    p.add_argument(
        "--rate", type=float, default=0, help="then publish at this fixed rate (items/s) and measure latency"
    )
    p.add_argument("--seconds", type=float, default=60, help="how long to publish at --rate")
    args = p.parse_args()
    run = uuid.uuid4().hex[:6]
    payloads = envelopes(args.messages, run)
    ids = [f"/platforms/hotline-12345#bench-{run}-{i}" for i in range(args.messages)]
    with tempfile.TemporaryDirectory(prefix="duban-bench-") as tmp:
        pub, con = asyncio.run(raw_baseline(Path(tmp), payloads))
        e2e = end_to_end(Path(tmp), payloads, ids, args.backend, args.pg_url, args.rate, args.seconds)
    commit = head_commit()
    size = sum(map(len, payloads)) // len(payloads)
    lines = [
        f"## intake → ledger, {args.backend}, {args.messages} online messages ({size} B each) — commit {commit}, "
        f"{os.cpu_count()} cores, {date.today().isoformat()}",
        "",
        "| measure | value |",
        "|---|---|",
        f"| raw JetStream async publish | {pub:,.0f} msgs/s |",
        f"| raw JetStream pull consume (batch 500, ack each) | {con:,.0f} msgs/s |",
        f"| external publisher into duban.in (PubAck) | {e2e['publish_per_s']:,.0f} msgs/s |",
        f"| end to end, publish → all in the ledger | {e2e['items_per_s']:,.1f} items/s ({e2e['seconds']:.1f} s) |",
        f"| ratio to the raw pull consume | {e2e['items_per_s'] / con:.3f} |",
        f"| publish → every consumer done (deadlines, escalation, projections) | {args.messages / e2e['drained_s']:,.1f} items/s "
        f"({e2e['drained_s']:.1f} s) |",
        f"| in the ledger / published (lost) | {e2e['seen']} / {args.messages} ({args.messages - e2e['seen']} lost) |",
    ]
    if args.backend == "postgresql":
        lines.append(f"| PostgreSQL server settings | {pg_settings(args.pg_url)} |")
    ceiling = 1 / (e2e["stored_per_item"] / pub + e2e["deliveries_per_item"] / con)
    lines += [
        f"| broker's work per item (stored messages, deliveries to consumers) | {e2e['stored_per_item']:.2f} stored, "
        f"{e2e['deliveries_per_item']:.2f} deliveries |",
        f"| raw broker's ceiling for that work, 1 / (stored / publish + deliveries / consume) | {ceiling:,.0f} items/s "
        f"(end to end is {e2e['items_per_s'] / ceiling:.3f} of it) |",
    ]
    if (lat := e2e["latency"]) is not None:
        lines.append(
            f"| latency at {lat['rate']:g} items/s for {args.seconds:g} s ({lat['seen']}/{lat['n']} seen), publish → ledger row "
            f"committed | p50 {lat['p50'] * 1000:,.0f} ms, p95 {lat['p95'] * 1000:,.0f} ms, p99 {lat['p99'] * 1000:,.0f} ms, "
            f"max {lat['max'] * 1000:,.0f} ms |"
        )
    lines += [
        "| peak RSS per service (MB) | " + ", ".join(f"{k} {v:.0f}" for k, v in e2e["peak_rss_mb"].items()) + " |",
        "",
    ]
    append_result("\n".join(lines))


def append_result(text: str, name: str = "") -> None:
    """Print a result table and append it to today's bench/results/<date><name>.md."""
    print(text)
    out = ROOT / "bench" / "results" / f"{date.today().isoformat()}{name}.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("a", encoding="utf-8") as results:
        results.write(text + "\n")
    print(f"appended to {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
