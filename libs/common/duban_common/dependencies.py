"""What a route gets through ``Depends``: the service's :class:`~duban_common.runtime.Runtime`
(database, clock, settings, units of work), set on the app by ``Runtime.app``.

A service's routes are module-level ``APIRouter``s; each route names what it needs::

    @router.get("/v1/tenants/{tenant}/things")
    async def things(tenant: str, runtime: RuntimeDep) -> dict: ...

Collaborators that several services set on their runtime at bootstrap have their own: the work
calendar (``runtime.calendar``) and the lookup of the issuing office's document settings
(``runtime.offices``).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from .calendar import WorkCalendar
from .documents.issuing import IssuingLookup
from .runtime import Runtime


def runtime_of(request: Request) -> Runtime:
    """The runtime of the app serving the request."""
    return request.app.state.runtime


RuntimeDep = Annotated[Runtime, Depends(runtime_of)]


def calendar_of(runtime: RuntimeDep) -> WorkCalendar:
    return runtime.calendar


def offices_of(runtime: RuntimeDep) -> IssuingLookup:
    return runtime.offices


CalendarDep = Annotated[WorkCalendar, Depends(calendar_of)]
OfficesDep = Annotated[IssuingLookup, Depends(offices_of)]
