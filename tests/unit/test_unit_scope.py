"""A unit handler's wall (duban_common.unitscope), held by the authorizer for every service:
another unit's task answers the same 404 as a task that does not exist."""

from __future__ import annotations

import asyncio

import pytest
from fastapi import Depends, FastAPI, Request
from fastapi.testclient import TestClient
from sqlalchemy import JSON, Column, MetaData, String, Table, select

from duban_common import auth, tenancy
from duban_common.auth import Authorizer, KeySet, LocalIssuer, Verifier, rule
from duban_common.db import Database
from duban_common.unitscope import Owner, UnitScope, on_unit

metadata = MetaData()
things = Table(
    "things",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("tenant", String(40)),
    Column("lead_unit", String(40)),
    Column("co_units", JSON),
)
ROWS = [
    dict(id="t1", tenant="a", lead_unit="zjj", co_units=["jyj"]),
    dict(id="t2", tenant="a", lead_unit="jyj", co_units=[]),
    dict(id="t3", tenant="b", lead_unit="zjj", co_units=[]),
    dict(id="t4", tenant="a", lead_unit="zxj", co_units=["a_b"]),
]
THING = "/v1/tenants/{tenant}/things/{thing_id}"
SCOPE = UnitScope(
    owners={"thing_id": Owner("任务", lambda v: select(things.c.lead_unit, things.c.co_units).where(things.c.id == v))},
    confined=frozenset({("GET", "/v1/tenants/{tenant}/things")}),
)


@pytest.fixture
def app(tmp_path):
    issuer = LocalIssuer(tmp_path / "auth").ensure()
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'scope.db'}")

    async def seed():
        await db.create_all(metadata)
        with tenancy.scoped(tenancy.ALL):
            async with db.transaction() as s:
                await s.execute(things.insert(), ROWS)

    asyncio.run(seed())
    access = {
        ("GET", THING): rule(auth.OFFICE, auth.UNIT),
        ("POST", THING): rule(auth.UNIT),
        ("GET", "/v1/tenants/{tenant}/things"): rule(auth.OFFICE, auth.UNIT),
    }
    verifier = Verifier(KeySet(file=issuer.jwks_file, min_refresh_s=0), issuer.issuer, issuer.audience)
    app = FastAPI(dependencies=[Depends(Authorizer(verifier, access, units=SCOPE, db=db))])

    @app.get(THING)
    @app.post(THING)
    async def thing(tenant: str, thing_id: str) -> dict:
        return {"id": thing_id}

    @app.get("/v1/tenants/{tenant}/things")
    async def listed(tenant: str, request: Request) -> list[str]:
        q = select(things.c.id).order_by(things.c.id)
        own = auth.unit_scope(request)
        if own:
            q = q.where(on_unit(own, things.c.lead_unit, things.c.co_units))
        async with db.read() as s:
            return list((await s.execute(q)).scalars())

    app.state.issuer = issuer
    return app


def _as(app, roles, unit=None, tenant="a") -> dict:
    return {"Authorization": f"Bearer {app.state.issuer.token(tenant=tenant, roles=roles, unit=unit)}"}


def test_another_units_task_answers_as_one_that_does_not_exist(app):
    client = TestClient(app)
    zjj = _as(app, ["unit"], "zjj")
    assert client.get("/v1/tenants/a/things/t1", headers=zjj).json() == {"id": "t1"}  # it leads it
    assert (
        client.get("/v1/tenants/a/things/t1", headers=_as(app, ["unit"], "jyj")).status_code == 200
    )  # it co-handles it
    missing = client.get("/v1/tenants/a/things/nope", headers=zjj)
    for other in ("t2", "t3"):  # another unit's; its own unit's code in another tenant
        r = client.get(f"/v1/tenants/a/things/{other}", headers=zjj)
        assert (r.status_code, r.json()["detail"]) == (404, missing.json()["detail"].replace("nope", other))
        assert client.post(f"/v1/tenants/a/things/{other}", headers=zjj).status_code == 404  # acting, too
    assert missing.status_code == 404 and missing.json()["detail"] == "任务 nope 不存在"
    assert (
        client.get("/v1/tenants/a/things/t2", headers=_as(app, ["supervision_office"])).status_code == 200
    )  # the office sees all


def test_a_units_list_holds_its_lead_and_co_handled_tasks_only(app):
    client = TestClient(app)
    assert client.get("/v1/tenants/a/things", headers=_as(app, ["unit"], "jyj")).json() == ["t1", "t2"]
    assert client.get("/v1/tenants/a/things", headers=_as(app, ["unit"], "axb")).json() == []  # "_" is no wildcard
    assert client.get("/v1/tenants/a/things", headers=_as(app, ["unit"], "a_b")).json() == ["t4"]


def test_a_route_open_to_units_without_a_scope_stops_the_service(tmp_path):
    access = {("GET", "/v1/tenants/{tenant}/deadlines"): rule(auth.UNIT), ("GET", THING): rule(auth.UNIT)}
    with pytest.raises(RuntimeError, match="deadlines"):
        Authorizer(None, access, units=SCOPE)
    Authorizer(
        None, {("GET", THING): rule(auth.UNIT), ("GET", "/v1/x"): rule(auth.OFFICE)}, units=SCOPE
    )  # covered: fine
