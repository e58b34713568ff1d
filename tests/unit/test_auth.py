"""Bearer tokens and the access tables (duban_common.auth), without the network."""

from __future__ import annotations

import importlib
import json
import time

import jwt
import pytest
from fastapi import Depends, FastAPI, Request
from fastapi.testclient import TestClient

from duban_common import auth
from duban_common.auth import Authorizer, KeySet, LocalIssuer, Verifier, rule
from duban_common.unitscope import UnitScope

SERVICES = ["intake", "tasking", "deadline", "escalation", "reporting"]


@pytest.fixture
def issuer(tmp_path) -> LocalIssuer:
    return LocalIssuer(tmp_path / "auth").ensure()


def _app(issuer: LocalIssuer) -> FastAPI:
    access = {
        ("GET", "/v1/tenants/{tenant}/things"): rule(auth.OFFICE, auth.UNIT),
        ("POST", "/v1/tenants/{tenant}/things"): rule(auth.OFFICE),
        ("PUT", "/v1/admin/tenants/{slug}"): rule(auth.OPERATOR),
    }
    verifier = Verifier(KeySet(file=issuer.jwks_file, min_refresh_s=0), issuer.issuer, issuer.audience)
    units = UnitScope(
        confined=frozenset({("GET", "/v1/tenants/{tenant}/things")})
    )  # the route confines itself (unit_scope)
    app = FastAPI(dependencies=[Depends(Authorizer(verifier, access, units=units))])

    @app.get("/v1/tenants/{tenant}/things")
    async def things(tenant: str, request: Request) -> dict:
        return {"tenant": tenant, "unit_scope": auth.unit_scope(request), "who": auth.principal_of(request).label()}

    @app.post("/v1/tenants/{tenant}/things")
    async def make(tenant: str) -> dict:
        return {"made": tenant}

    @app.delete("/v1/tenants/{tenant}/things")  # deliberately not in the table
    async def remove(tenant: str) -> dict:
        return {"removed": tenant}

    @app.put("/v1/admin/tenants/{slug}")
    async def admin(slug: str) -> dict:
        return {"slug": slug}

    @app.get("/healthz")
    async def healthz() -> dict:
        return {"status": "ok"}

    return app


def _bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def test_roles_tenant_and_unit_scope_are_enforced(issuer):
    client = TestClient(_app(issuer))
    office = issuer.token(tenant="a", roles=["supervision_office"])
    unit = issuer.token(tenant="a", roles=["unit"], unit="zjj")
    leader = issuer.token(tenant="a", roles=["leader"])
    operator = issuer.token(tenant="*", roles=["operator"])

    assert client.get("/healthz").status_code == 200  # operations endpoints stay open
    r = client.get("/v1/tenants/a/things", headers={"X-Test-No-Token": "1"})  # no token at all
    assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"
    assert client.get("/v1/tenants/a/things", headers=_bearer(office)).json() == {
        "tenant": "a",
        "unit_scope": None,
        "who": "supervision_office:-:supervision_office:a",
    }
    assert client.get("/v1/tenants/a/things", headers=_bearer(unit)).json()["unit_scope"] == "zjj"
    r = client.get("/v1/tenants/b/things", headers=_bearer(office))
    assert r.status_code == 403 and "令牌属于租户 a，不能访问租户 b" in r.json()["detail"]
    r = client.post("/v1/tenants/a/things", headers=_bearer(unit))
    assert r.status_code == 403 and "无权执行 POST" in r.json()["detail"]
    assert client.get("/v1/tenants/a/things", headers=_bearer(leader)).status_code == 403
    r = client.delete("/v1/tenants/a/things", headers=_bearer(office))  # not in the table: refused for everyone
    assert r.status_code == 403 and "不对任何角色开放" in r.json()["detail"]
    assert client.put("/v1/admin/tenants/a", headers=_bearer(office)).status_code == 403
    assert client.put("/v1/admin/tenants/a", headers=_bearer(operator)).json() == {"slug": "a"}


