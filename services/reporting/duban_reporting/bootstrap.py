"""Composition root of the reporting service."""

from duban_common.calendar import WorkCalendar
from duban_common.clock import Clock
from duban_common.runtime import Runtime

from .adapters import orm
from .adapters.units import UnitNames
from .config import ReportingSettings
from .entrypoints import access, consumers, http, http_documents, http_reports


def bootstrap(settings: ReportingSettings | None = None, *, clock: Clock | None = None, units: UnitNames | None = None,
              senders=None) -> Runtime:
    """``units``: what names a tenant's units (anything with ``async of(tenant) -> {code: name}``;
    default: tasking's directory over HTTP). ``senders`` is escalation's seam: reporting sends
    nothing (the same signature in every service)."""
    settings = settings or ReportingSettings()
    runtime = Runtime(settings, metadata=orm.metadata, tables=orm.infra, handlers=consumers.HANDLERS, clock=clock,
                      access=access.ACCESS, unit_scope=access.UNITS)
    calendar, names = WorkCalendar(), units or UnitNames(settings.tasking_url, headers=settings.service_headers())
    runtime.routers.append(http.router(runtime, calendar, names))
    runtime.routers.append(http_reports.router(runtime, calendar, names))
    runtime.routers.append(http_documents.router(runtime, names))
    return runtime
