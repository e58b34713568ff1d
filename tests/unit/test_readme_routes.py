"""Every route README.md's table names exists in that service's OpenAPI document, with that method
(a README that promised `GET triage-policies/<kind>` sent users to a 405)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from service_apps import SERVICES, service_app

README = Path(__file__).resolve().parents[2] / "README.md"
METHODS = r"(?:GET|POST|PUT|DELETE|PATCH)"
# `POST tasks/<id>/acknowledge`, `decline`, `reassign` · `GET reports/<id>/document.docx`, `.pdf`
ROUTE = re.compile(rf"`(?P<methods>{METHODS}(?:/{METHODS})*) (?P<path>[^`\s]+)`(?P<more>(?:,\s*`[^`\s]+`)*)")


def readme_routes(service: str) -> list[tuple[str, str]]:
    row = next(line for line in README.read_text().splitlines() if line.startswith(f"| {service} |"))
    found = []
    for m in ROUTE.finditer(row):
        paths = [m["path"].split("?")[0]]
        for token in re.findall(r"`([^`]+)`", m["more"]):
            head, _, last = paths[0].rpartition("/")
            paths.append(f"{head}/{last.rsplit('.', 1)[0]}{token}" if token.startswith(".") else f"{head}/{token}")
        for path in paths:
            full = path if path.startswith("/") else f"/v1/tenants/<tenant>/{path}"
            found += [(method, normal(full)) for method in m["methods"].split("/")]
    return found


def normal(path: str) -> str:
    return re.sub(r"<[^>]+>|\{[^}]+\}", "{}", path)


def test_the_parser_reads_the_tables_shorthands():
    assert ("POST", "/v1/tenants/{}/tasks/{}/decline") in readme_routes("tasking")
    assert ("GET", "/v1/tenants/{}/reports/{}/document.pdf") in readme_routes("reporting")
    assert ("DELETE", "/v1/tenants/{}/calendar/local-holidays/{}") in readme_routes("deadline")
    assert ("PUT", "/v1/admin/tenants/{}") in readme_routes("intake")


@pytest.mark.parametrize("name", SERVICES)
def test_every_route_the_readme_names_is_in_the_services_openapi(tmp_path, name):
    spec = service_app(name, tmp_path).openapi()
    # a template's parameter stands for any segment or part of one (document.{fmt} is document.pdf)
    offered = [
        (method.upper(), re.compile("^" + re.sub(r"\\\{[^}]*\\\}", "[^/]+", re.escape(normal(path))) + "$"))
        for path, ops in spec["paths"].items()
        for method in ops
    ]
    named = readme_routes(name)
    assert len(named) >= 5
    assert [(m, p) for m, p in named if not any(m == om and op.match(p) for om, op in offered)] == []


def test_the_readme_stands_alone_and_its_commands_run_from_a_fresh_clone():
    text = README.read_text()
    assert "../shared" not in text and "CONTRACT.md" not in text
    assert "(docs/domain.md)" in text and (README.parent / "docs" / "domain.md").is_file()
    domain = (README.parent / "docs" / "domain.md").read_text()
    assert "](rules.md)" in domain and "../shared" not in domain
    blocks = re.findall(r"```bash\n(.*?)```", text, flags=re.S)
    commands = [
        line.strip()
        for block in blocks
        for line in block.splitlines()
        if line.strip() and not line.strip().startswith("#")
    ]
    assert commands and [c for c in commands if re.match(r"duban\b", c)] == []  # not on PATH: ./duban.sh
