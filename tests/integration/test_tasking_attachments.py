"""Report attachments end to end in tasking, on a real NATS server (the Object Store) and SQLite:
upload, download, the walls, the limits, the references in reports and events, and a report
sent twice applied once."""

from __future__ import annotations

import asyncio
import hashlib
import json
import uuid
from urllib.parse import quote

import httpx
import nats
import pytest

from attachment_support import docx_bytes, jpg_bytes, objects, pdf_bytes, unit
from duban_common.envelope import new_event
from duban_common.natsserver import NatsServer
from duban_common.testing.postgres import TemporaryDatabases
from duban_common.testing.streams import stored_messages
from duban_tasking.adapters.orm import attachments as attachments_t
from duban_tasking.adapters.orm import reports, task_history
from duban_tasking.bootstrap import bootstrap
from duban_tasking.config import TaskingSettings
from e2e_support import START
from service_support import rows

LIMIT = 256_000
OFFICE = {"X-Duban-Role": "supervision_office"}
UNITS = "code,name,type,head,contact,phone\nzjj,县住房和城乡建设局,department,,,\nfgj,县发展和改革局,department,,,\njtj,县交通运输局,department,,,\n"


class Tasking:
    """Tasking running in this process on a NATS server of its own, one tenant of its own per test."""

    def __init__(self, runtime, js) -> None:
        self.runtime, self.js = runtime, js
        self.http = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=runtime.app("tasking")), base_url="http://tasking", timeout=30
        )
        self.tenant = f"att-{uuid.uuid4().hex[:8]}"

    def url(self, path: str, tenant: str | None = None) -> str:
        return f"/v1/tenants/{tenant or self.tenant}/{path}"

    async def task(self, lead: str = "zjj", co_units: tuple[str, ...] = ("fgj",)) -> str:
        """A task assigned to ``lead`` from a registered matter, signed for."""
        r = await self.http.put(self.url("units"), content=UNITS, headers={"content-type": "text/csv"})
        assert r.status_code == 200, r.text
        matter_id = str(uuid.uuid4())
        data = {
            "matter_id": matter_id,
            "title": "推进老旧小区改造",
            "content": "完成改造方案",
            "registered_at": START.isoformat(),
            "lead_unit": lead,
            "co_units": list(co_units),
            "origin": {
                "kind": "meeting_decision",
                "source": "/test",
                "submission_id": matter_id,
                "external_id": matter_id,
            },
        }
        env = new_event(
            tenant=self.tenant, type="duban.matter.registered.v1", source="/duban/intake", data=data, time=START
        )
        await self.js.publish(
            f"duban.ev.{self.tenant}.matter.registered", env.to_bytes(), headers={"Nats-Msg-Id": env.id}
        )
        for _ in range(300):
            items = (await self.http.get(self.url("tasks"), params={"matter_id": matter_id})).json()["items"]
            if items:
                break
            await asyncio.sleep(0.1)
        else:
            raise AssertionError("the task was not assigned")
        task_id = items[0]["id"]
        assert (await self.http.post(self.url(f"tasks/{task_id}/acknowledge"), headers=unit(lead))).status_code == 200
        return task_id

    async def upload(
        self, task_id: str, name: str, body: bytes, headers: dict | None = None, tenant: str | None = None
    ) -> httpx.Response:
        return await self.http.post(
            self.url(f"tasks/{task_id}/attachments", tenant),
            files={"file": (name, body)},
            headers=headers or unit("zjj"),
        )

    async def objects(self) -> list[str]:
        return await objects(self.js, self.tenant)

    async def events(self, name: str) -> list[dict]:
        for _ in range(200):
            if await self.runtime.relay.pending() == 0:
                break
            await asyncio.sleep(0.05)
        return [json.loads(m.data) for m in await stored_messages(self.js, f"duban.ev.{self.tenant}.task.{name}")]

    async def table(self, table) -> list[dict]:
        return await rows(self.runtime, table, self.tenant)


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request, tmp_path_factory):
    """Tasking's database, once SQLite and once PostgreSQL (row-level security on the new table)."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('attachments')}/tasking.db"
        return
    with TemporaryDatabases(request.getfixturevalue("pg_url"), tag="att") as dbs:
        yield dbs.url()


@pytest.fixture(scope="module")
def own_nats(tmp_path_factory):
    """A NATS server for this module alone: the session's holds every other test's events, which
    tasking's consumers would otherwise work through during these tests."""
    server = NatsServer(tmp_path_factory.mktemp("nats")).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
