"""The tenant's units directory, asked of tasking (which owns it) over HTTP."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import httpx

UnitLookup = Callable[[str], Awaitable[dict[str, str]]]  # tenant → code or exact name → code


class UnitsDirectoryUnavailable(RuntimeError):
    pass


async def unit_lookup(tasking_url: str, tenant: str, headers: dict[str, str] | None = None) -> dict[str, str]:
    """Code or exact name → code, for active units (``headers``: the service's own token)."""
    try:
        async with httpx.AsyncClient(timeout=10, headers=headers) as client:
            r = await client.get(f"{tasking_url}/v1/tenants/{tenant}/units")
            r.raise_for_status()
    except httpx.HTTPError as e:
        raise UnitsDirectoryUnavailable(f"units directory not reachable at {tasking_url}: {e}") from None
    lookup: dict[str, str] = {}
    for u in r.json()["items"]:
        if u.get("active", True):
            lookup[u["code"]] = u["code"]
            lookup[u["name"]] = u["code"]
    return lookup
