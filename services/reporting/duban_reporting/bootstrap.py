"""Composition root of the reporting service."""

from duban_common.calendar import WorkCalendar
from duban_common.runtime import Runtime

from .adapters import orm
from .adapters.units import UnitNames
from .config import ReportingSettings
from .entrypoints import http, http_documents, http_reports
from .service_layer.projections import HANDLERS


def bootstrap(settings: ReportingSettings | None = None) -> Runtime:
    settings = settings or ReportingSettings()
    runtime = Runtime(settings=settings, metadata=orm.metadata, tables=orm.infra, handlers=HANDLERS)
    calendar, names = WorkCalendar(), UnitNames(runtime.db)
    runtime.routers.append(http.router(runtime, calendar, names))
    runtime.routers.append(http_reports.router(runtime, calendar, names))
    runtime.routers.append(http_documents.router(runtime, names))
    return runtime
