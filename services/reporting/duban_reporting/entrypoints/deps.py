"""What reporting's routes get through ``Depends`` besides the runtime, the work calendar and the
issuing-office lookup (duban_common.dependencies): the unit names (set on the runtime by bootstrap)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from duban_common.dependencies import RuntimeDep

from ..adapters.units import UnitNames


def unit_names_of(runtime: RuntimeDep) -> UnitNames:
    return runtime.unit_names


UnitNamesDep = Annotated[UnitNames, Depends(unit_names_of)]
