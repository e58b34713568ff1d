"""What tasking's routes get through ``Depends`` besides the runtime: the work calendar and the
lookup of the issuing office's document settings (set on the runtime by bootstrap)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from duban_common.calendar import WorkCalendar
from duban_common.dependencies import RuntimeDep
from duban_common.documents.issuing import IssuingLookup


def calendar_of(runtime: RuntimeDep) -> WorkCalendar:
    return runtime.calendar


def issuing_of(runtime: RuntimeDep) -> IssuingLookup:
    return runtime.issuing


CalendarDep = Annotated[WorkCalendar, Depends(calendar_of)]
IssuingDep = Annotated[IssuingLookup, Depends(issuing_of)]
