"""What reporting's routes get through ``Depends`` besides the runtime: the work calendar, the
unit names and the lookup of the issuing office's document settings (set on the runtime by
bootstrap)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from duban_common.calendar import WorkCalendar
from duban_common.dependencies import RuntimeDep
from duban_common.documents.issuing import IssuingLookup

from ..adapters.units import UnitNames


def calendar_of(runtime: RuntimeDep) -> WorkCalendar:
    return runtime.calendar


def unit_names_of(runtime: RuntimeDep) -> UnitNames:
    return runtime.unit_names


def offices_of(runtime: RuntimeDep) -> IssuingLookup:
    return runtime.offices


CalendarDep = Annotated[WorkCalendar, Depends(calendar_of)]
UnitNamesDep = Annotated[UnitNames, Depends(unit_names_of)]
OfficesDep = Annotated[IssuingLookup, Depends(offices_of)]
