"""Who may call which route of deadline (duban_common.auth: a route not listed is refused), and
the unit handlers' wall: a task of another unit answers 404 (duban_common.unitscope). The
units of a task are those its task.assigned and task.reassigned named (the deadlines table)."""

from sqlalchemy import select

from duban_common.auth import LEADER, OFFICE, OPERATOR, READERS, UNIT, Access, rule
from duban_common.unitscope import Owner, UnitScope

from ..adapters.orm import deadlines

ACCESS: Access = {
    ("GET", "/v1/tenants/{tenant}/calendar"): READERS | rule(OPERATOR),
    ("GET", "/v1/tenants/{tenant}/calendar/local-holidays"): READERS | rule(OPERATOR),
    ("PUT", "/v1/tenants/{tenant}/calendar/local-holidays/{day}"): rule(OFFICE, OPERATOR),
    ("DELETE", "/v1/tenants/{tenant}/calendar/local-holidays/{day}"): rule(OFFICE, OPERATOR),
    ("GET", "/v1/tenants/{tenant}/calendar/years"): READERS | rule(OPERATOR),
    ("GET", "/v1/tenants/{tenant}/calendar/years/{year}"): READERS | rule(OPERATOR),
    ("PUT", "/v1/tenants/{tenant}/calendar/years/{year}"): rule(OFFICE, OPERATOR),
    ("POST", "/v1/tenants/{tenant}/tasks/{task_id}/extensions"): rule(UNIT, OFFICE),
    ("GET", "/v1/tenants/{tenant}/tasks/{task_id}/extensions"): READERS,
    ("GET", "/v1/tenants/{tenant}/extensions"): rule(OFFICE, LEADER),
    ("POST", "/v1/tenants/{tenant}/tasks/{task_id}/extensions/{extension_id}/decision"): rule(OFFICE, LEADER),
    ("GET", "/v1/tenants/{tenant}/tasks/{task_id}/deadline"): READERS,
    ("GET", "/v1/tenants/{tenant}/deadlines"): READERS,
    ("GET", "/v1/tenants/{tenant}/deadline-policies"): READERS | rule(OPERATOR),
    ("PUT", "/v1/tenants/{tenant}/deadline-policies"): rule(OFFICE, OPERATOR),
}

UNITS = UnitScope(
    owners={
        "task_id": Owner(
            "任务",
            lambda task_id: select(deadlines.c.lead_unit, deadlines.c.co_units).where(deadlines.c.task_id == task_id),
        )
    },
    confined=frozenset({("GET", "/v1/tenants/{tenant}/deadlines")}),
    shared=frozenset((m, p) for m, p in ACCESS if "/calendar" in p or "/deadline-policies" in p),
)
