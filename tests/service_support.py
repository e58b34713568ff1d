"""For tests that drive one service's handlers and routes in the test's own event loop, on a
Runtime with a real database and no broker."""

from __future__ import annotations

import httpx
from fastapi import APIRouter, FastAPI
from sqlalchemy import select

from duban_common import tenancy


async def rows(rt, table, tenant: str = "demo") -> list[dict]:
    with tenancy.scoped(tenant):
        async with rt.db.read() as s:
            return [dict(r) for r in (await s.execute(select(table))).mappings().all()]


def routes(router: APIRouter, runtime=None) -> httpx.AsyncClient:
    """A client of ``router``'s routes, called in the test's own loop: call it inside the tenant's
    scope (tenancy.scoped), as the service's middleware would be. A module-level router's routes
    get ``runtime`` through ``Depends`` (duban_common.dependencies), as from ``Runtime.app``."""
    app = FastAPI()
    app.state.runtime = runtime
    app.include_router(router)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")
