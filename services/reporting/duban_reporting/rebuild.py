"""``python -m duban_reporting.rebuild [--check]`` (also ``duban rebuild reporting``): rebuild the
read models from the EV stream. Settings come from the environment like the service's own
(DUBAN_DATA_DIR or DUBAN_DATABASE_URL, DUBAN_NATS_URL), so it finds the same database."""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

import nats.errors

from .config import ReportingSettings
from .service_layer.rebuild import RebuildError, rebuild


def run(*, check: bool = False, nats_url: str | None = None, data_dir: Path | None = None, out=print) -> int:
    given = {"nats_url": nats_url, "data_dir": data_dir}
    settings = ReportingSettings(**{k: v for k, v in given.items() if v is not None})
    started = time.monotonic()
    try:
        outcome = asyncio.run(rebuild(settings, check=check))
    except (RebuildError, OSError, TimeoutError, nats.errors.Error) as error:
        out(f"rebuild failed: {error or type(error).__name__} (NATS {settings.nats_url}, database {settings.db_url()})")
        return 2
    replayed = outcome.replayed
    out(
        f"replayed DUBAN_EV 1..{replayed.last_seq}: {replayed.applied} events applied, {replayed.ignored} ignored, "
        f"{len(replayed.failed)} failed in {time.monotonic() - started:.1f}s"
    )
    for failure in replayed.failed:
        out(f"  skipped (the live consumer dead-letters it too): {failure}")
    out("rebuilt rows: " + ", ".join(f"{k} {v}" for k, v in outcome.counts.items()))
    if check:
        if outcome.differences:
            out(f"the live read model differs from the rebuilt one ({len(outcome.differences)} differences):")
            for difference in outcome.differences:
                out(f"  {difference}")
            return 1
        out("the live read model is identical to the rebuilt one")
        return 0
    caught_up = outcome.caught_up
    out(f"swapped into {settings.db_url()}; caught up {caught_up.applied} later events" if caught_up else "swapped")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="duban rebuild reporting", description=__doc__)
    parser.add_argument(
        "--check",
        action="store_true",
        help="build a fresh copy and compare it with the live read model; change nothing",
    )
    parser.add_argument("--nats-url")
    args = parser.parse_args(argv)
    return run(check=args.check, nats_url=args.nats_url)


if __name__ == "__main__":
    sys.exit(main())
