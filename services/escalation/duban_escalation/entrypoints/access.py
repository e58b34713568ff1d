"""Who may call which route of escalation (duban_common.auth: a route not listed is refused), and
the unit handlers' wall: a task of another unit, its urges and orders answer 404
(duban_common.unitscope). Escalation knows a task's lead unit, the one it urges and asks for
explanations (watched_tasks.unit, from task.assigned and task.reassigned): a co-unit reads a
task's escalation record through the lead unit, as the urges reach it."""

from sqlalchemy import select

from duban_common.auth import (
    DISCIPLINE,
    LEADER,
    OFFICE,
    OFFICE_DEPUTY,
    OFFICE_DIRECTOR,
    OPERATOR,
    READERS,
    UNIT,
    Access,
    rule,
)
from duban_common.signoff import routes as signoff_routes
from duban_common.unitscope import Owner, UnitScope

from ..adapters.orm import signoff, supervision_orders, urges, watched_tasks

ACCESS: Access = {
    ("GET", "/v1/tenants/{tenant}/ladder"): READERS,
    ("PUT", "/v1/tenants/{tenant}/ladder"): rule(OFFICE, OPERATOR),  # the operator: a preset when onboarding the tenant
    ("POST", "/v1/tenants/{tenant}/tasks/{task_id}/urge"): rule(OFFICE),
    ("POST", "/v1/tenants/{tenant}/tasks/{task_id}/rectification-unmet"): rule(OFFICE, LEADER),
    ("POST", "/v1/tenants/{tenant}/tasks/{task_id}/explanations"): rule(UNIT, OFFICE),
    ("POST", "/v1/tenants/{tenant}/tasks/{task_id}/attachments"): rule(UNIT, OFFICE),
    ("GET", "/v1/tenants/{tenant}/tasks/{task_id}/attachments/{attachment_id}"): READERS,
    ("GET", "/v1/tenants/{tenant}/tasks/{task_id}/escalation"): READERS,
    ("GET", "/v1/tenants/{tenant}/cases"): rule(DISCIPLINE, OFFICE, LEADER),
    ("GET", "/v1/tenants/{tenant}/cases/{case_id}"): rule(DISCIPLINE, OFFICE, LEADER),
    ("GET", "/v1/tenants/{tenant}/cases/{case_id}/letter.{fmt}"): rule(DISCIPLINE, OFFICE, LEADER),
    ("GET", "/v1/tenants/{tenant}/urges/{urge_id}/notice.{fmt}"): READERS,
    ("POST", "/v1/tenants/{tenant}/tasks/{task_id}/supervision-orders"): rule(OFFICE),
    # propose 提出, approve 同意, sign 签发: the order's sign-off chain says which role takes each
    ("POST", "/v1/tenants/{tenant}/supervision-orders/{order_id}/{step}"): rule(
        OFFICE, LEADER, OFFICE_DEPUTY, OFFICE_DIRECTOR
    ),
    ("GET", "/v1/tenants/{tenant}/supervision-orders/{order_id}/notice.{fmt}"): READERS,
    ("GET", "/v1/tenants/{tenant}/deliveries"): rule(OFFICE),
    ("POST", "/v1/tenants/{tenant}/tasks/{task_id}/explanation-assessment"): rule(OFFICE),
    ("GET", "/v1/tenants/{tenant}/explanation-assessments"): rule(OFFICE, LEADER),
    **signoff_routes.access(),
}


def _of_task(table, key: str):
    columns = watched_tasks.c
    return lambda value: (
        select(columns.unit)
        .join_from(table, watched_tasks, columns.task_id == table.c.task_id)
        .where(table.c[key] == value)
    )


# Escalation's drafts are the office's and the government's: they carry no unit, so a unit handler
# finds none of them (404) and its approvals list is empty.
SIGNOFF = signoff_routes.unit_scope(signoff)
UNITS = UnitScope(
    owners={
        "task_id": Owner(
            "任务", lambda task_id: select(watched_tasks.c.unit).where(watched_tasks.c.task_id == task_id)
        ),
        "urge_id": Owner("催办单", _of_task(urges, "id")),
        "order_id": Owner("督办单", _of_task(supervision_orders, "id")),
        **SIGNOFF["owners"],
    },
    confined=SIGNOFF["confined"],
    shared=frozenset({("GET", "/v1/tenants/{tenant}/ladder")}) | SIGNOFF["shared"],
)