async def tasking(own_nats, db_url):
    runtime = bootstrap(
        TaskingSettings(nats_url=own_nats.url, database_url=db_url, outbox_poll_s=0.1, max_upload_bytes=LIMIT)
    )
    await runtime.start()
    nc = await nats.connect(own_nats.url)
    t = Tasking(runtime, nc.jetstream())
    try:
        yield t
    finally:
        await t.http.aclose()
        await nc.close()
        await asyncio.wait_for(runtime.stop(), timeout=30)


@pytest.fixture
async def svc(tasking):
    tasking.tenant = f"att-{uuid.uuid4().hex[:8]}"
    # files are this module's subject, not the unit's sign-off: the tenant sends completion reports straight to the office
    r = await tasking.http.put(tasking.url("signoff-chains/completion_report"), json={"steps": []}, headers=OFFICE)
    assert r.status_code == 200, r.text
    return tasking


@pytest.mark.parametrize(
    "name,body,content_type",
    [
        ("住建局整改报告（盖章）.pdf", pdf_bytes(), "application/pdf"),
        ("现场照片 1.jpg", jpg_bytes(), "image/jpeg"),
        ("改造进展情况.docx", docx_bytes(), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ],
)
async def test_a_file_comes_back_as_it_went_in_under_its_chinese_name(svc, name, body, content_type):
    task = await svc.task()
    r = await svc.upload(task, name, body)
    assert r.status_code == 201, r.text
    ref = r.json()
    assert ref == {
        "id": ref["id"],
        "name": name,
        "size": len(body),
        "content_type": content_type,
        "sha256": hashlib.sha256(body).hexdigest(),
    }
    assert await svc.objects() == [f"{svc.tenant}/{ref['id']}"]
    for who in (unit("zjj"), unit("fgj"), OFFICE, {"X-Duban-Role": "leader"}):  # lead unit, co-unit, office, a leader
        got = await svc.http.get(svc.url(f"tasks/{task}/attachments/{ref['id']}"), headers=who)
        assert got.status_code == 200, (who, got.text)
        assert got.content == body
        assert got.headers["content-type"].startswith(content_type)
        disposition = got.headers["content-disposition"]
        assert disposition.startswith("attachment;") and f"filename*=UTF-8''{quote(name, safe='')}" in disposition
        disposition.encode("latin-1")  # a header the HTTP layer can send as it is
    listed = (await svc.http.get(svc.url(f"tasks/{task}"), headers=unit("zjj"))).json()["attachments"]
    assert listed == [{k: ref[k] for k in ("id", "name", "size", "content_type")}]
    again = await svc.upload(task, name, body)  # a retry whose answer was lost
    assert again.status_code == 200 and again.json() == ref and len(await svc.objects()) == 1
    other = await svc.upload(task, f"副本-{name}", body)  # the same bytes under another name: a file of its own
    assert other.status_code == 201 and other.json()["id"] != ref["id"]


@pytest.mark.parametrize(
    "name,body,says",
    [
        ("整改报告.pdf", b"MZ\x90\x00 this is a program, not a report" * 10, "内容不是允许的类型"),
        ("整改报告.pdf", docx_bytes(), "内容是 DOCX 文件"),
        ("说明.txt", pdf_bytes(), "扩展名为 .txt"),
        ("空白.pdf", b"", "空文件"),
    ],
)
async def test_a_file_of_the_wrong_type_is_refused_in_chinese_and_nothing_is_stored(svc, name, body, says):
    task = await svc.task()
    r = await svc.upload(task, name, body)
    assert r.status_code == 422, r.text
    detail = r.json()["detail"]
    assert name in detail and says in detail
    assert await svc.objects() == [] and await svc.table(attachments_t) == []


async def test_a_file_over_the_limit_is_413_and_nothing_is_stored(svc):
    task = await svc.task()
    r = await svc.upload(
        task, "全年台账扫描件.pdf", b"%PDF-1.4\n" + b"0" * 2 * LIMIT
    )  # its Content-Length says so: not read
    assert r.status_code == 413 and r.json()["detail"] == "上传的文件超过了 256 KB 的上限，未保存；请压缩或拆分后再上传"

    big = b"%PDF-1.4\n" + b"0" * LIMIT

    async def chunks():  # no Content-Length: refused while streaming, the file named
        yield (
            b'--b0undary\r\nContent-Disposition: form-data; name="file"; filename="'
            + "全年台账扫描件.pdf".encode()
            + b'"\r\n\r\n'
        )
        for i in range(0, len(big), 16384):
            yield big[i : i + 16384]
        yield b"\r\n--b0undary--\r\n"

    r = await svc.http.post(
        svc.url(f"tasks/{task}/attachments"),
        content=chunks(),
        headers={**unit("zjj"), "content-type": "multipart/form-data; boundary=b0undary"},
    )
    assert r.status_code == 413, r.text
    assert r.json()["detail"] == "文件“全年台账扫描件.pdf”超过了 256 KB 的上限，未保存；请压缩或拆分后再上传"
    assert await svc.objects() == [] and await svc.table(attachments_t) == []
    just_right = b"%PDF-1.4\n" + b"0" * (LIMIT - 9)
    assert (await svc.upload(task, "刚好.pdf", just_right)).status_code == 201
    assert len(await svc.objects()) == 1 and [a["name"] for a in await svc.table(attachments_t)] == ["刚好.pdf"]


async def test_another_tenant_or_another_unit_finds_no_such_file(svc):
    task = await svc.task()
    ref = (await svc.upload(task, "整改报告.pdf", pdf_bytes())).json()
    path = f"tasks/{task}/attachments/{ref['id']}"
    assert (await svc.http.get(svc.url(path), headers=unit("zjj"))).status_code == 200
    other_tenant = await svc.http.get(svc.url(path, tenant="att-elsewhere"), headers=unit("zjj"))
    assert other_tenant.status_code == 404 and "不存在" in other_tenant.json()["detail"]
    other_unit = await svc.http.get(svc.url(path), headers=unit("jtj"))
    assert other_unit.status_code == 404 and other_unit.json() == other_tenant.json()
    refused = await svc.upload(task, "夹带.pdf", pdf_bytes(), headers=unit("jtj"))
    assert refused.status_code == 404 and refused.json()["detail"] == f"任务 {task} 不存在"
    assert (await svc.upload(task, "夹带.pdf", pdf_bytes(), tenant="att-elsewhere")).status_code == 404
    other_task = await svc.task(lead="jtj", co_units=())
    wrong_task = await svc.http.get(svc.url(f"tasks/{other_task}/attachments/{ref['id']}"), headers=unit("jtj"))
    assert wrong_task.status_code == 404  # the id of another task's file, under a task the unit may see
    assert len(await svc.objects()) == 1


async def test_reports_and_their_events_carry_references_never_the_bytes(svc):
    task = await svc.task()
    pdf, photo = (
        (await svc.upload(task, "整改报告（盖章）.pdf", pdf_bytes())).json(),
        (await svc.upload(task, "现场.jpg", jpg_bytes())).json(),
    )
    r = await svc.http.post(
        svc.url(f"tasks/{task}/progress"),
        json={"text": "已完成方案初稿", "progress": 50, "attachments": [pdf["id"]]},
        headers=unit("zjj"),
    )
    assert r.status_code == 200, r.text
    r = await svc.http.post(
        svc.url(f"tasks/{task}/completion"),
        json={"text": "已办结", "attachments": [pdf["id"], photo["id"]]},
        headers=unit("zjj"),
    )
    assert r.status_code == 200, r.text

    listed = lambda *refs: [{k: x[k] for k in ("id", "name", "size", "content_type")} for x in refs]  # noqa: E731
    detail = (await svc.http.get(svc.url(f"tasks/{task}"), headers=unit("zjj"))).json()
    assert [x["attachments"] for x in detail["reports"]] == [listed(pdf), listed(pdf, photo)]
    history = {h["event_type"]: h["detail"] for h in detail["history"]}
    assert history["duban.task.progress_reported.v1"]["attachments"] == listed(pdf)
    assert history["duban.task.completion_submitted.v1"]["attachments"] == listed(pdf, photo)

    (progress,) = await svc.events("progress_reported")
    (completion,) = await svc.events("completion_submitted")
    assert progress["data"]["attachments"] == [pdf["id"]] and progress["data"]["attachment_refs"] == [pdf]
    assert completion["data"]["attachments"] == [pdf["id"], photo["id"]] and completion["data"]["attachment_refs"] == [
        pdf,
        photo,
    ]
    assert len(json.dumps(completion)) < 2000  # references only


async def test_a_report_may_name_only_this_tasks_files(svc):
    task, other = await svc.task(), await svc.task()
    theirs = (await svc.upload(other, "别的任务.pdf", pdf_bytes())).json()
    for ids in (["no-such-file"], [theirs["id"]]):
        r = await svc.http.post(
            svc.url(f"tasks/{task}/progress"),
            json={"text": "进展", "progress": 10, "attachments": ids},
            headers=unit("zjj"),
        )
        assert r.status_code == 422 and ids[0] in r.json()["detail"] and "不是本任务已上传的文件" in r.json()["detail"]
    assert await svc.table(reports) == [] and await svc.events("progress_reported") == []


async def test_a_report_sent_twice_is_applied_once(svc):
    task = await svc.task()
    pdf = (await svc.upload(task, "进展.pdf", pdf_bytes())).json()
    progress = {"text": "已完成方案初稿", "progress": 50, "attachments": [pdf["id"]]}
    completion = {"text": "已办结", "attachments": [pdf["id"]]}
    for body, path in (
        (progress, "progress"),
        (progress, "progress"),
        (completion, "completion"),
        (completion, "completion"),
    ):
        r = await svc.http.post(svc.url(f"tasks/{task}/{path}"), json=body, headers=unit("zjj"))
        assert r.status_code == 200, r.text
    assert [r["type"] for r in await svc.table(reports)] == ["progress", "completion"]
    assert len(await svc.events("progress_reported")) == 1 and len(await svc.events("completion_submitted")) == 1
    assert [h["event_type"].split(".")[2] for h in await svc.table(task_history)] == [
        "assigned",
        "acknowledged",
        "progress_reported",
        "completion_submitted",
    ]
    # returned for rework, the same completion again is a new submission
    assert (
        await svc.http.post(svc.url(f"tasks/{task}/return"), json={"reason": "请补充照片"}, headers=OFFICE)
    ).status_code == 200
    assert (
        await svc.http.post(svc.url(f"tasks/{task}/completion"), json=completion, headers=unit("zjj"))
    ).status_code == 200
    assert len(await svc.events("completion_submitted")) == 2


async def test_a_form_that_is_not_one_named_file_is_refused_in_chinese(svc):
    task = await svc.task()
    url, who = svc.url(f"tasks/{task}/attachments"), unit("zjj")
    cases = [
        (dict(json={"file": "x"}), "multipart/form-data"),
        (dict(data={"note": "无附件"}, files={"other": ("a.pdf", pdf_bytes())}), "表单中没有文件"),
        (dict(files=[("file", ("a.pdf", pdf_bytes())), ("file", ("b.pdf", pdf_bytes()))]), "一次只能上传一个文件"),
        (dict(files={"file": ("", pdf_bytes())}), "表单中没有文件"),
        (
            dict(
                content=b'--x\r\nContent-Disposition: form-data; name="file"; filename="a.pdf"\r\n\r\n%PDF-1.4 but no end',
                headers={"content-type": "multipart/form-data; boundary=x"},
            ),
            "不完整",
        ),  # cut short: not a file
    ]
    for kwargs, says in cases:
        r = await svc.http.post(url, **{**kwargs, "headers": {**who, **kwargs.get("headers", {})}})
        assert r.status_code == 422, (kwargs, r.text)
        assert says is None or says in r.json()["detail"], r.text
    assert await svc.objects() == [] and await svc.table(attachments_t) == []
