"""Unit names for what people read (exports, the dashboard), asked of tasking, which owns the
units directory (no event carries names yet). Codes are shown when tasking does not answer."""

from __future__ import annotations

import time

import httpx

from duban_common.logging import get_logger

log = get_logger(__name__)


class UnitNames:
    def __init__(self, tasking_url: str | None, ttl_s: float = 60.0, headers: dict[str, str] | None = None) -> None:
        self._url = tasking_url
        self._headers = headers or {}  # the service's own token
        self._ttl = ttl_s
        self._cache: dict[str, tuple[float, dict[str, str]]] = {}

    async def of(self, tenant: str) -> dict[str, str]:
        """code → name; empty when the directory cannot be reached (the caller falls back to codes)."""
        if not self._url:
            return {}
        hit = self._cache.get(tenant)
        if hit and time.monotonic() - hit[0] < self._ttl:
            return hit[1]
        try:
            async with httpx.AsyncClient(timeout=3, headers=self._headers) as client:
                r = await client.get(f"{self._url}/v1/tenants/{tenant}/units")
                r.raise_for_status()
            names = {u["code"]: u["name"] for u in r.json()["items"]}
        except (httpx.HTTPError, KeyError, ValueError) as e:
            log.warning("units directory not reachable; showing unit codes", tasking_url=self._url, error=type(e).__name__)
            return hit[1] if hit else {}
        self._cache[tenant] = (time.monotonic(), names)
        return names


def named(codes, names: dict[str, str]) -> str:
    return "、".join(names.get(c, c) for c in codes or [] if c)
