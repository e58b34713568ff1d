"""What escalation's routes get through ``Depends`` besides the runtime: the work calendar and
the documents (set on the runtime by bootstrap), the sign-off desk; the way a refusal answers and
the person a sign-off names."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, HTTPException

from duban_common.calendar import WorkCalendar
from duban_common.dependencies import RuntimeDep
from duban_common.signoff import Desk, SignoffError
from duban_common.signoff.routes import desk_of

from ..service_layer.actions import Refused
from ..service_layer.documents import Documents


def calendar_of(runtime: RuntimeDep) -> WorkCalendar:
    return runtime.calendar


def documents_of(runtime: RuntimeDep) -> Documents:
    return runtime.documents


CalendarDep = Annotated[WorkCalendar, Depends(calendar_of)]
DocumentsDep = Annotated[Documents, Depends(documents_of)]
DeskDep = Annotated[Desk, Depends(desk_of)]


@contextlib.contextmanager
def refusals() -> Iterator[None]:
    """A service function's refusal (or a sign-off chain's) as the HTTP answer it names."""
    try:
        yield
    except Refused as error:
        raise HTTPException(error.status, error.detail) from None
    except SignoffError as error:
        raise HTTPException(error.status, str(error)) from None


def named(given: str | None, person: str | None) -> str:
    """The person a sign-off names: as given, else who calls (the token), else 422."""
    if given or person:
        return given or person
    raise HTTPException(422, [{"loc": ["body", "by"], "msg": "缺少必填项：签署人", "type": "missing"}])
