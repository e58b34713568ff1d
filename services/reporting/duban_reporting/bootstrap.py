"""Composition root of the reporting service."""

from duban_common.calendar import WorkCalendar
from duban_common.clock import SimulatedClock
from duban_common.documents.issuing import IssuingLookup
from duban_common.runtime import Runtime
from duban_common.signoff import Desk
from duban_common.signoff import routes as signoff_routes

from .adapters import orm
from .adapters.units import UnitNames
from .config import ReportingSettings
from .entrypoints import http, http_documents, http_reports, http_rhythm
from .service_layer.projections import HANDLERS
from .service_layer.rhythm import RhythmTicker, document_kinds


def bootstrap(settings: ReportingSettings | None = None) -> Runtime:
    settings = settings or ReportingSettings()
    runtime = Runtime(settings=settings, metadata=orm.metadata, tables=orm.infra, handlers=HANDLERS)
    calendar, names = WorkCalendar(), UnitNames(runtime.db)
    runtime.routers.extend([http.router, http_reports.router, http_documents.router, http_rhythm.router, signoff_routes.router])
    runtime.unit_names, runtime.offices = names, IssuingLookup(settings.intake_url, settings.service_headers())
    runtime.calendar = calendar
    runtime.signoff = Desk(orm.signoff, document_kinds(runtime))
    simulated = isinstance(runtime.clock, SimulatedClock)
    ticker = RhythmTicker(runtime, simulated=simulated, poll_s=settings.rhythm_poll_s, calendar=calendar)
    if simulated:  # drafted before the service acknowledges the new time, like deadline's timers
        runtime.clock.on_change(ticker.on_clock_change)
    runtime.background.append(ticker.run)
    return runtime
