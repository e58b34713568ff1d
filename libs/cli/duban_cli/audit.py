"""``duban audit verify``: recompute the services' hash-chained audit logs (DESIGN.md §7).

Finds each service's database the way the services do: ``--database-url`` (or
$DUBAN_DATABASE_URL; ``{service}`` in it is replaced by the service name), otherwise the
SQLite file ``<data dir>/<service>.db`` of the embedded run (``--data-dir``, default
$DUBAN_DATA_DIR or ``data``). Each chain is also checked against its latest head anchored
in the JetStream stream DUBAN_AUDIT (``--nats-url``, default $DUBAN_NATS_URL or the embedded
run's; ``--no-anchors`` checks the databases alone): a tail deleted with its head rewound, or
a chain deleted with its head, is named too. Exit status: 0 every chain is intact, 1 a chain
is broken (the first broken link is named) or a database has no audit log, 2 a database or
the anchors could not be read."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import nats

from duban_common import anchors, audit
from duban_common.db import Database

from .embedded import EMBEDDED_NATS_PORT, SERVICES
from .target import target


def add_parser(sub) -> None:
    parser = sub.add_parser("audit", help="verify the hash-chained audit logs")
    asub = parser.add_subparsers(dest="audit_cmd", required=True)
    verify = asub.add_parser("verify", help="recompute every chain; name the first broken link")
    which = verify.add_mutually_exclusive_group()
    which.add_argument("--service", choices=SERVICES)
    which.add_argument("--all", action="store_true", help="every service (the default)")
    verify.add_argument("--database-url", help="default: $DUBAN_DATABASE_URL, else <data dir>/<service>.db")
    verify.add_argument("--data-dir", help="the embedded run's data folder (default: $DUBAN_DATA_DIR or data)")
    verify.add_argument("--tenant", help="only this tenant's chains")
    verify.add_argument(
        "--nats-url",
        help=f"where the anchors are (default: $DUBAN_NATS_URL, else nats://127.0.0.1:{EMBEDDED_NATS_PORT})",
    )
    verify.add_argument(
        "--no-anchors", action="store_true", help="check the databases alone, not against the anchored heads"
    )


def cmd_audit(args, out=print) -> int:
    services = [args.service] if args.service else list(SERVICES)
    url = args.database_url or os.environ.get("DUBAN_DATABASE_URL")
    run = target(data_dir=args.data_dir, nats_url=args.nats_url)
    data_dir = run.data_dir
    if not url:
        print(f"目标 target: 数据目录 data folder {data_dir}", file=sys.stderr)
    status, found, anchored = 0, 0, None
    if not args.no_anchors:
        nats_url = run.nats_url
        try:
            anchored = asyncio.run(_anchors(nats_url))
            out(f"anchors: the latest heads of {len(anchored)} chain(s) from {anchors.STREAM} at {nats_url}")
        except Exception as error:  # noqa: BLE001 - said, and the verification counts as incomplete
            out(
                f"anchors: cannot read {anchors.STREAM} at {nats_url} ({type(error).__name__}: {error}); a deleted tail or chain "
                "would go unseen — give --nats-url, or --no-anchors to check the databases alone"
            )
            status = 2
    for service in services:
        if not url and not (data_dir / f"{service}.db").exists() and not args.service:
            lost = sorted(c for c in anchored or {} if c.split(":", 1)[0] == service)
            out(
                f"{service}: no database at {data_dir / f'{service}.db'}"
                + (f"; BROKEN: {len(lost)} chain(s) anchored: {', '.join(lost)}" if lost else " (skipped)")
            )
            status = max(status, 1 if lost else 0)
            continue
        found += 1
        status = max(status, asyncio.run(_verify_service(service, url, data_dir, args.tenant, anchored, out=out)))
    if not found:
        out(f"no service database found in {data_dir}")
        return 2
    out(
        "audit log intact"
        if status == 0
        else "audit log NOT intact"
        if status == 1
        else "audit verification incomplete"
    )
    return status


async def _anchors(nats_url: str) -> dict[str, anchors.Anchor]:
    async def quiet(_error: Exception) -> None:  # the failure is reported once, by the caller
        pass

    nc = await nats.connect(nats_url, connect_timeout=5, max_reconnect_attempts=1, error_cb=quiet)
    try:
        return await anchors.latest(nc.jetstream(timeout=10))
    finally:
        await nc.close()


async def _verify_service(
    service: str,
    url: str | None,
    data_dir: Path,
    tenant: str | None,
    anchored: dict[str, anchors.Anchor] | None,
    *,
    out,
) -> int:
    if url:
        db_url = url.replace("{service}", service)
    else:
        path = data_dir / f"{service}.db"
        if not path.exists():  # opening would create an empty database
            out(f"{service}: no database at {path}")
            return 2
        db_url = f"sqlite+aiosqlite:///{path}"
    db = Database(db_url)
    try:
        try:
            reports = await audit.verify_database(db, service=service, tenant=tenant, anchors=anchored)
        except Exception as error:  # reported with the service named; the others are still verified
            missing = "no such table" in str(error) or "does not exist" in str(error)
            out(
                f"{service}: {'no audit log in this database' if missing else f'cannot read the audit log: {type(error).__name__}: {error}'}"
            )
            return 1 if missing else 2
    finally:
        await db.dispose()
    if not reports:
        out(f"{service}: OK, no entries" + (f" for tenant {tenant}" if tenant else ""))
        return 0
    broken = [r for r in reports if not r.ok]
    total = sum(r.entries for r in reports)
    out(f"{service}: {'OK' if not broken else 'BROKEN'}, {total} entries verified in {len(reports)} chain(s)")
    for report in reports:
        line = (
            f"  {report.chain}: {report.entries} entries"
            + (f", seq 1..{report.last_seq}" if report.last_seq else "")
            + (f", anchored up to seq {report.anchored_seq}" if report.anchored_seq else "")
        )
        out(line if report.ok else f"{line} before the break\n  BROKEN {report.broken.describe()}")
    return 1 if broken else 0


def main(argv: list[str] | None = None) -> int:  # python -m duban_cli.audit verify ...
    import argparse

    parser = argparse.ArgumentParser(prog="duban")
    add_parser(parser.add_subparsers(dest="cmd", required=True))
    return cmd_audit(parser.parse_args(["audit", *(argv if argv is not None else sys.argv[1:])]))


if __name__ == "__main__":
    sys.exit(main())
