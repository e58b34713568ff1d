"""CPU per online message, service by service: where end-to-end throughput goes (issue 10).

    .venv/bin/python bench/cpu_per_item.py [--messages 3000] [--py-spy SECONDS] [--idle SECONDS] [--rate ITEMS_PER_S] [--env NAME=VALUE ...]

Starts the embedded system (its own nats-server, the five services on SQLite, the demo tenant),
publishes ``--messages`` online messages at full speed, waits until every one is in the ledger
(items/s) and then until the services are quiet (no CPU for 3 s), and prints each process's CPU
time (user + system, from /proc) per message, and how many events of each type one message
made. Two cores shared by five services and a broker are CPU-bound: items/s is about
cores / (CPU per item). ``--py-spy S``: also record each service with py-spy (on PATH, `--gil`:
CPU, not waits in C) for S seconds from the first publish, rounded up to whole seconds (py-spy
panics on a fraction), as raw stacks in the working directory; py-spy 0.4.3 cannot read this
machine's Python 3.11.7 ("Failed to find python version"), 0.4.0 can. ``--idle S``: first
measure each process's CPU over S seconds with nothing to do (the cost of consumers that poll).
``--rate R``: publish at R items/s instead of all at once (a steady trickle makes
small groups). ``--env``: settings for the services (e.g. DUBAN_FETCH_WAIT_S=1.0), to compare. Prints only;
never used as a test.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from duban_cli.embedded import SERVICES

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from throughput import demo_system, envelopes, ledger_total, paced, publish_all  # noqa: E402  (bench/ is the script's folder)

from e2e_support import read_stream  # noqa: E402


def cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--messages", type=int, default=3000)
    p.add_argument("--py-spy", type=float, default=0, metavar="SECONDS")
    p.add_argument("--idle", type=float, default=0, metavar="SECONDS")
    p.add_argument("--rate", type=float, default=0, metavar="ITEMS_PER_S")
    p.add_argument("--env", nargs="*", default=[], metavar="NAME=VALUE")
    args = p.parse_args()
    n = args.messages
    env = dict(pair.split("=", 1) for pair in args.env)
    with tempfile.TemporaryDirectory(prefix="duban-cpu-") as tmp, demo_system(Path(tmp) / "e2e", env) as system:
        office = system.headers("supervision_office")
        base = ledger_total(system, office)
        time.sleep(5)  # the demo tenant's own events settle
        pids = {name: sp.proc.pid for name, sp in system.services.items()} | {"nats-server": system.nats.proc.pid}
        if args.idle:
            idle_from = {name: cpu_s(pid) for name, pid in pids.items()}
            time.sleep(args.idle)
            idle = {name: cpu_s(pid) - idle_from[name] for name, pid in pids.items()}
            print(
                f"idle for {args.idle:.0f} s with {env or 'the default settings'}: "
                + ", ".join(f"{name} {100 * cpu / args.idle:.1f}%" for name, cpu in idle.items())
                + f"; all {100 * sum(idle.values()) / args.idle:.1f}% of one core"
            )
        spies = []
        if args.py_spy and shutil.which("py-spy"):
            spies = [
                subprocess.Popen(
                    [
                        "py-spy",
                        "record",
                        "-p",
                        str(pid),
                        "-r",
                        "50",
                        "--gil",
                        "-d",
                        str(math.ceil(args.py_spy)),
                        "-f",
                        "raw",
                        "-o",
                        f"py-spy-{name}.txt",
                    ],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
                for name, pid in pids.items()
                if name in SERVICES
            ]
        before = {name: cpu_s(pid) for name, pid in pids.items()}
        run = uuid.uuid4().hex[:6]
        started = time.perf_counter()
        ids = [f"/platforms/hotline-12345#cpu-{run}-{i}" for i in range(n)]
        if args.rate:
            asyncio.run(paced(system.nats_url, "duban.in.demo.online_message", envelopes(n, run), ids, args.rate))
        else:
            asyncio.run(publish_all(system.nats_url, "duban.in.demo.online_message", envelopes(n, run), ids))
        while ledger_total(system, office) - base < n:
            time.sleep(0.2)
        in_ledger_s = time.perf_counter() - started
        last = None
        while True:
            time.sleep(3)
            now = {name: cpu_s(pid) for name, pid in pids.items()}
            if last is not None and sum(now.values()) - sum(last.values()) < 0.3:
                break
            last = now
        quiet_s = time.perf_counter() - started
        for spy in spies:
            spy.wait()
        events = collections.Counter()
        for family in ("duban.ev.>", "duban.out.>", "duban.dlq.>"):
            for m in asyncio.run(read_stream(system.nats_url, family)):
                parts = m.subject.split(".")
                events[".".join(parts[:2] + parts[3:])] += 1
    print(
        f"{n} online messages ({f'{args.rate:g} items/s' if args.rate else 'all at once'}): all in the ledger after {in_ledger_s:.1f} s ({n / in_ledger_s:,.1f} items/s), "
        f"the services quiet after {quiet_s:.1f} s"
    )
    print("| process | CPU s | CPU ms per message |\n|---|---|---|")
    for name in pids:
        print(f"| {name} | {now[name] - before[name]:.1f} | {1000 * (now[name] - before[name]) / n:.2f} |")
    total = sum(now[s] - before[s] for s in SERVICES)
    print(f"| the five services | {total:.1f} | {1000 * total / n:.2f} |")
    print("events per message: " + ", ".join(f"{k} {v / n:.2f}" for k, v in events.most_common()))


if __name__ == "__main__":
    main()
