"""Who is calling. Until bearer tokens arrive (issue 9), the caller states its role and
unit in headers: ``X-Duban-Role: supervision_office`` or ``X-Duban-Role: unit`` with
``X-Duban-Unit: <code>``. The state machine decides what each may do."""

from fastapi import Header, HTTPException

from ..domain.states import Actor


def actor(x_duban_role: str | None = Header(None), x_duban_unit: str | None = Header(None)) -> Actor:
    if x_duban_role not in ("supervision_office", "unit"):
        raise HTTPException(401, "state the caller: header X-Duban-Role supervision_office or unit (with X-Duban-Unit)")
    if x_duban_role == "unit" and not x_duban_unit:
        raise HTTPException(401, "a unit caller must give its unit code in X-Duban-Unit")
    return Actor(x_duban_role, x_duban_unit)
