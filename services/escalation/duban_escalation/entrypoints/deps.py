"""What escalation's routes get through ``Depends`` besides the runtime and the work calendar
(duban_common.dependencies) and the sign-off desk (duban_common.signoff.routes): the documents
(set on the runtime by bootstrap), a manual trigger of the ladder, the way a refusal answers and
the person a sign-off names."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Header, HTTPException

from duban_common import auth
from duban_common.calendar import WorkCalendar
from duban_common.dependencies import CalendarDep, RuntimeDep
from duban_common.outbox import UnitOfWork
from duban_common.runtime import Runtime
from duban_common.signoff import SignoffError

from ..service_layer.actions import Refused
from ..service_layer.documents import Documents


def documents_of(runtime: RuntimeDep) -> Documents:
    return runtime.collaborators["documents"]


DocumentsDep = Annotated[Documents, Depends(documents_of)]


@dataclass(frozen=True)
class Trigger:
    """A ladder's step asked for by hand: who asks (the token), the Idempotency-Key that makes a
    retry a no-op, and what the climb needs (the runtime, its notice contexts, the work calendar)."""

    runtime: Runtime
    calendar: WorkCalendar
    idempotency_key: str | None
    person: str | None

    @property
    def contexts(self):
        """The notice contexts (who is told, by which channel): the runtime's collaborator."""
        return self.runtime.collaborators["contexts"]


def trigger_of(
    runtime: RuntimeDep,
    calendar: CalendarDep,
    person: auth.ActingPerson,
    idempotency_key: str | None = Header(None),
) -> Trigger:
    return Trigger(runtime, calendar, idempotency_key, person)


TriggerDep = Annotated[Trigger, Depends(trigger_of)]


@contextlib.asynccontextmanager
async def unit_of_work(runtime: Runtime) -> AsyncIterator[UnitOfWork]:
    """A route's unit of work; a service function's refusal (or a sign-off chain's) in it answers as
    the HTTP status it names, and nothing is changed."""
    try:
        async with runtime.unit_of_work() as uow:
            yield uow
    except Refused as error:
        raise HTTPException(error.status, error.detail) from None
    except SignoffError as error:
        raise HTTPException(error.status, str(error)) from None


def named(given: str | None, person: str | None) -> str:
    """The person a sign-off names: as given, else who calls (the token), else 422."""
    if given or person:
        return given or person
    raise HTTPException(422, [{"loc": ["body", "by"], "msg": "缺少必填项：签署人", "type": "missing"}])
