"""Onboarding a county in one operator action (`duban tenant create`), its first matters,
and offboarding: intake stops, every record stays."""

from __future__ import annotations

import asyncio
import io
import json
import subprocess
import sys
from pathlib import Path

import httpx
import nats
import pytest
from docx import Document
from openpyxl import Workbook
from pypdf import PdfReader

from e2e_support import ledger, meeting_decision, wait_for

pytestmark = pytest.mark.e2e
DEFAULT_BACKENDS = [
    "sqlite"
]  # full matrix: DUBAN_E2E_BACKENDS=sqlite,postgresql (onboarding is an admin flow over the services' APIs)

DUBAN = str(Path(sys.executable).parent / "duban")
UNITS = [
    ("code", "name", "type", "head", "contact", "phone"),
    ("xzfb", "新安县人民政府办公室", "office", "王一", "李二", "13900000001"),
    ("zjj", "新安县住房和城乡建设局", "department", "张三", "赵四", "13900000002"),
    ("fgj", "新安县发展和改革局", "department", "钱五", "孙六", "13900000003"),
    ("jyj", "新安县教育局", "department", "周七", "吴八", "13900000004"),
]


def _xlsx(path: Path, rows) -> Path:
    wb = Workbook()
    for row in rows:
        wb.active.append(list(row))
    wb.save(path)
    return path


def _template(*paragraphs: str) -> bytes:
    word = Document()
    for text in paragraphs:
        word.add_paragraph(text)
    out = io.BytesIO()
    word.save(out)
    return out.getvalue()


def _duban(system, *args: str) -> subprocess.CompletedProcess:
    urls = [f"--{s}-url={system.url(s)}" for s in ("intake", "tasking", "deadline")]
    return subprocess.run(
        [DUBAN, "--nats-url", system.nats_url, "tenant", *args, *urls], capture_output=True, text=True, timeout=60
    )


async def _consumer_info(url: str, stream: str, name: str):
    nc = await nats.connect(url)
    try:
        return await nc.jetstream().consumer_info(stream, name)
    finally:
        await nc.close()


def _submit(system, tenant: str, env: dict) -> httpx.Response:
    return httpx.post(f"{system.url('intake')}/v1/tenants/{tenant}/submissions", json=env, timeout=10)


def test_bad_units_file_creates_nothing(system, tmp_path):
    bad = _xlsx(tmp_path / "bad.xlsx", [UNITS[0], ("zjj", "", "department", "", "", "not-a-phone")])
    done = _duban(system, "create", "badcounty", "--name", "错误县", "--units", str(bad))
    assert done.returncode == 2
    assert "units (tasking): HTTP 422" in done.stderr
    assert '"loc": ["row", 2, "phone"]' in done.stderr, done.stderr  # the row and the field that are wrong
    assert httpx.get(f"{system.url('intake')}/v1/admin/tenants/badcounty", timeout=10).status_code == 404
    assert httpx.get(f"{system.url('tasking')}/v1/tenants/badcounty/units", timeout=10).json()["items"] == []

    missing = _duban(system, "create", "badcounty", "--name", "错误县", "--units", str(tmp_path / "nope.xlsx"))
    assert missing.returncode == 2 and "--units: no file" in missing.stderr
    bad_slug = _duban(system, "create", "Bad_County", "--name", "错误县", "--units", str(bad))
    assert bad_slug.returncode == 2 and "tenant slug" in bad_slug.stderr


