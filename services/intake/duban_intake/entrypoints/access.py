"""Who may call which route of intake (duban_common.auth: a route not listed is refused)."""

from duban_common.auth import INTEGRATOR, LEADER, OFFICE, OPERATOR, Access, rule

ACCESS: Access = {
    ("POST", "/v1/tenants/{tenant}/submissions"): rule(INTEGRATOR, OFFICE),
    ("GET", "/v1/tenants/{tenant}/submissions"): rule(OFFICE, LEADER),
    # an integrator follows up its own platform's submissions
    ("GET", "/v1/tenants/{tenant}/submissions/{submission_id}"): rule(OFFICE, LEADER, INTEGRATOR),
    ("POST", "/v1/tenants/{tenant}/submissions/{submission_id}/register"): rule(OFFICE),
    ("POST", "/v1/tenants/{tenant}/submissions/{submission_id}/refuse"): rule(OFFICE),
    ("GET", "/v1/tenants/{tenant}/triage-policies"): rule(OFFICE),
    ("PUT", "/v1/tenants/{tenant}/triage-policies/{kind}"): rule(OFFICE),
    ("POST", "/v1/tenants/{tenant}/imports/work-report"): rule(OFFICE),
    # one number, audited with who and why
    ("POST", "/v1/tenants/{tenant}/matters/{matter_id}/citizen-phone"): rule(OFFICE),
    ("PUT", "/v1/admin/tenants/{slug}"): rule(OPERATOR),
    ("GET", "/v1/admin/tenants"): rule(OPERATOR),
    ("GET", "/v1/admin/tenants/{slug}"): rule(OPERATOR),
    ("POST", "/v1/admin/tenants/{slug}/offboard"): rule(OPERATOR),
    ("POST", "/v1/admin/tenants/{slug}/reactivate"): rule(OPERATOR),
    ("PUT", "/v1/admin/tenants/{slug}/templates/{kind}"): rule(OPERATOR),
    # the services read it with their own (operator) token
    ("GET", "/v1/admin/tenants/{slug}/templates/{kind}"): rule(OPERATOR),
    ("DELETE", "/v1/admin/tenants/{slug}/templates/{kind}"): rule(OPERATOR),
}
