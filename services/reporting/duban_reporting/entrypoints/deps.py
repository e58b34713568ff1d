"""What reporting's routes get through ``Depends`` besides the runtime, the work calendar and the
issuing-office lookup (duban_common.dependencies): the unit names (set on the runtime by bootstrap)
and the page of a list."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Query

from duban_common.dependencies import RuntimeDep
from duban_common.http import OFFSET_MAX

from ..adapters.units import UnitNames


def unit_names_of(runtime: RuntimeDep) -> UnitNames:
    return runtime.collaborators["unit_names"]


UnitNamesDep = Annotated[UnitNames, Depends(unit_names_of)]


@dataclass(frozen=True)
class Page:
    """Which page of a list a route answers: ``limit`` rows from row ``offset``."""

    limit: int
    offset: int

    def answer(self, tenant: str, total: int, items: list) -> dict:
        return {"tenant": tenant, "total": total, "limit": self.limit, "offset": self.offset, "items": items}


def page_of(limit: int = Query(50, ge=1, le=500), offset: int = Query(0, ge=0, le=OFFSET_MAX)) -> Page:
    return Page(limit, offset)


PageDep = Annotated[Page, Depends(page_of)]
