"""What a route gets through ``Depends``: the service's :class:`~duban_common.runtime.Runtime`
(database, clock, settings, units of work), set on the app by ``Runtime.app``.

A service's routes are module-level ``APIRouter``s; each route names what it needs::

    @router.get("/v1/tenants/{tenant}/things")
    async def things(tenant: str, runtime: RuntimeDep) -> dict: ...
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from .runtime import Runtime


def runtime_of(request: Request) -> Runtime:
    """The runtime of the app serving the request."""
    return request.app.state.runtime


RuntimeDep = Annotated[Runtime, Depends(runtime_of)]