def test_bad_tokens_are_refused_with_the_reason(issuer, tmp_path):
    client = TestClient(_app(issuer))
    other = LocalIssuer(tmp_path / "other").ensure()
    cases = {
        "登录已过期，请重新登录": issuer.token(tenant="a", roles=["supervision_office"], ttl_s=-120),
        "签名密钥未知": other.token(tenant="a", roles=["supervision_office"]),
        "InvalidAudienceError": _signed(issuer, aud="someone-else"),
        "InvalidIssuerError": _signed(issuer, iss="evil"),
        "角色不对": _signed(issuer, roles=["superuser"]),
        "只有平台运维": _signed(issuer, tenant="*"),
        "必须写明单位": _signed(issuer, roles=["unit"]),
        "必须写明平台": _signed(issuer, roles=["integrator"]),
        "令牌无效，请重新登录": "not.a.token",
    }
    for reason, token in cases.items():
        r = client.get("/v1/tenants/a/things", headers=_bearer(token))
        assert r.status_code == 401, reason
        assert reason in r.json()["detail"], (reason, r.json())
    # a token signed with "none" is never accepted
    unsigned = jwt.encode(_claims(issuer), None, algorithm="none", headers={"kid": _kid(issuer)})
    assert client.get("/v1/tenants/a/things", headers=_bearer(unsigned)).status_code == 401


def test_a_rotated_key_is_picked_up_from_the_jwks(issuer, tmp_path):
    client = TestClient(_app(issuer))
    assert (
        client.get(
            "/v1/tenants/a/things", headers=_bearer(issuer.token(tenant="a", roles=["supervision_office"]))
        ).status_code
        == 200
    )
    # the identity provider publishes a second key next to the first and signs with it
    new = LocalIssuer(tmp_path / "new").ensure()
    both = {"keys": json.loads(issuer.jwks_file.read_text())["keys"] + json.loads(new.jwks_file.read_text())["keys"]}
    issuer.jwks_file.write_text(json.dumps(both))
    token = new.token(tenant="a", roles=["supervision_office"])
    assert client.get("/v1/tenants/a/things", headers=_bearer(token)).status_code == 200


def _kid(issuer: LocalIssuer) -> str:
    return json.loads(issuer.jwks_file.read_text())["keys"][0]["kid"]


def _signed(issuer: LocalIssuer, **claims) -> str:
    """A token signed with the issuer's own key, with ``claims`` changed from the valid ones."""
    return jwt.encode(
        {**_claims(issuer), **claims}, issuer.key_file.read_bytes(), "ES256", headers={"kid": _kid(issuer)}
    )


def _claims(issuer: LocalIssuer) -> dict:
    now = int(time.time())
    return {
        "iss": issuer.issuer,
        "aud": issuer.audience,
        "sub": "x",
        "iat": now,
        "exp": now + 600,
        "tenant": "a",
        "roles": ["supervision_office"],
    }


@pytest.mark.parametrize("service", SERVICES)
def test_every_route_of_every_service_is_in_its_access_table(service, tmp_path, monkeypatch):
    monkeypatch.setenv("DUBAN_DATA_DIR", str(tmp_path))
    runtime = importlib.import_module(f"duban_{service}.bootstrap").bootstrap()
    app = runtime.app(service)
    table = importlib.import_module(f"duban_{service}.entrypoints.access").ACCESS
    routes = {(m.upper(), path) for path, ops in app.openapi()["paths"].items() if path.startswith("/v1/") for m in ops}
    assert routes - set(table) == set(), "routes without an access rule"
    assert set(table) - routes == set(), "access rules for routes that do not exist"


def test_the_expiry_leeway_is_a_setting_of_at_most_a_few_seconds(issuer, monkeypatch):
    from duban_common.settings import ServiceSettings

    def verifier(**env):
        for k, v in env.items():
            monkeypatch.setenv(k, v)
        settings = ServiceSettings(service="intake", auth_jwks_file=issuer.jwks_file)
        return auth.authorizer(settings, {}).verifier

    lately = issuer.token(tenant="a", roles=["supervision_office"], ttl_s=-2)  # expired 2 s ago: clock skew
    earlier = issuer.token(tenant="a", roles=["supervision_office"], ttl_s=-12)
    default = verifier()
    assert default.leeway_s <= 5 and default.verify(lately).tenant == "a"
    with pytest.raises(auth.Unauthorized, match="登录已过期"):
        default.verify(earlier)
    assert verifier(DUBAN_AUTH_LEEWAY_S="20").verify(earlier).tenant == "a"  # an operator may widen it, within bounds
    with pytest.raises(ValueError):
        verifier(DUBAN_AUTH_LEEWAY_S="3600")
