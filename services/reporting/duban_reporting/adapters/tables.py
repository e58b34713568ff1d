"""Moving the read models between two databases: the swap of a rebuild, and the comparison of a
rebuilt copy with the live one. Generic over SQLite and PostgreSQL (SQLAlchemy Core)."""

from __future__ import annotations

from sqlalchemy import Table, func, inspect, select, text

from duban_common.db import Database

from . import ledger_search
from .orm import PROJECTIONS_CONSUMER, READ_MODEL, infra

CHUNK = 1000


def _inbox_query():
    return select(infra.inbox).where(infra.inbox.c.consumer == PROJECTIONS_CONSUMER).order_by(infra.inbox.c.event_key)


async def _rows(db: Database, table: Table) -> list[dict]:
    pk = list(table.primary_key.columns)
    async with db.read() as s:
        return [dict(r) for r in (await s.execute(select(table).order_by(*pk))).mappings()]


async def counts(db: Database) -> dict[str, int]:
    out = {}
    async with db.read() as s:
        for t in READ_MODEL:
            out[t.name] = (await s.execute(select(func.count()).select_from(t))).scalar_one()
    return out


async def swap(fresh: Database, live: Database) -> None:
    """Replace the live read models and the projections consumer's inbox rows with ``fresh``'s,
    in one transaction. A live table whose columns differ from the declaration is recreated."""
    rows = {t.name: await _rows(fresh, t) for t in READ_MODEL}
    async with fresh.read() as s:
        inbox_rows = [dict(r) for r in (await s.execute(_inbox_query())).mappings()]
    async with live.transaction() as s:
        conn = await s.connection()
        if not live.is_sqlite:
            # Writers of the live service wait until the swap commits, then find the new rows.
            names = ", ".join(t.name for t in (*READ_MODEL, infra.inbox))
            await s.execute(text(f"LOCK TABLE {names} IN EXCLUSIVE MODE"))
        drifted = await conn.run_sync(_drifted)
        for t in READ_MODEL:
            if t.name in drifted:
                await conn.run_sync(lambda c, t=t: (t.drop(c), t.create(c)))
            else:
                await s.execute(t.delete())
            for i in range(0, len(rows[t.name]), CHUNK):
                await s.execute(t.insert(), rows[t.name][i : i + CHUNK])
        await ledger_search.catch_up(s)  # the new ledger rows' search rows (SQLite)
        await s.execute(infra.inbox.delete().where(infra.inbox.c.consumer == PROJECTIONS_CONSUMER))
        for i in range(0, len(inbox_rows), CHUNK):
            await s.execute(infra.inbox.insert(), inbox_rows[i : i + CHUNK])


def _drifted(conn) -> set[str]:
    insp = inspect(conn)
    return {t.name for t in READ_MODEL if {c["name"] for c in insp.get_columns(t.name)} != {c.name for c in t.columns}}


async def compare(fresh: Database, live: Database, limit: int = 20) -> list[str]:
    """Differences between the rebuilt read models and the live ones (empty: identical)."""
    diffs: list[str] = []
    for t in READ_MODEL:
        pk = [c.name for c in t.primary_key.columns]
        a = {tuple(r[k] for k in pk): r for r in await _rows(fresh, t)}
        b = {tuple(r[k] for k in pk): r for r in await _rows(live, t)}
        for key in sorted(a.keys() - b.keys()):
            diffs.append(f"{t.name} {key}: only in the rebuilt copy")
        for key in sorted(b.keys() - a.keys()):
            diffs.append(f"{t.name} {key}: only in the live read model")
        for key in sorted(a.keys() & b.keys()):
            changed = {c: (a[key][c], b[key][c]) for c in a[key] if a[key][c] != b[key].get(c)}
            if changed:
                diffs.append(f"{t.name} {key}: rebuilt vs live {changed}")
    async with fresh.read() as s:
        ia = set(
            (
                await s.execute(select(infra.inbox.c.event_key).where(infra.inbox.c.consumer == PROJECTIONS_CONSUMER))
            ).scalars()
        )
    async with live.read() as s:
        ib = set(
            (
                await s.execute(select(infra.inbox.c.event_key).where(infra.inbox.c.consumer == PROJECTIONS_CONSUMER))
            ).scalars()
        )
    if ia != ib:
        diffs.append(f"inbox: {len(ia - ib)} events applied only by the rebuild, {len(ib - ia)} only live")
    return diffs[:limit] + ([f"... and {len(diffs) - limit} more"] if len(diffs) > limit else [])
