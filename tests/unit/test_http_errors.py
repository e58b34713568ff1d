"""What every service answers before its handlers run, through the shared app factory: one body
limit (413, short), one error format {"detail", "errors"} with Chinese messages, and no answer
that echoes what was sent."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI, Request

from duban_common.bodylimit import BodyLimit
from service_apps import SERVICES, service_app

# One route with a body model per service
ROUTES = {
    "intake": "/v1/tenants/demo/submissions/s1/refuse",
    "tasking": "/v1/tenants/demo/tasks/t1/progress",
    "deadline": "/v1/tenants/demo/tasks/t1/extensions",
    "escalation": "/v1/tenants/demo/tasks/t1/urge",
    "reporting": "/v1/tenants/demo/reports",
}


@pytest.fixture(scope="module")
def apps(tmp_path_factory):
    return {name: service_app(name, tmp_path_factory.mktemp(name)) for name in SERVICES}


def client(app: FastAPI, token: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://test", headers={"Authorization": f"Bearer {token}"}
    )


def assert_format(r: httpx.Response, status: int) -> dict:
    assert r.status_code == status, r.text[:500]
    body = r.json()
    assert set(body) == {"detail", "errors"} and isinstance(body["detail"], str), body
    for item in body["errors"]:
        assert set(item) == {"loc", "msg", "type"}, item
    return body


@pytest.mark.parametrize("name", SERVICES)
async def test_a_body_over_the_limit_is_refused_with_413_and_a_short_chinese_message(apps, duban_auth, name):
    office = duban_auth.token(tenant="demo", roles=["supervision_office"])
    big = b'{"text": "' + b"x" * 5_000_000 + b'"}'
    async with client(apps[name], office) as http:
        declared = await http.post(ROUTES[name], content=big, headers={"content-type": "application/json"})

        async def chunks():
            for start in range(0, len(big), 65536):
                yield big[start : start + 65536]

        chunked = await http.post(ROUTES[name], content=chunks(), headers={"content-type": "application/json"})
    for r in (declared, chunked):
        body = assert_format(r, 413)
        assert body["detail"] == "请求内容过大：不能超过 1 MB" and len(r.content) < 500


@pytest.mark.parametrize("name", SERVICES)
async def test_validation_errors_are_in_chinese_and_never_echo_the_input(apps, duban_auth, name):
    office = duban_auth.token(tenant="demo", roles=["supervision_office"])
    filler = "x" * 100_000  # 600 KB in all: under the body limit, over every field's length
    sent = {
        "text": filler,
        "reason": filler,
        "requested_due_on": filler,
        "by": filler,
        "kind": filler,
        "progress": filler,
    }
    async with client(apps[name], office) as http:
        r = await http.post(ROUTES[name], json=sent)
    body = assert_format(r, 422)
    assert len(r.content) < 3000, len(r.content)
    assert body["errors"] and all(any("\u4e00" <= ch <= "\u9fff" for ch in e["msg"]) for e in body["errors"]), body
    assert "x" * 40 not in r.text


async def test_the_messages_name_the_field_as_the_users_do(apps, duban_auth):
    office = duban_auth.token(
        tenant="demo", roles=["supervision_office"]
    )  # (a unit handler's wall reads the database first)
    async with client(apps["tasking"], office) as http:
        missing = assert_format(await http.post(ROUTES["tasking"], json={"progress": 50}), 422)
    assert missing["detail"] == "缺少必填项：反馈内容"
    assert missing["errors"] == [{"loc": ["body", "text"], "msg": "缺少必填项：反馈内容", "type": "missing"}]
    async with client(apps["deadline"], office) as http:
        r = await http.post(ROUTES["deadline"], json={"reason": "材料未齐", "requested_due_on": "2026/11/30"})
    assert assert_format(r, 422)["errors"][0]["msg"] == "申请延期至格式应为 2026-11-30"


@pytest.mark.parametrize("name", SERVICES)
async def test_auth_refusals_and_unknown_routes_use_the_same_format(apps, duban_auth, name):
    expired = duban_auth.token(tenant="demo", roles=["supervision_office"], ttl_s=-120)
    async with client(apps[name], expired) as http:
        r = await http.post(ROUTES[name], json={})
        assert assert_format(r, 401)["detail"] == "登录已过期，请重新登录"
        assert assert_format(await http.get("/v1/nowhere"), 404)["detail"] == "没有这个地址"
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=apps[name]), base_url="http://test") as http:
        r = await http.post(ROUTES[name], json={}, headers={"X-Test-No-Token": "1"})
        assert "请先登录" in assert_format(r, 401)["detail"]


async def test_upload_routes_are_left_to_their_own_limit():
    inner = FastAPI()

    @inner.post("/v1/tenants/{tenant}/tasks/{task_id}/attachments")
    @inner.post("/v1/tenants/{tenant}/tasks/{task_id}/progress")
    async def take(request: Request) -> dict:
        return {"bytes": len(await request.body())}

    app = BodyLimit(inner, limit=1_000_000, upload_routes=["/v1/tenants/{tenant}/tasks/{task_id}/attachments"])
    two_mb = b"x" * 2_000_000
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as http:
        assert (await http.post("/v1/tenants/demo/tasks/t1/attachments", content=two_mb)).json() == {"bytes": 2_000_000}
        over = await http.post("/v1/tenants/demo/tasks/t1/progress", content=two_mb)
    assert over.status_code == 413 and over.json()["detail"] == "请求内容过大：不能超过 1 MB"


async def test_errors_a_route_builds_itself_are_in_the_same_chinese_format(apps, duban_auth):
    operator = duban_auth.token(tenant="*", roles=["operator"])
    async with client(apps["tasking"], operator) as http:
        r = await http.put(
            "/v1/tenants/demo/units",
            json=[
                {"code": "zjj", "name": "住建局", "type": "department"},
                {"code": "zjj", "name": "住建局", "type": "department"},
                {"name": ""},
            ],
        )
    body = assert_format(r, 422)
    assert body["detail"].startswith("单位名录未导入：") and "单位代码 zjj 重复出现" in [
        e["msg"] for e in body["errors"]
    ]
    assert "缺少必填项：代码" in [e["msg"] for e in body["errors"]]
    office = duban_auth.token(tenant="demo", roles=["supervision_office"])
    async with client(apps["escalation"], office) as http:
        r = await http.put("/v1/tenants/demo/ladder", json={"steps": "many"})
    body = assert_format(r, 422)
    assert body["errors"] and all(any("\u4e00" <= ch <= "\u9fff" for ch in e["msg"]) for e in body["errors"]), body


def test_no_route_refuses_in_english():
    """Every refusal a route raises itself is written in Chinese, as the users read it (the
    shared handlers translate validation and authentication errors; these are the routes' own)."""
    import re
    from pathlib import Path

    english = re.compile(r"""HTTPException\(\s*\d{3}\s*,\s*f?["'][A-Za-z]""")
    root = Path(__file__).resolve().parents[2]
    found = [
        f"{p.relative_to(root)}:{n}"
        for p in sorted((root / "services").rglob("*.py"))
        if "migrations" not in p.parts
        for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
        if english.search(line)
    ]
    assert found == [], found


async def test_a_day_in_a_query_is_written_as_a_day_not_a_number(apps, duban_auth):
    """The fuzz test found ``received_from=-3.9e-13`` taken as a Unix time (1970-01-01) and
    answered 200; the schema says a date, 2026-11-30."""
    office = duban_auth.token(tenant="demo", roles=["supervision_office"])
    async with client(apps["intake"], office) as http:
        r = await http.get("/v1/tenants/demo/submissions", params={"received_from": "-3.9156640470056885e-13"})
    body = assert_format(r, 422)
    assert "2026-11-30" in body["errors"][0]["msg"], body
