"""The planner's statistics where nothing else keeps them (db.Database.refresh_statistics): SQLite
keeps none until ANALYZE; a PostgreSQL server run with autovacuum off never analyzes, and the
services' prepared statements then keep plans made for empty tables. The services analyze
themselves exactly where the database does not (runtime.Runtime.start)."""

from __future__ import annotations

import asyncio

from sqlalchemy import text

from duban_common.db import Database


async def _statistics(url: str) -> None:
    db = Database(url)
    try:
        async with db.engine.begin() as conn:
            await conn.exec_driver_sql("CREATE TABLE planned (id INTEGER PRIMARY KEY, kind INTEGER NOT NULL)")
            await conn.exec_driver_sql("CREATE INDEX planned_kind ON planned (kind)")
            await conn.execute(
                text("INSERT INTO planned (id, kind) VALUES (:id, :kind)"), [dict(id=i, kind=i % 7) for i in range(200)]
            )
        async with db.engine.connect() as conn:
            if db.is_sqlite:
                server_vacuums = False
                known = "SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'"
            else:
                server_vacuums = (
                    await conn.exec_driver_sql("SELECT setting FROM pg_settings WHERE name = 'autovacuum'")
                ).scalar_one() == "on"
                known = "SELECT reltuples FROM pg_class WHERE relname = 'planned'"  # -1 until analyzed
            before = (await conn.exec_driver_sql(known)).scalar_one()
        assert before in (0, -1)  # nothing analyzed yet, whatever the server
        assert await db.analyzes_itself() is server_vacuums
        await db.refresh_statistics()
        async with db.engine.connect() as conn:
            if db.is_sqlite:
                stat = (
                    await conn.exec_driver_sql("SELECT stat FROM sqlite_stat1 WHERE idx = 'planned_kind'")
                ).scalar_one()
                assert stat.split()[0] == "200"  # the rows the index covers
            else:
                assert (await conn.exec_driver_sql(known)).scalar_one() == 200
    finally:
        await db.dispose()


def test_refresh_statistics_analyzes_where_the_database_does_not(either_db_url):
    asyncio.run(_statistics(either_db_url))
