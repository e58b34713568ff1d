"""Who may call which route of tasking (duban_common.auth: a route not listed is refused), and
the unit handlers' wall: a task of another unit answers 404 (duban_common.unitscope)."""

from sqlalchemy import select

from duban_common.auth import DISCIPLINE, LEADER, OFFICE, OPERATOR, READERS, UNIT, Access, rule
from duban_common.signoff import Desk
from duban_common.signoff import routes as signoff_routes
from duban_common.unitscope import Owner, UnitScope

from ..adapters.orm import signoff, tasks

ACCESS: Access = {
    ("PUT", "/v1/tenants/{tenant}/units"): rule(OFFICE, OPERATOR),
    ("POST", "/v1/tenants/{tenant}/units/{code}/deactivate"): rule(OFFICE, OPERATOR),
    ("GET", "/v1/tenants/{tenant}/units"): READERS | rule(OPERATOR),
    ("GET", "/v1/tenants/{tenant}/tasks"): READERS,
    ("GET", "/v1/tenants/{tenant}/matters"): rule(OFFICE, LEADER, DISCIPLINE),
    ("GET", "/v1/tenants/{tenant}/notice-numbers/next"): rule(OFFICE),
    ("POST", "/v1/tenants/{tenant}/matters/{matter_id}/assign"): rule(OFFICE),
    ("POST", "/v1/tenants/{tenant}/matters/{matter_id}/split"): rule(OFFICE),
    ("POST", "/v1/tenants/{tenant}/tasks/{task_id}/acknowledge"): rule(UNIT, OFFICE),
    ("POST", "/v1/tenants/{tenant}/tasks/{task_id}/decline"): rule(UNIT, OFFICE),
    ("POST", "/v1/tenants/{tenant}/tasks/{task_id}/reassign"): rule(OFFICE),
    ("POST", "/v1/tenants/{tenant}/tasks/{task_id}/progress"): rule(UNIT, OFFICE),
    ("POST", "/v1/tenants/{tenant}/tasks/{task_id}/inputs"): rule(UNIT, OFFICE),
    ("POST", "/v1/tenants/{tenant}/tasks/{task_id}/completion"): rule(UNIT, OFFICE),
    ("POST", "/v1/tenants/{tenant}/tasks/{task_id}/accept"): rule(OFFICE),
    ("POST", "/v1/tenants/{tenant}/tasks/{task_id}/return"): rule(OFFICE),
    ("GET", "/v1/tenants/{tenant}/tasks/{task_id}"): READERS,
    ("GET", "/v1/tenants/{tenant}/tasks/{task_id}/notice.{fmt}"): READERS,
    ("POST", "/v1/tenants/{tenant}/tasks/{task_id}/attachments"): rule(UNIT, OFFICE),
    ("GET", "/v1/tenants/{tenant}/tasks/{task_id}/attachments/{attachment_id}"): READERS,
    ("POST", "/v1/tenants/{tenant}/spot-checks"): rule(OFFICE),
    ("POST", "/v1/tenants/{tenant}/spot-checks/{check_id}/callbacks/{task_id}"): rule(OFFICE),
    ("GET", "/v1/tenants/{tenant}/spot-checks/{check_id}"): rule(OFFICE, LEADER),
    ("GET", "/v1/tenants/{tenant}/spot-check-settings"): rule(OFFICE, LEADER, OPERATOR),
    ("PUT", "/v1/tenants/{tenant}/spot-check-settings"): rule(OFFICE, OPERATOR),
    **signoff_routes.access(),  # approvals, drafts and their steps, the tenant's chains (duban_common.signoff)
}
_SIGNOFF_UNITS = signoff_routes.unit_scope(Desk(signoff))

UNITS = UnitScope(
    owners={
        "task_id": Owner(
            "任务", lambda task_id: select(tasks.c.lead_unit, tasks.c.co_units).where(tasks.c.id == task_id)
        ),
        **_SIGNOFF_UNITS["owners"],
    },
    confined=frozenset({("GET", "/v1/tenants/{tenant}/tasks")}) | _SIGNOFF_UNITS["confined"],
    shared=frozenset({("GET", "/v1/tenants/{tenant}/units")}) | _SIGNOFF_UNITS["shared"],
)
