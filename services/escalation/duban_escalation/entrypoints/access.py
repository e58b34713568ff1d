"""Who may call which route of escalation (duban_common.auth: a route not listed is refused)."""

from duban_common.auth import DISCIPLINE, LEADER, OFFICE, OPERATOR, READERS, UNIT, Access, rule

ACCESS: Access = {
    ("GET", "/v1/tenants/{tenant}/ladder"): READERS,
    ("PUT", "/v1/tenants/{tenant}/ladder"): rule(OFFICE, OPERATOR),  # the operator: a preset when onboarding the tenant
    ("POST", "/v1/tenants/{tenant}/tasks/{task_id}/urge"): rule(OFFICE),
    ("POST", "/v1/tenants/{tenant}/tasks/{task_id}/rectification-unmet"): rule(OFFICE, LEADER),
    ("POST", "/v1/tenants/{tenant}/tasks/{task_id}/explanations"): rule(UNIT, OFFICE),
    ("GET", "/v1/tenants/{tenant}/tasks/{task_id}/escalation"): READERS,
    ("GET", "/v1/tenants/{tenant}/cases"): rule(DISCIPLINE, OFFICE, LEADER),
    ("GET", "/v1/tenants/{tenant}/cases/{case_id}"): rule(DISCIPLINE, OFFICE, LEADER),
    ("GET", "/v1/tenants/{tenant}/urges/{urge_id}/notice.docx"): READERS,
    ("POST", "/v1/tenants/{tenant}/tasks/{task_id}/supervision-orders"): rule(OFFICE),
    ("POST", "/v1/tenants/{tenant}/supervision-orders/{order_id}/{step}"): rule(OFFICE, LEADER),  # approve: leader; the rest: the office
    ("GET", "/v1/tenants/{tenant}/supervision-orders/{order_id}/notice.docx"): READERS,
    ("GET", "/v1/tenants/{tenant}/deliveries"): rule(OFFICE),
}
