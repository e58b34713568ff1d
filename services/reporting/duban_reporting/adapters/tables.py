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
    key_columns = list(table.primary_key.columns)
    async with db.read() as session:
        return [dict(r) for r in (await session.execute(select(table).order_by(*key_columns))).mappings()]


async def counts(db: Database) -> dict[str, int]:
    out = {}
    async with db.read() as session:
        for table in READ_MODEL:
            out[table.name] = (await session.execute(select(func.count()).select_from(table))).scalar_one()
    return out


async def swap(fresh: Database, live: Database) -> None:
    """Replace the live read models and the projections consumer's inbox rows with ``fresh``'s,
    in one transaction. A live table whose columns differ from the declaration is recreated."""
    rows = {t.name: await _rows(fresh, t) for t in READ_MODEL}
    async with fresh.read() as session:
        inbox_rows = [dict(r) for r in (await session.execute(_inbox_query())).mappings()]
    async with live.transaction() as session:
        conn = await session.connection()
        if not live.is_sqlite:
            # Writers of the live service wait until the swap commits, then find the new rows.
            names = ", ".join(t.name for t in (*READ_MODEL, infra.inbox))
            await session.execute(text(f"LOCK TABLE {names} IN EXCLUSIVE MODE"))
        drifted = await conn.run_sync(_drifted)
        for table in READ_MODEL:
            if table.name in drifted:
                await conn.run_sync(lambda c, t=table: (t.drop(c), t.create(c)))
            else:
                await session.execute(table.delete())
            for start in range(0, len(rows[table.name]), CHUNK):
                await session.execute(table.insert(), rows[table.name][start : start + CHUNK])
        await ledger_search.catch_up(session)  # the new ledger rows' search rows (SQLite)
        await session.execute(infra.inbox.delete().where(infra.inbox.c.consumer == PROJECTIONS_CONSUMER))
        for start in range(0, len(inbox_rows), CHUNK):
            await session.execute(infra.inbox.insert(), inbox_rows[start : start + CHUNK])


def _drifted(conn) -> set[str]:
    insp = inspect(conn)
    return {t.name for t in READ_MODEL if {c["name"] for c in insp.get_columns(t.name)} != {c.name for c in t.columns}}


async def compare(fresh: Database, live: Database, limit: int = 20) -> list[str]:
    """Differences between the rebuilt read models and the live ones (empty: identical)."""
    diffs: list[str] = []
    for table in READ_MODEL:
        key_columns = [c.name for c in table.primary_key.columns]
        rebuilt_rows = {tuple(r[k] for k in key_columns): r for r in await _rows(fresh, table)}
        live_rows = {tuple(r[k] for k in key_columns): r for r in await _rows(live, table)}
        for key in sorted(rebuilt_rows.keys() - live_rows.keys()):
            diffs.append(f"{table.name} {key}: only in the rebuilt copy")
        for key in sorted(live_rows.keys() - rebuilt_rows.keys()):
            diffs.append(f"{table.name} {key}: only in the live read model")
        for key in sorted(rebuilt_rows.keys() & live_rows.keys()):
            changed = {
                c: (rebuilt_rows[key][c], live_rows[key][c])
                for c in rebuilt_rows[key]
                if rebuilt_rows[key][c] != live_rows[key].get(c)
            }
            if changed:
                diffs.append(f"{table.name} {key}: rebuilt vs live {changed}")
    async with fresh.read() as session:
        rebuilt_keys = set(
            (
                await session.execute(
                    select(infra.inbox.c.event_key).where(infra.inbox.c.consumer == PROJECTIONS_CONSUMER)
                )
            ).scalars()
        )
    async with live.read() as session:
        live_keys = set(
            (
                await session.execute(
                    select(infra.inbox.c.event_key).where(infra.inbox.c.consumer == PROJECTIONS_CONSUMER)
                )
            ).scalars()
        )
    if rebuilt_keys != live_keys:
        diffs.append(
            f"inbox: {len(rebuilt_keys - live_keys)} events applied only by the rebuild, "
            f"{len(live_keys - rebuilt_keys)} only live"
        )
    return diffs[:limit] + ([f"... and {len(diffs) - limit} more"] if len(diffs) > limit else [])
