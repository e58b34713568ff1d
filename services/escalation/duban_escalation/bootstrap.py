"""Composition root of the escalation service."""

from duban_common.calendar import WorkCalendar
from duban_common.contracts.events import NOTIFICATION_REQUESTED
from duban_common.runtime import Runtime
from duban_common.signoff import routes as signoff_routes

from .adapters import orm
from .adapters.senders import senders_from
from .config import EscalationSettings
from .entrypoints import http, http_attachments, http_signoff
from .service_layer import drafting, handlers
from .service_layer.delivery import Deliverer
from .service_layer.documents import Documents
from .service_layer.timers import EscalationTimers


def bootstrap(settings: EscalationSettings | None = None) -> Runtime:
    settings = settings or EscalationSettings()
    cal = WorkCalendar()
    runtime = Runtime(settings=settings, metadata=orm.metadata, tables=orm.infra, handlers=handlers.build(settings, cal))
    runtime.signoff = drafting.settings_desk(settings)
    runtime.calendar, runtime.documents = cal, Documents(runtime, cal)  # the routes' (entrypoints.deps)
    timers = EscalationTimers(runtime, cal)
    deliverer = Deliverer(runtime, cal, senders_from(settings))
    runtime.handlers["notifications"] = {NOTIFICATION_REQUESTED: deliverer.on_notification}
    if hasattr(runtime.clock, "on_change"):
        runtime.clock.on_change(timers.on_clock_change)
    runtime.background += [timers.run, deliverer.run]
    runtime.routers += [*http.ROUTERS, http_attachments.router(runtime), signoff_routes.router, http_signoff.router]
    return runtime
