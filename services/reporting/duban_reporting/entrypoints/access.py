"""Who may call which route of reporting (duban_common.auth: a route not listed is refused).
A unit handler's ledger is confined to its own unit by the route itself (duban_common.unitscope)."""

from duban_common.auth import DISCIPLINE, LEADER, OFFICE, OFFICE_DEPUTY, OFFICE_DIRECTOR, READERS, Access, rule
from duban_common.signoff import Desk
from duban_common.signoff import routes as signoff_routes
from duban_common.unitscope import UnitScope

from ..adapters import orm

ACCESS: Access = {
    ("GET", "/v1/tenants/{tenant}/ledger"): READERS,
    ("GET", "/v1/tenants/{tenant}/ledger.xlsx"): READERS,
    ("GET", "/v1/tenants/{tenant}/statistics"): rule(OFFICE, LEADER, DISCIPLINE),
    ("GET", "/v1/tenants/{tenant}/dashboard"): rule(OFFICE, LEADER, DISCIPLINE),
    ("POST", "/v1/tenants/{tenant}/reports"): rule(OFFICE),
    ("GET", "/v1/tenants/{tenant}/reports"): rule(OFFICE, LEADER, DISCIPLINE),
    ("GET", "/v1/tenants/{tenant}/reports/{report_id}"): rule(OFFICE, LEADER, DISCIPLINE),
    ("GET", "/v1/tenants/{tenant}/reports/{report_id}/document.{fmt}"): rule(OFFICE, LEADER, DISCIPLINE),
    # the reporting rhythm's drafts with their figures: read by the office and its approvers
    ("GET", "/v1/tenants/{tenant}/rhythm/drafts"): rule(OFFICE, LEADER, OFFICE_DEPUTY, OFFICE_DIRECTOR),
    ("GET", "/v1/tenants/{tenant}/rhythm/drafts/{draft_id}"): rule(OFFICE, LEADER, OFFICE_DEPUTY, OFFICE_DIRECTOR),
    # their sign-off: the approvals queue, a draft, its steps, the tenant's chains (duban_common.signoff.routes)
    **signoff_routes.access(),
}

_SIGNOFF = signoff_routes.unit_scope(Desk(orm.signoff))
UNITS = UnitScope(
    owners=_SIGNOFF["owners"],
    confined=frozenset({("GET", "/v1/tenants/{tenant}/ledger"), ("GET", "/v1/tenants/{tenant}/ledger.xlsx")})
    | _SIGNOFF["confined"],
    shared=_SIGNOFF["shared"],
)
