"""The workbench's own rules, with the five services played by an httpx transport: sessions,
CSRF on every state-changing route, a service that is down, and the OpenID Connect login
against a small identity provider made here (authorization code flow with PKCE)."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import time
from urllib.parse import parse_qs, urlparse

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from duban_cli.embedded import demo_accounts_path
from duban_workbench.adapters.session import Expired, Session, SessionSeal
from duban_workbench.bootstrap import bootstrap
from duban_workbench.config import WorkbenchSettings
from duban_workbench.entrypoints.web import checked_form

TASK = {
    "id": "t-1",
    "matter_id": "m-1",
    "lead_unit": "zjj",
    "co_units": [],
    "status": "acknowledged",
    "status_label": "已签收",
    "progress": 0,
    "notice_no": "督办〔2026〕7号",
    "due_on": "2026-12-21",
    "declines_left": 2,
    "title": "反映路灯不亮",
    "content": "联系电话13912345678",
    "history": [],
    "reports": [],
}
UNITS = {"items": [{"code": "zjj", "name": "县住房和城乡建设局", "type": "department", "active": True}]}


def fake_services(down: set[str] = frozenset(), seen: list | None = None) -> httpx.MockTransport:
    ports = {"8101": "intake", "8102": "tasking", "8103": "deadline", "8104": "escalation", "8105": "reporting"}

    def handle(request: httpx.Request) -> httpx.Response:
        service = ports[str(request.url.port)]
        if seen is not None:
            seen.append((request.method, request.url.path, request.headers.get("authorization")))
        if service in down:
            raise httpx.ConnectError("refused", request=request)
        path = request.url.path
        if path.endswith("/units"):
            return httpx.Response(200, json=UNITS)
        if path.endswith("/tasks/t-1") and service == "tasking":
            return httpx.Response(200, json=TASK)
        if path.endswith("/tasks/t-1/acknowledge"):
            return httpx.Response(200, json={"task_id": "t-1", "status": "acknowledged"})
        if path.endswith("/deadline"):
            return httpx.Response(
                200, json={"due_on": "2026-12-21", "light": "green", "basis": None, "history": [], "extensions": []}
            )
        if path.endswith("/escalation"):
            return httpx.Response(200, json={"urge_list": [], "explanations": []})
        if path.endswith("/ledger"):
            return httpx.Response(200, json={"total": 0, "items": [], "as_of": "2026-12-07T01:00:00Z"})
        return httpx.Response(404, json={"detail": "not found"})

    return httpx.MockTransport(handle)


@pytest.fixture
def settings(tmp_path) -> WorkbenchSettings:
    return WorkbenchSettings(data_dir=tmp_path, auth_dir=tmp_path / "auth", demo_accounts_file=demo_accounts_path())


def signed_in(app, username: str = "zjj", password: str = "zjj2026") -> TestClient:
    client = TestClient(app, follow_redirects=False)
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    r = client.post("/login", data={"username": username, "password": password, "csrf_token": token, "next": "/"})
    assert r.status_code == 303, r.text
    return client


def csrf_of(client: TestClient, path: str = "/todo") -> str:
    return re.search(r'"X-CSRF-Token": "([^"]+)"', client.get(path).text).group(1)


def test_every_state_changing_route_checks_the_csrf_token(settings):
    app = bootstrap(settings, transport=fake_services())
    unchecked = []
    routes = [r for r in _routes(app) if {"POST", "PUT", "PATCH", "DELETE"} & set(r.methods)]
    for r in routes:
        deps = {d.call for d in r.dependant.dependencies}
        if checked_form not in deps and r.path not in ("/login",):  # login has its own pre-session token
            unchecked.append(r.path)
    assert len(routes) >= 15 and unchecked == [], unchecked


def _routes(app) -> list[APIRoute]:
    out = []
    for r in app.router.routes:
        inner = getattr(r, "original_router", None)
        out += [x for x in (inner.routes if inner else [r]) if isinstance(x, APIRoute)]
    return out


def test_a_post_without_the_token_changes_nothing_and_with_it_goes_through(settings):
    seen: list = []
    with signed_in(bootstrap(settings, transport=fake_services(seen=seen))) as client:
        refused = client.post("/tasks/t-1/acknowledge", data={})
        assert refused.status_code == 403 and "请求无效" in refused.text
        assert not any(m == "POST" for m, _, _ in seen), "nothing reached a service"
        wrong = client.post("/tasks/t-1/acknowledge", data={"csrf_token": "guessed"})
        assert wrong.status_code == 403
        ok = client.post("/tasks/t-1/acknowledge", data={"csrf_token": csrf_of(client)})
        assert ok.status_code == 303 and ok.headers["location"] == "/tasks/t-1?done=acknowledge"
        posted = [(p, auth) for m, p, auth in seen if m == "POST"]
        assert posted[0][0] == "/v1/tenants/demo/tasks/t-1/acknowledge" and posted[0][1].startswith("Bearer ey")


def test_the_session_cookie_is_httponly_lax_and_sealed(settings):
    app = bootstrap(settings, transport=fake_services())
    client = TestClient(app, follow_redirects=False)
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text).group(1)
    wrong = client.post("/login", data={"username": "zjj", "password": "nope", "csrf_token": token})
    assert wrong.status_code == 422 and "用户名或密码不正确" in wrong.text and 'value="zjj"' in wrong.text
    r = client.post(
        "/login", data={"username": "zjj", "password": "zjj2026", "csrf_token": token, "next": "//evil.example/x"}
    )
    assert r.headers["location"] == "/", "no open redirect"
    cookie = r.headers["set-cookie"]
    assert "duban_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie.replace("Lax", "lax")
    assert "eyJ" not in cookie, "the token is sealed, not readable in the cookie"
    page = client.get("/todo")
    assert "default-src 'self'; script-src 'self'" in page.headers["content-security-policy"]
    assert "unsafe-inline" not in page.headers["content-security-policy"]


def test_an_expired_session_gets_the_expired_page(settings, tmp_path):
    seal = SessionSeal(SessionSeal.key_file(settings.issuer_dir()))
    old = Session(token="x", csrf="c", tenant="demo", role="unit", unit="zjj", name="冯静", expires_at=time.time() - 1)
    with pytest.raises(Expired):
        seal.open(seal.seal(old))
    client = TestClient(bootstrap(settings, transport=fake_services()), follow_redirects=False)
    client.cookies.set("duban_session", seal.seal(old))
    r = client.get("/todo")
    assert r.status_code == 303 and r.headers["location"] == "/expired"
    page = client.get("/expired")
    assert page.status_code == 401 and "登录已过期" in page.text


def test_a_service_that_is_down_is_named_and_the_rest_of_the_page_works(settings):
    with signed_in(bootstrap(settings, transport=fake_services(down={"deadline", "escalation"}))) as client:
        page = client.get("/tasks/t-1")
        assert page.status_code == 200
        assert "期限服务暂时无法访问：办理期限和红黄绿灯暂不显示" in page.text
        assert "催办服务暂时无法访问：催办记录暂不显示" in page.text
        assert "反映路灯不亮" in page.text and 'id="do-progress"' in page.text, "the task and its actions are there"
        assert "139****5678" in page.text and "13912345678" not in page.text
    with signed_in(bootstrap(settings, transport=fake_services(down={"reporting"}))) as client:
        todo = client.get("/todo")
        assert todo.status_code == 503 and "台账统计服务暂时无法访问" in todo.text


def test_demo_accounts_are_refused_when_oidc_is_configured(settings):
    settings = settings.model_copy(update={"oidc_issuer": "https://idp.example", "oidc_client_id": "workbench"})
    client = TestClient(bootstrap(settings, transport=fake_services()), follow_redirects=False)
    assert client.get("/login").headers["location"].startswith("/oidc/login")
    r = client.post("/login", data={"username": "zjj", "password": "zjj2026", "csrf_token": "x"})
    assert r.status_code == 403 and "统一身份认证" in r.text and "duban_session" not in r.headers.get("set-cookie", "")


class Provider:
    """A small OpenID provider: discovery, JWKS, and a token endpoint that checks PKCE."""

    issuer = "https://idp.test/realms/demo"

    def __init__(self) -> None:
        self.key = ec.generate_private_key(ec.SECP256R1())
        jwk = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(self.key.public_key()))
        self.jwks = {"keys": [{**jwk, "kid": "idp-1", "use": "sig", "alg": "ES256"}]}
        self.codes: dict[str, str] = {}  # code → code_challenge

    def token(self, claims: dict) -> str:
        now = int(time.time())
        return jwt.encode(
            {"iss": self.issuer, "aud": "duban", "iat": now, "exp": now + 600, **claims},
            self.key,
            algorithm="ES256",
            headers={"kid": "idp-1"},
        )

    def transport(self, claims: dict) -> httpx.MockTransport:
        def handle(request: httpx.Request) -> httpx.Response:
            if request.url.path.endswith("/.well-known/openid-configuration"):
                return httpx.Response(
                    200,
                    json={
                        "issuer": self.issuer,
                        "authorization_endpoint": f"{self.issuer}/auth",
                        "token_endpoint": f"{self.issuer}/token",
                        "jwks_uri": f"{self.issuer}/certs",
                    },
                )
            if request.url.path.endswith("/token"):
                form = parse_qs(request.content.decode())
                challenge = self.codes.pop(form["code"][0], None)
                digest = (
                    base64.urlsafe_b64encode(hashlib.sha256(form["code_verifier"][0].encode()).digest())
                    .rstrip(b"=")
                    .decode()
                )
                if challenge != digest:
                    return httpx.Response(400, json={"error": "invalid_grant"})
                return httpx.Response(
                    200, json={"access_token": self.token(claims), "token_type": "Bearer", "expires_in": 600}
                )
            return httpx.Response(404)

        return httpx.MockTransport(handle)


def test_oidc_login_with_pkce_maps_the_claims_the_services_check(settings, monkeypatch):
    provider = Provider()
    monkeypatch.setattr("duban_common.auth.httpx.get", lambda url, timeout: httpx.Response(200, json=provider.jwks))
    settings = settings.model_copy(
        update={
            "oidc_issuer": provider.issuer,
            "oidc_client_id": "workbench",
            "auth_issuer": provider.issuer,
            "public_url": "https://duban.example.gov.cn",
        }
    )
    app = bootstrap(
        settings,
        transport=fake_services(),
        oidc_transport=provider.transport(
            {"sub": "u-42", "tenant": "demo", "roles": ["unit"], "unit": "zjj", "name": "冯静"}
        ),
    )
    with TestClient(app, follow_redirects=False, base_url="https://duban.example.gov.cn") as client:
        start = client.get("/oidc/login?next=/tasks/t-1")
        auth = urlparse(start.headers["location"])
        q = parse_qs(auth.query)
        assert (
            auth.path.endswith("/auth") and q["code_challenge_method"] == ["S256"] and q["client_id"] == ["workbench"]
        )
        assert q["redirect_uri"] == ["https://duban.example.gov.cn/oidc/callback"]
        provider.codes["c-1"] = q["code_challenge"][0]
        forged = client.get("/oidc/callback", params={"state": "not-ours", "code": "c-1"})
        assert forged.status_code == 401 and "登录状态校验失败" in forged.text
        done = client.get("/oidc/callback", params={"state": q["state"][0], "code": "c-1"})
        assert done.status_code == 303 and done.headers["location"] == "/tasks/t-1"
        assert "Secure" in done.headers["set-cookie"], "behind HTTPS the session cookie is Secure"
        page = client.get("/tasks/t-1")
        assert page.status_code == 200 and "冯静" in page.text and "县住房和城乡建设局" in page.text


def test_a_written_explanations_files_are_fetched_from_escalation_which_keeps_them():
    """书面说明 files are stored by escalation, report files by tasking: the timeline's links say
    where each file is kept, so the download asks the service that has it."""
    from duban_workbench.entrypoints import timeline

    task = {
        "history": [],
        "reports": [
            {
                "type": "completion",
                "unit": "zjj",
                "text": "已办结",
                "at": "2026-11-20T01:00:00Z",
                "attachments": [{"id": "a1", "name": "办结材料.pdf"}],
            }
        ],
    }
    escalation = {
        "urge_list": [],
        "explanations": [
            {
                "required_at": "2026-11-21T01:00:00Z",
                "submitted_at": "2026-11-22T01:00:00Z",
                "text": "情况说明",
                "attachments": [{"id": "e1", "name": "情况说明.pdf"}],
            }
        ],
    }
    items = timeline.build(task, None, escalation, {})
    kept = {f["id"]: f.get("service") for item in items for f in item["files"]}
    assert kept == {"a1": None, "e1": "escalation"}
