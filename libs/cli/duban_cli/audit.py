"""``duban audit verify``: recompute the services' hash-chained audit logs (DESIGN.md §7).

Finds each service's database the way the services do: ``--database-url`` (or
$DUBAN_DATABASE_URL; ``{service}`` in it is replaced by the service name), otherwise the
SQLite file ``<data dir>/<service>.db`` of the embedded run (``--data-dir``, default
$DUBAN_DATA_DIR or ``data``). Exit status: 0 every chain is intact, 1 a chain is broken
(the first broken link is named) or a database has no audit log, 2 a database could not
be read."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from duban_common import audit
from duban_common.db import Database

from .embedded import SERVICES
from .target import target


def add_parser(sub) -> None:
    p = sub.add_parser("audit", help="verify the hash-chained audit logs")
    asub = p.add_subparsers(dest="audit_cmd", required=True)
    v = asub.add_parser("verify", help="recompute every chain; name the first broken link")
    which = v.add_mutually_exclusive_group()
    which.add_argument("--service", choices=SERVICES)
    which.add_argument("--all", action="store_true", help="every service (the default)")
    v.add_argument("--database-url", help="default: $DUBAN_DATABASE_URL, else <data dir>/<service>.db")
    v.add_argument("--data-dir", help="the embedded run's data folder (default: $DUBAN_DATA_DIR or data)")
    v.add_argument("--tenant", help="only this tenant's chains")


def cmd_audit(args, out=print) -> int:
    services = [args.service] if args.service else list(SERVICES)
    url = args.database_url or os.environ.get("DUBAN_DATABASE_URL")
    data_dir = target(data_dir=args.data_dir).data_dir
    if not url:
        print(f"目标 target: 数据目录 data folder {data_dir}", file=sys.stderr)
    status, found = 0, 0
    for service in services:
        if not url and not (data_dir / f"{service}.db").exists() and not args.service:
            out(f"{service}: no database at {data_dir / f'{service}.db'} (skipped)")
            continue
        found += 1
        status = max(status, asyncio.run(_verify_service(service, url, data_dir, args.tenant, out=out)))
    if not found:
        out(f"no service database found in {data_dir}")
        return 2
    out("audit log intact" if status == 0 else "audit log NOT intact" if status == 1 else "audit verification incomplete")
    return status


async def _verify_service(service: str, url: str | None, data_dir: Path, tenant: str | None, *, out) -> int:
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
            reports = await audit.verify_database(db, service=service, tenant=tenant)
        except Exception as e:  # reported with the service named; the others are still verified
            missing = "no such table" in str(e) or "does not exist" in str(e)
            out(f"{service}: {'no audit log in this database' if missing else f'cannot read the audit log: {type(e).__name__}: {e}'}")
            return 1 if missing else 2
    finally:
        await db.dispose()
    if not reports:
        out(f"{service}: OK, no entries" + (f" for tenant {tenant}" if tenant else ""))
        return 0
    broken = [r for r in reports if not r.ok]
    total = sum(r.entries for r in reports)
    out(f"{service}: {'OK' if not broken else 'BROKEN'}, {total} entries verified in {len(reports)} chain(s)")
    for r in reports:
        line = f"  {r.chain}: {r.entries} entries" + (f", seq 1..{r.last_seq}" if r.last_seq else "")
        out(line if r.ok else f"{line} before the break\n  BROKEN {r.broken.describe()}")
    return 1 if broken else 0


def main(argv: list[str] | None = None) -> int:  # python -m duban_cli.audit verify ...
    import argparse

    p = argparse.ArgumentParser(prog="duban")
    add_parser(p.add_subparsers(dest="cmd", required=True))
    return cmd_audit(p.parse_args(["audit", *(argv if argv is not None else sys.argv[1:])]))


if __name__ == "__main__":
    sys.exit(main())
