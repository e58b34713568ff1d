"""``duban rebuild <service>``: rebuild a service's read models by replaying the event streams.

Reporting keeps the read models (DESIGN.md §2); intake and escalation keep a copy of the units
directory only (duban_common.unit_rebuild), reporting keeps one among its read models. The command runs the service's own rebuild
(``duban_<service>.rebuild``) with the same settings the service reads from the environment,
so it works with the service stopped or running."""

from __future__ import annotations

import importlib
import os
import sys

from .target import Target

REBUILDABLE = ("reporting", "intake", "escalation")


def add_parser(sub) -> None:
    parser = sub.add_parser(
        "rebuild",
        help="rebuild a service's read models from the event stream "
        "(reporting; intake and escalation: their units directory)",
    )
    parser.add_argument("service", choices=REBUILDABLE)
    parser.add_argument(
        "--check", action="store_true", help="compare a fresh rebuild with the live read model; change nothing"
    )


def cmd_rebuild(args, run: Target) -> int:
    if not os.environ.get("DUBAN_DATABASE_URL"):
        run.require_data_dir()
    try:
        module = importlib.import_module(f"duban_{args.service}.rebuild")
    except ImportError as error:
        print(f"duban rebuild: the {args.service} service is not installed here ({error})", file=sys.stderr)
        return 2
    return module.run(check=args.check, nats_url=run.nats_url, data_dir=run.data_dir)
