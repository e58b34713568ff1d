"""Assignment notice numbers on PostgreSQL: 500 assignments from 20 concurrent clients,
spread over two tasking processes sharing one database, give 1..500 with no gap and no repeat."""

from __future__ import annotations

import asyncio
import re
import uuid

import httpx
import nats
import pytest

from duban_cli.embedded import ServiceProcess
from duban_common.envelope import new_event
from duban_common.natsserver import free_port
from e2e_support import OFFICE, START, assign, wait_for

pytestmark = pytest.mark.postgres

N, CLIENTS = 500, 20


@pytest.fixture
def two_taskings(tmp_path, fresh_pg_url, fresh_nats):
    import os

    procs = []
    for i in range(2):
        env = dict(
            os.environ,
            DUBAN_NATS_URL=fresh_nats.url,
            DUBAN_DATA_DIR=str(tmp_path),
            DUBAN_HTTP_PORT=str(free_port()),
            DUBAN_DATABASE_URL=fresh_pg_url,
            DUBAN_INSTANCE=str(i),
            DUBAN_CLOCK="simulated",
            PYTHONUNBUFFERED="1",
        )
        p = ServiceProcess("tasking", int(env["DUBAN_HTTP_PORT"]), env, tmp_path / f"tasking-{i}.log")
        p.start()
        procs.append(p)
        p.wait_ready()  # one after the other: the first creates the tables
    yield procs
    for p in procs:
        p.stop()


async def _register_matters(url: str, tenant: str, n: int) -> list[str]:
    ids = [str(uuid.uuid4()) for _ in range(n)]
    nc = await nats.connect(url)
    try:
        js = nc.jetstream()
        for i, matter_id in enumerate(ids):
            data = {
                "matter_id": matter_id,
                "title": f"并发交办测试事项{i}",
                "content": "测试",
                "registered_at": START.isoformat(),
                "origin": {
                    "kind": "leader_instruction",
                    "source": "/test",
                    "submission_id": matter_id,
                    "external_id": f"c-{i}",
                    "leader_role": "principal",
                },
            }
            env = new_event(
                tenant=tenant, type="duban.matter.registered.v1", source="/duban/intake", data=data, time=START
            )
            await js.publish(f"duban.ev.{tenant}.matter.registered", env.to_bytes(), headers={"Nats-Msg-Id": env.id})
    finally:
        await nc.close()
    return ids


async def _assign_all(urls: list[str], tenant: str, matter_ids: list[str]) -> list[httpx.Response]:
    queue: asyncio.Queue[str] = asyncio.Queue()
    for m in matter_ids:
        queue.put_nowait(m)
    results = []

    async def client(i: int) -> None:
        async with httpx.AsyncClient(base_url=urls[i % len(urls)], timeout=60, headers=OFFICE) as c:
            while not queue.empty():
                m = queue.get_nowait()
                results.append(
                    await c.post(
                        f"/v1/tenants/{tenant}/matters/{m}/assign", json={"lead_unit": "zjj", "co_units": ["czj"]}
                    )
                )

    await asyncio.gather(*(client(i) for i in range(CLIENTS)))
    return results


def test_500_concurrent_assignments_get_gapless_unique_numbers(two_taskings, fresh_nats):
    urls = [p.url for p in two_taskings]
    tenant = "conc"
    units = "code,name,type,head,contact,phone\nzjj,县住房和城乡建设局,department,郑伟,冯静,13800000004\nczj,县财政局,department,秦岭,尤佳,13800000009\n"
    httpx.put(
        f"{urls[0]}/v1/tenants/{tenant}/units", content=units, headers={"content-type": "text/csv"}, timeout=10
    ).raise_for_status()
    matter_ids = asyncio.run(_register_matters(fresh_nats.url, tenant, N))

    def awaiting() -> int:
        return httpx.get(
            f"{urls[1]}/v1/tenants/{tenant}/matters", params={"status": "awaiting_assignment", "limit": 1}, timeout=10
        ).json()["total"]

    wait_for(lambda: awaiting() == N, timeout_s=120, what=f"{N} matters awaiting assignment")
    responses = asyncio.run(_assign_all(urls, tenant, matter_ids))
    assert [r.status_code for r in responses].count(200) == N, {
        r.status_code: r.text for r in responses if r.status_code != 200
    }

    numbers = []
    for offset in range(0, N, 500):
        page = httpx.get(
            f"{urls[0]}/v1/tenants/{tenant}/tasks", params={"limit": 500, "offset": offset}, timeout=30
        ).json()
        numbers += [t["notice_no"] for t in page["items"]]
    year = START.year
    seqs = sorted(int(re.fullmatch(rf"督办〔{year}〕(\d+)号", n).group(1)) for n in numbers)
    assert seqs == list(range(1, N + 1)), "gapless and never duplicated"
    preview = httpx.get(f"{urls[1]}/v1/tenants/{tenant}/notice-numbers/next", headers=OFFICE, timeout=10).json()
    assert preview["number"] == f"督办〔{year}〕{N + 1}号", "the office sees the number the next assignment takes"

    again = assign(urls[1], matter_ids[0], {"lead_unit": "zjj"}, tenant)
    assert again.status_code == 409 and "已交办" in again.json()["detail"]

    # another tenant numbers its own notices from 1
    other = "conc-b"
    httpx.put(
        f"{urls[0]}/v1/tenants/{other}/units", content=units, headers={"content-type": "text/csv"}, timeout=10
    ).raise_for_status()
    [m] = asyncio.run(_register_matters(fresh_nats.url, other, 1))
    wait_for(
        lambda: (
            httpx.get(
                f"{urls[0]}/v1/tenants/{other}/matters", params={"status": "awaiting_assignment"}, timeout=10
            ).json()["total"]
            == 1
        ),
        what="the other tenant's matter",
    )
    preview = httpx.get(f"{urls[0]}/v1/tenants/{other}/notice-numbers/next", headers=OFFICE, timeout=10).json()[
        "number"
    ]
    assert preview == f"督办〔{year}〕1号"
    first = assign(urls[0], m, {"lead_unit": "zjj"}, other)
    assert first.status_code == 200, first.text
    [task] = httpx.get(f"{urls[0]}/v1/tenants/{other}/tasks", timeout=10).json()["items"]
    assert task["notice_no"] == f"督办〔{year}〕1号" == preview
