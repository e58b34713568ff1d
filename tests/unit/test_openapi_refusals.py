"""Every route's OpenAPI document lists the refusals it can answer (duban_common.http.REFUSALS),
in the shape they have, so a client generated from it expects them."""

from __future__ import annotations

import importlib

import pytest

SERVICES = ["intake", "tasking", "deadline", "escalation", "reporting"]


@pytest.mark.parametrize("service", SERVICES)
def test_every_route_documents_the_refusals_it_can_answer(service, tmp_path, monkeypatch):
    monkeypatch.setenv("DUBAN_DATA_DIR", str(tmp_path))
    doc = importlib.import_module(f"duban_{service}.bootstrap").bootstrap().app(service).openapi()
    missing = []
    for path, operations in doc["paths"].items():
        if not path.startswith("/v1/"):
            continue
        for method, op in operations.items():
            expected = (
                {"401", "403"}
                | ({"404"} if "{" in path else set())
                | ({"400", "409", "413"} if method in ("post", "put", "delete") else set())
            )
            for code in sorted(expected):
                answer = op["responses"].get(code)
                if answer is None:
                    missing.append(f"{method.upper()} {path}: {code}")
                elif code not in ("404", "409"):  # a route may say its own 404/409 in its own words, in the same shape
                    assert answer["content"]["application/json"]["schema"] == {
                        "$ref": "#/components/schemas/Problem"
                    }, (path, code)
    assert not missing, missing
    assert "Problem" in doc["components"]["schemas"]
