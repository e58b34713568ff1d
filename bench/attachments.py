"""Report attachments through tasking's HTTP API into the NATS Object Store and back.

    .venv/bin/python bench/attachments.py [--sizes-mb 1,5,19] [--rounds 5] [--parallel 4]

Starts a nats-server and tasking (authentication off, SQLite) of its own on free ports, then,
for each size: ``--rounds`` uploads of a PDF of that size one after the other, the same number
of downloads, and ``--parallel`` downloads at once; then one upload 2 MB over the limit, refused.
Prints the time of each (median and worst), the rate, and tasking's peak RSS (VmHWM), which
says whether files are held in memory. Never used as a test.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from throughput import rss_kb  # noqa: E402  (bench/throughput.py: the peak resident set of a pid)

from duban_cli.embedded import ServiceProcess  # noqa: E402
from duban_common.natsserver import NatsServer, free_port  # noqa: E402

UNIT = {"X-Duban-Role": "unit", "X-Duban-Unit": "zjj"}
LIMIT_MB = 20


def a_task(base: str, nats_url: str) -> str:
    import asyncio

    import nats

    from duban_common.envelope import new_event
    from e2e_support import START

    httpx.put(
        f"{base}/v1/tenants/bench/units",
        content="code,name,type\nzjj,县住房和城乡建设局,department\n",
        headers={"content-type": "text/csv"},
        timeout=10,
    ).raise_for_status()
    matter = str(uuid.uuid4())

    async def publish() -> None:
        nc = await nats.connect(nats_url)
        data = {
            "matter_id": matter,
            "title": "附件基准",
            "content": "-",
            "registered_at": START.isoformat(),
            "lead_unit": "zjj",
            "origin": {"kind": "meeting_decision", "source": "/bench", "submission_id": matter, "external_id": matter},
        }
        env = new_event(
            tenant="bench", type="duban.matter.registered.v1", source="/duban/intake", data=data, time=START
        )
        await nc.jetstream().publish(
            "duban.ev.bench.matter.registered", env.to_bytes(), headers={"Nats-Msg-Id": env.id}
        )
        await nc.close()

    asyncio.run(publish())
    for _ in range(300):
        items = httpx.get(f"{base}/v1/tenants/bench/tasks", params={"matter_id": matter}, timeout=10).json()["items"]
        if items:
            return items[0]["id"]
        time.sleep(0.1)
    raise RuntimeError("no task")


def timed(fn) -> tuple[float, object]:
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


def line(what: str, seconds: list[float], mb: float) -> str:
    med, worst = statistics.median(seconds), max(seconds)
    return f"| {what} | {med * 1000:.0f} | {worst * 1000:.0f} | {mb / med:.0f} |"


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes-mb", default="1,5,19")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--parallel", type=int, default=4)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        server = NatsServer(Path(tmp) / "nats").start()
        env = dict(
            os.environ,
            DUBAN_NATS_URL=server.url,
            DUBAN_DATA_DIR=tmp,
            DUBAN_HTTP_PORT=str(free_port()),
            DUBAN_AUTH="off",
            DUBAN_MAX_UPLOAD_BYTES=str(LIMIT_MB * 1_000_000),
            PYTHONUNBUFFERED="1",
        )
        tasking = ServiceProcess("tasking", int(env["DUBAN_HTTP_PORT"]), env, Path(tmp) / "tasking.log")
        tasking.start()
        try:
            tasking.wait_ready()
            task = a_task(tasking.url, server.url)
            url = f"{tasking.url}/v1/tenants/bench/tasks/{task}/attachments"
            rows = []
            with httpx.Client(timeout=120, headers=UNIT) as c:
                for size in (float(s) for s in args.sizes_mb.split(",")):
                    body = b"%PDF-1.7\n" + os.urandom(int(size * 1_000_000) - 9)
                    ups = [timed(lambda: c.post(url, files={"file": ("基准.pdf", body)})) for _ in range(args.rounds)]
                    assert all(r.status_code == 201 for _, r in ups), ups[0][1].text
                    file_id = ups[0][1].json()["id"]
                    downs = [timed(lambda: c.get(f"{url}/{file_id}")) for _ in range(args.rounds)]
                    assert all(r.content == body for _, r in downs)
                    with ThreadPoolExecutor(args.parallel) as pool:
                        together, _ = timed(
                            lambda: list(pool.map(lambda _: c.get(f"{url}/{file_id}").content, range(args.parallel)))
                        )
                    rows += [
                        line(f"upload {size:g} MB", [t for t, _ in ups], size),
                        line(f"download {size:g} MB", [t for t, _ in downs], size),
                        f"| {args.parallel} downloads of {size:g} MB at once | {together * 1000:.0f} | | {size * args.parallel / together:.0f} |",
                    ]
                over = b"%PDF-1.7\n" + os.urandom((LIMIT_MB + 2) * 1_000_000)
                refused, r = timed(lambda: c.post(url, files={"file": ("过大.pdf", over)}))
                assert r.status_code == 413, r.text
                rows.append(f"| refused {LIMIT_MB + 2} MB upload (Content-Length) | {refused * 1000:.0f} | | |")
            peak = rss_kb(tasking.proc.pid) / 1024
        finally:
            tasking.stop()
            server.stop()
    print(f"\n{os.cpu_count()} cores, tasking with SQLite, one nats-server; times in ms\n")
    print("| what | median ms | worst ms | MB/s |\n|---|---|---|---|")
    print("\n".join(rows))
    print(f"\ntasking's peak RSS: {peak:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
