"""Who may call which route of reporting (duban_common.auth: a route not listed is refused).
A unit handler's ledger is confined to its own unit by the route itself (duban_common.unitscope)."""

from duban_common.auth import DISCIPLINE, LEADER, OFFICE, READERS, Access, rule
from duban_common.unitscope import UnitScope

ACCESS: Access = {
    ("GET", "/v1/tenants/{tenant}/ledger"): READERS,
    ("GET", "/v1/tenants/{tenant}/ledger.xlsx"): READERS,
    ("GET", "/v1/tenants/{tenant}/statistics"): rule(OFFICE, LEADER, DISCIPLINE),
    ("GET", "/v1/tenants/{tenant}/dashboard"): rule(OFFICE, LEADER, DISCIPLINE),
    ("POST", "/v1/tenants/{tenant}/reports"): rule(OFFICE),
    ("GET", "/v1/tenants/{tenant}/reports"): rule(OFFICE, LEADER, DISCIPLINE),
    ("GET", "/v1/tenants/{tenant}/reports/{report_id}"): rule(OFFICE, LEADER, DISCIPLINE),
    ("GET", "/v1/tenants/{tenant}/reports/{report_id}/document.{fmt}"): rule(OFFICE, LEADER, DISCIPLINE),
}

UNITS = UnitScope(confined=frozenset({("GET", "/v1/tenants/{tenant}/ledger"), ("GET", "/v1/tenants/{tenant}/ledger.xlsx")}))
