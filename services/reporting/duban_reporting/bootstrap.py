"""Composition root of the reporting service."""

from duban_common.calendar import WorkCalendar
from duban_common.clock import Clock, SimulatedClock
from duban_common.documents.issuing import IssuingLookup
from duban_common.runtime import Runtime
from duban_common.signoff import Desk
from duban_common.signoff import routes as signoff_routes

from .adapters import orm
from .adapters.units import UnitNames
from .config import ReportingSettings
from .domain.rhythm import KINDS
from .entrypoints import access, consumers, http, http_documents, http_reports, http_rhythm
from .service_layer.rhythm import RhythmTicker, document_kinds


def bootstrap(
    settings: ReportingSettings | None = None,
    *,
    clock: Clock | None = None,
    units: UnitNames | None = None,
    senders=None,
) -> Runtime:
    """``units``: what names a tenant's units (anything with ``async of(tenant) -> {code: name}``;
    default: reporting's own copy of tasking's directory, adapters/units.py). ``senders`` is
    escalation's seam: reporting sends nothing (the same signature in every service)."""
    settings = settings or ReportingSettings()
    runtime = Runtime.of_service(settings, orm, consumers, access, clock=clock)
    calendar, names = WorkCalendar(), units or UnitNames(runtime.db)
    runtime.routers.extend(
        [http.router, http_reports.router, http_documents.router, http_rhythm.router, signoff_routes.router]
    )
    runtime.collaborators["unit_names"] = names  # the routes' (entrypoints.deps) and the rhythm's
    runtime.offices = IssuingLookup(settings.intake_url, settings.service_headers())
    runtime.calendar = calendar
    # the issuing office and templates are asked before a step's transaction, which issues from them
    runtime.signoff = Desk(
        orm.signoff, document_kinds(runtime), warm=lambda tenant: runtime.offices.refresh(tenant, KINDS)
    )
    simulated = isinstance(runtime.clock, SimulatedClock)
    ticker = RhythmTicker(runtime, simulated=simulated, poll_s=settings.rhythm_poll_s, calendar=calendar)
    if simulated:  # drafted before the service acknowledges the new time, like deadline's timers
        runtime.clock.on_change(ticker.on_clock_change)
    runtime.background.append(ticker.run)
    return runtime
