"""Who issues a tenant's documents: its full issuing body (「余庆县人民政府办公室」) and the
office's contact person and telephone, tenant settings held by intake's tenant registry
(``PUT /v1/admin/tenants/<slug>``) and read here with the service's own token, cached a minute.

Where intake has none yet (a tenant onboarded before these settings, or intake not reachable)
the caller's fallback stands: the supervision office as the units directory names it."""

from __future__ import annotations

import time
from collections.abc import Iterable

import httpx

from ..logging import get_logger
from .model import Issuing

log = get_logger(__name__)


class IssuingLookup:
    def __init__(self, intake_url: str | None, headers: dict[str, str] | None = None, ttl_s: float = 60.0) -> None:
        self._url, self._headers, self._ttl = intake_url, headers or {}, ttl_s
        self._cache: dict[str, tuple[float, dict]] = {}
        self._templates: dict[tuple[str, str], tuple[float, bytes | None]] = {}

    async def settings(self, tenant: str) -> dict:
        """The tenant's document settings as intake holds them ({} when it cannot be asked)."""
        hit = self._cache.get(tenant)
        if hit and time.monotonic() - hit[0] < self._ttl:
            return hit[1]
        if not self._url:
            return {}
        try:
            async with httpx.AsyncClient(timeout=3, headers=self._headers) as client:
                response = await client.get(f"{self._url}/v1/admin/tenants/{tenant}")
            found = response.json() if response.status_code == 200 else {}
        except (httpx.HTTPError, ValueError) as error:
            log.warning(
                "tenant registry not reachable; documents use the fallback issuer",
                intake_url=self._url,
                error=type(error).__name__,
            )
            return hit[1] if hit else {}
        values = {k: found.get(k) for k in ("issuing_body", "contact_person", "contact_phone")}
        self._cache[tenant] = (time.monotonic(), values)
        return values

    async def template(self, tenant: str, kind: str) -> bytes | None:
        """The tenant's own DOCX template for ``kind`` (documents.template), None: the built-in layout."""
        hit = self._templates.get((tenant, kind))
        if hit and time.monotonic() - hit[0] < self._ttl:
            return hit[1]
        if not self._url:
            return None
        try:
            async with httpx.AsyncClient(timeout=5, headers=self._headers) as client:
                response = await client.get(f"{self._url}/v1/admin/tenants/{tenant}/templates/{kind}")
        except httpx.HTTPError as error:
            log.warning(
                "tenant registry not reachable; documents use the built-in layout",
                intake_url=self._url,
                error=type(error).__name__,
            )
            return hit[1] if hit else None
        content = response.content if response.status_code == 200 else None
        self._templates[(tenant, kind)] = (time.monotonic(), content)
        return content

    async def of(self, tenant: str, fallback: Issuing) -> Issuing:
        return _issuing(await self.settings(tenant), fallback)

    async def refresh(self, tenant: str, kinds: Iterable[str] = ()) -> None:
        """Ask intake now, where the cache is stale, so that :meth:`known` and :meth:`known_template`
        answer later without asking: inside a transaction that must not wait on another service."""
        await self.settings(tenant)
        for kind in kinds:
            await self.template(tenant, kind)

    def known(self, tenant: str, fallback: Issuing) -> Issuing:
        """The issuing office as last heard from intake, whatever its age; no I/O."""
        hit = self._cache.get(tenant)
        return _issuing(hit[1] if hit else {}, fallback)

    def known_template(self, tenant: str, kind: str) -> bytes | None:
        hit = self._templates.get((tenant, kind))
        return hit[1] if hit else None


def _issuing(tenant_settings: dict, fallback: Issuing) -> Issuing:
    return Issuing(
        body=tenant_settings.get("issuing_body") or fallback.body,
        contact=tenant_settings.get("contact_person") or fallback.contact,
        phone=tenant_settings.get("contact_phone") or fallback.phone,
    )


def office_fallback(units: dict[str, dict]) -> Issuing:
    """The supervision office of the units directory (code → unit with name, type, contact, phone)."""
    office = next((u for u in units.values() if u.get("type") == "supervision_office"), {})
    return Issuing(office.get("name") or "督查室", office.get("contact"), office.get("phone"))
