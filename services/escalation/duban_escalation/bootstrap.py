"""Composition root of the escalation service."""

from duban_common.calendar import WorkCalendar
from duban_common.clock import Clock
from duban_common.runtime import Runtime
from duban_common.signoff import routes as signoff_routes

from .adapters import orm
from .adapters.senders import senders_from
from .config import EscalationSettings
from .entrypoints import access, consumers, http, http_attachments, http_signoff
from .service_layer import drafting, notify
from .service_layer.delivery import Deliverer
from .service_layer.documents import Documents
from .service_layer.timers import EscalationTimers


def bootstrap(
    settings: EscalationSettings | None = None,
    *,
    clock: Clock | None = None,
    units: notify.Units | None = None,
    senders: dict | None = None,
) -> Runtime:
    """``units``: (session, tenant) → its units by code (default: escalation's own copy of tasking's
    directory, notify.DIRECTORY); ``senders``: channel → what sends on it (default: those the settings configure)."""
    settings = settings or EscalationSettings()
    calendar = WorkCalendar()
    contexts = notify.contexts_of(settings, units)
    collaborators = {"settings": settings, "calendar": calendar, "contexts": contexts}
    runtime = Runtime.of_service(settings, orm, consumers, access, clock=clock, collaborators=collaborators)
    runtime.signoff = drafting.desk(contexts)
    runtime.calendar = calendar  # the routes' (duban_common.dependencies.CalendarDep)
    runtime.collaborators["documents"] = Documents(runtime, calendar, contexts)  # the routes' (entrypoints.deps)
    timers = EscalationTimers(runtime, calendar, contexts)
    deliverer = Deliverer(runtime, senders_from(settings) if senders is None else senders)
    if hasattr(runtime.clock, "on_change"):
        runtime.clock.on_change(timers.on_clock_change)
    runtime.background += [timers.run, deliverer.run]
    runtime.routers += [*http.ROUTERS, http_attachments.router(runtime), signoff_routes.router, http_signoff.router]
    return runtime
