"""Every benchmark of issue 10, on the embedded system (SQLite) and on PostgreSQL, in one run.

    .venv/bin/python bench/all.py [--scale full|quick] [--backends sqlite,postgresql] [--pg-url URL]

Runs, one after the other and one backend after the other (they would share two cores):

1. and 2. ``bench/throughput.py``: the raw JetStream baseline, then N online messages published
   at full speed into the embedded system and timed until every one is in the ledger;
3. the same script's fixed-rate phase (latency publish → ledger row), once every consumer has
   drained the burst;
4. ``bench/timer_lateness.py``: open tasks with a crowd of them due inside one minute;
5. ``bench/ledger.py``: ledger queries, the .xlsx export and a year's statistics;
6. peak RSS: each script reports the services it ran.

``full`` is the issue's scale: 100,000 messages, 1,000 items/s for 60 s, 1,000,000 open tasks
with 100,000 due in a minute, 1,000,000 matters. It takes hours on two cores, most of it
draining the end-to-end load. ``quick`` (2,000 messages, 50 items/s for 30 s, 100,000 tasks
with 10,000 due, 100,000 matters) takes about a quarter of an hour. Each script appends its
table to ``bench/results/<date>.md`` (the ledger to ``<date>-ledger.md``) with the machine's
cores and the commit, and prints it. A script that fails is reported and the rest still run;
the exit code says whether all of them finished. Never used as a test.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
SCALES = {
    "full": {
        "messages": 100_000,
        "rate": 1_000,
        "seconds": 60,
        "open": 1_000_000,
        "due": 100_000,
        "matters": 1_000_000,
    },
    "quick": {"messages": 2_000, "rate": 50, "seconds": 30, "open": 100_000, "due": 10_000, "matters": 100_000},
}


def flags(scale: dict, *names: str) -> list[str]:
    """``--<name> <value>`` for each of ``names``, the values from the scale."""
    return [part for name in names for part in (f"--{name}", str(scale[name]))]


def runs(scale: dict, backend: str, pg_url: str) -> list[list[str]]:
    pg = ["--pg-url", pg_url] if backend == "postgresql" else []
    return [
        ["throughput.py", "--backend", backend, *flags(scale, "messages", "rate", "seconds"), *pg],
        ["timer_lateness.py", "--backend", backend, *flags(scale, "open", "due"), *(["--pg", pg_url] if pg else [])],
        ["ledger.py", "--backend", backend, *flags(scale, "matters"), *pg],
    ]


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--scale", choices=sorted(SCALES), default="full")
    p.add_argument("--backends", default="sqlite,postgresql", help="comma-separated: sqlite, postgresql")
    p.add_argument("--pg-url", default="postgresql+asyncpg://postgres@127.0.0.1:5432/postgres")
    args = p.parse_args()
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    unknown = sorted(set(backends) - {"sqlite", "postgresql"})
    if unknown:
        p.error(f"--backends: unknown {unknown}; expected sqlite and/or postgresql")
    failed = []
    for backend in backends:
        for script, *rest in runs(SCALES[args.scale], backend, args.pg_url):
            command = [sys.executable, str(BENCH / script), *rest]
            print(f"\n### {' '.join(command[1:])}", flush=True)
            started = time.monotonic()
            code = subprocess.run(command).returncode
            print(f"### {script} on {backend}: exit {code} after {time.monotonic() - started:,.0f} s", flush=True)
            if code:
                failed.append(f"{script} ({backend}): exit {code}")
    if failed:
        print("\nfailed: " + "; ".join(failed), file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
