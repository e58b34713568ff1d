"""The five services' HTTP APIs, called with the signed-in person's own token.

A service that does not answer (connection refused, timeout, 5xx) raises
:class:`Unavailable` naming it, so a page can say which part is missing and show the rest.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx

LABELS = {
    "intake": "来件服务",
    "tasking": "任务办理服务",
    "deadline": "期限服务",
    "escalation": "催办服务",
    "reporting": "台账统计服务",
}


class Unavailable(Exception):
    def __init__(self, service: str) -> None:
        super().__init__(f"{LABELS.get(service, service)}暂时无法访问")
        self.service = service
        self.label = LABELS.get(service, service)


class NotFound(Exception):
    pass


@dataclass
class Refused(Exception):
    """A 4xx answer: its reason and, where the service gave them, the fields it refused."""

    status: int
    detail: str
    errors: list[dict] = field(default_factory=list)

    def __str__(self) -> str:
        return self.detail

    def fields(self) -> dict[str, str]:
        """Field name → message, from the service's ``loc`` lists (the last name in each)."""
        out: dict[str, str] = {}
        for error in self.errors:
            names = [x for x in error.get("loc", []) if isinstance(x, str) and x not in ("body", "query", "path")]
            if names:
                out.setdefault(names[-1], str(error.get("msg", "")))
        return out


def _refusal(response: httpx.Response) -> Refused:
    try:
        body = response.json()
    except ValueError:
        return Refused(response.status_code, response.text[:300] or f"HTTP {response.status_code}")
    detail = body.get("detail") if isinstance(body, dict) else None
    errors = body.get("errors") if isinstance(body, dict) else None
    if isinstance(detail, list):  # FastAPI's own validation answer
        errors, detail = detail, "；".join(str(e.get("msg")) for e in detail)
    return Refused(response.status_code, str(detail or f"HTTP {response.status_code}"), list(errors or []))


class Services:
    def __init__(
        self, urls: dict[str, str], timeout_s: float, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        self.urls = urls
        self.client = httpx.AsyncClient(timeout=timeout_s, transport=transport)

    async def close(self) -> None:
        await self.client.aclose()

    async def request(self, service: str, method: str, path: str, token: str, **options: Any) -> httpx.Response:
        try:
            response = await self.client.request(
                method, f"{self.urls[service]}{path}", headers={"Authorization": f"Bearer {token}"}, **options
            )
        except httpx.TransportError:
            raise Unavailable(service) from None
        if response.status_code >= 500:
            raise Unavailable(service)
        if response.status_code == 404:
            raise NotFound(path)
        if response.status_code >= 400:
            raise _refusal(response)
        return response

    async def get(self, service: str, path: str, token: str, **params: Any) -> Any:
        clean = {k: v for k, v in params.items() if v not in (None, "")}
        return (await self.request(service, "GET", path, token, params=clean)).json()

    async def post(self, service: str, path: str, token: str, body: dict | None = None, **options: Any) -> Any:
        response = (
            await self.request(service, "POST", path, token, json=body, **options)
            if body is not None or not options
            else await self.request(service, "POST", path, token, **options)
        )
        return response.json() if response.content else {}
