"""A unit handler sees and acts on its own unit's tasks only (docs/decisions/0013-authentication.md),
in every service, held here once.

Each service declares in its ``entrypoints/access.py`` a :class:`UnitScope` beside its access
table: for each path parameter that names something of a task (``task_id``, ``urge_id``, ...)
the query of the units on it, and which of the routes open to unit handlers list things and
confine the list themselves (:func:`on_unit`) or name no task at all (the calendar, the units
directory). The authorizer then answers a unit handler's request for something not of its
unit with the same 404 as for something that does not exist: the answer does not tell that it
exists. A route open to unit handlers that the scope does not cover stops the service at start
(:meth:`UnitScope.check`): deny by default, as for the access table.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from fastapi import HTTPException, Request
from sqlalchemy import String, cast, or_
from sqlalchemy.sql import Select

UNIT = "unit"
UNIT_ROLES = frozenset({UNIT, "unit_head"})  # the roles bound to one unit and confined to it

Lookup = Callable[[str], Select]  # a path parameter's value → SELECT of the unit columns of what it names


@dataclass(frozen=True)
class Owner:
    """What a path parameter names (its label in the 404: 任务, 催办单, ...) and where its units are."""

    label: str
    units: Lookup


@dataclass(frozen=True)
class UnitScope:
    owners: Mapping[str, Owner] = field(default_factory=dict)  # path parameter → what it names
    confined: frozenset[tuple[str, str]] = frozenset()  # lists that hold themselves to the caller's unit
    shared: frozenset[tuple[str, str]] = frozenset()  # open to unit handlers and naming no task

    def check(self, access: Mapping[tuple[str, str], frozenset[str]]) -> None:
        """Refuse to start when a route open to unit handlers is not covered by this scope."""
        loose = [f"{m} {p}" for (m, p), roles in access.items() if UNIT_ROLES & roles and not self._covers(m, p)]
        if loose:
            raise RuntimeError(
                f"routes open to unit handlers with no unit scope (entrypoints/access.py UNITS): {loose}"
            )

    def _covers(self, method: str, path: str) -> bool:
        return (
            (method, path) in self.confined
            or (method, path) in self.shared
            or any(f"{{{p}}}" in path for p in self.owners)
        )

    async def hold(self, request: Request, unit: str, db) -> None:
        """404 unless everything the request's path names is of ``unit`` (the tenant scope is set)."""
        for name, value in request.path_params.items():
            owner = self.owners.get(name)
            if owner is None:
                continue
            async with db.read() as session:
                rows = (await session.execute(owner.units(value))).all()
            if unit not in set(_codes(v for row in rows for v in row)):
                raise HTTPException(404, f"{owner.label} {value} 不存在")


def _codes(values: Iterable) -> Iterable[str]:
    for value in values:
        if isinstance(value, str):
            yield value
        elif isinstance(value, (list, tuple)):
            yield from (c for c in value if isinstance(c, str))


def on_unit(unit: str, lead, co_units=None):
    """The condition for a list: rows whose lead unit is ``unit`` or whose co-units (a JSON list) hold it."""
    if co_units is None:
        return lead == unit
    quoted = '"' + unit.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + '"'
    return or_(lead == unit, cast(co_units, String).like(f"%{quoted}%", escape="\\"))