def test_onboard_a_county_then_offboard_it(system, tmp_path):
    units = _xlsx(tmp_path / "units.xlsx", UNITS)
    policies = tmp_path / "policies.json"
    policies.write_text(json.dumps({"settings": {"reminder_workdays": 3}}), encoding="utf-8")

    creds_dir = tmp_path / "creds"
    done = _duban(
        system,
        "create",
        "xinan",
        "--name",
        "新安县人民政府",
        "--units",
        str(units),
        "--policies",
        str(policies),
        "--credentials-dir",
        str(creds_dir),
        "--issuing-body",
        "新安县人民政府办公室",
        "--contact-person",
        "李二",
        "--contact-phone",
        "0851-86661234",
    )
    assert done.returncode == 0, done.stderr
    creds_file = creds_dir / "xinan.nats-credentials.json"
    creds = json.loads(creds_file.read_text())
    assert creds["user"] == "platform-xinan" and creds["publish"] == "duban.in.xinan.<kind>"
    assert creds_file.stat().st_mode & 0o777 == 0o600
    accounts = (creds_dir / "accounts.conf").read_text()
    assert "platform-xinan" in accounts and creds["password"] not in accounts  # only the bcrypt hash
    assert "DUBAN_OUT consumer platform-xinan: ready" in done.stdout
    info = asyncio.run(_consumer_info(system.nats_url, "DUBAN_OUT", "platform-xinan"))
    assert info.config.filter_subject == "duban.out.xinan.>"
    assert "单位名录 units: 4 新增 created" in done.stdout
    assert "租户 tenant xinan (新安县人民政府): created" in done.stdout
    tenant = httpx.get(f"{system.url('intake')}/v1/admin/tenants/xinan", timeout=10).json()
    assert tenant["name"] == "新安县人民政府" and tenant["active"] is True
    issuing = {"issuing_body": "新安县人民政府办公室", "contact_person": "李二", "contact_phone": "0851-86661234"}
    assert {k: tenant[k] for k in issuing} == issuing  # printed on every document the county issues
    got = httpx.get(f"{system.url('deadline')}/v1/tenants/xinan/deadline-policies", timeout=10).json()
    assert got["settings"]["reminder_workdays"] == 3

    again = _duban(system, "create", "xinan", "--name", "新安县人民政府", "--units", str(units))
    assert (
        again.returncode == 0
        and "already registered" in again.stdout
        and "0 新增 created, 4 更新 updated" in again.stdout
    )
    tenant_url = f"{system.url('intake')}/v1/admin/tenants/xinan"
    assert {k: httpx.get(tenant_url, timeout=10).json()[k] for k in issuing} == issuing  # left out: kept
    bad = httpx.put(tenant_url, json={"name": "新安县人民政府", "contact_phone": "电话"}, timeout=10)
    assert bad.status_code == 422 and "contact_phone" in bad.text
    assert (
        httpx.get(tenant_url, timeout=10).json()["contact_phone"] == "0851-86661234"
    )  # the refused request changed nothing

    env = meeting_decision("xinan-md-1", tenant="xinan")
    assert _submit(system, "xinan", env).status_code == 201
    items = wait_for(
        lambda: (lambda m: m if len(m) == 3 and all(i["lead_unit"] for i in m) else None)(
            ledger(system, tenant="xinan")["items"]
        ),
        what="the county's first three matters",
    )
    assert sorted(i["lead_unit"] for i in items) == ["fgj", "jyj", "zjj"]
    assert ledger(system, q="xinan-md-1")["items"] == []  # not in the demo tenant
    task_id = wait_for(
        lambda: next((i["task_id"] for i in ledger(system, tenant="xinan")["items"] if i["task_id"]), None),
        what="a task of the county's (its 交办单)",
    )
    notice = httpx.get(f"{system.url('tasking')}/v1/tenants/xinan/tasks/{task_id}/notice.pdf", timeout=30)
    assert notice.status_code == 200, notice.text
    first_page = PdfReader(io.BytesIO(notice.content)).pages[0].extract_text()
    assert "新安县人民政府办公室文件" in first_page and "演示县" not in first_page
    assert "联系人：李二，联系电话：0851-86661234" in "".join(
        p.extract_text() for p in PdfReader(io.BytesIO(notice.content)).pages
    )

    # the county's own Word layout for its 交办单: refused when it would not fill, used when it does, removed again
    templates = f"{system.url('intake')}/v1/admin/tenants/xinan/templates/assignment"
    docx_type = {"content-type": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}
    refused = httpx.put(templates, content=_template("{{标题}}", "没有正文占位符"), headers=docx_type, timeout=10)
    assert refused.status_code == 422 and "{{正文}}" in refused.text
    assert httpx.get(templates, timeout=10).status_code == 404  # nothing stored
    ours = _template(
        "新安县督查室专用交办单", "{{文号}}", "{{标题}}", "{{主送}}", "{{正文}}", "{{发文机关}}", "{{成文日期}}"
    )
    assert httpx.put(templates, content=ours, headers=docx_type, timeout=10).status_code == 200
    word_url = f"{system.url('tasking')}/v1/tenants/xinan/tasks/{task_id}/notice.docx"
    filled = wait_for(
        lambda: (lambda d: d if d[0] == "新安县督查室专用交办单" else None)(
            [p.text for p in Document(io.BytesIO(httpx.get(word_url, timeout=30).content)).paragraphs]
        ),
        what="the notice in the county's template",
    )
    assert (
        filled[1].startswith("督办〔") and filled[2].endswith("的督办事项交办单") and not any("{{" in p for p in filled)
    )
    assert httpx.delete(templates, timeout=10).json()["deleted"] is True

    off = _duban(system, "offboard", "xinan")
    assert off.returncode == 0, off.stderr
    assert json.loads(off.stdout)["active"] is False
    refused = _submit(system, "xinan", meeting_decision("xinan-md-2", tenant="xinan"))
    assert refused.status_code == 422
    assert "offboarded" in refused.text
    assert len(ledger(system, tenant="xinan")["items"]) == 3  # kept
    listed = _duban(system, "list")
    assert any(line.startswith("xinan") and "已停用 offboarded" in line for line in listed.stdout.splitlines())

    back = _duban(system, "reactivate", "xinan")
    assert back.returncode == 0 and json.loads(back.stdout)["active"] is True
    assert _submit(system, "xinan", meeting_decision("xinan-md-2", tenant="xinan")).status_code == 201

    unknown = _duban(system, "offboard", "nosuch")
    assert unknown.returncode == 2 and "HTTP 404" in unknown.stderr
