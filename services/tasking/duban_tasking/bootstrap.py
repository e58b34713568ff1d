"""Composition root of the tasking service."""

from duban_common.calendar import WorkCalendar
from duban_common.clock import Clock, SimulatedClock
from duban_common.documents.issuing import IssuingLookup
from duban_common.runtime import Runtime
from duban_common.signoff import routes as signoff_routes

from .adapters import orm
from .config import TaskingSettings
from .entrypoints import access, consumers, http, http_attachments, http_tasks
from .service_layer import signoffs
from .service_layer.approver_reminders import ApproverReminders
from .service_layer.units import publish_unpublished


def bootstrap(
    settings: TaskingSettings | None = None, *, clock: Clock | None = None, units=None, senders=None
) -> Runtime:
    """``units`` and ``senders`` are the other services' seams: tasking keeps the units directory
    itself and sends nothing, so it takes none (the same signature in every service)."""
    settings = settings or TaskingSettings()
    runtime = Runtime.of_service(settings, orm, consumers, access, clock=clock)
    runtime.signoff = signoffs.desk()
    runtime.background.append(lambda: publish_unpublished(runtime))  # units from before the directory was published
    runtime.calendar, runtime.offices = WorkCalendar(), IssuingLookup(settings.intake_url, settings.service_headers())
    runtime.routers += [http.router, http_tasks.router, http_attachments.router(runtime), signoff_routes.router]
    reminders = ApproverReminders(runtime, runtime.calendar)
    if isinstance(runtime.clock, SimulatedClock):  # reminded before the service acknowledges the new time
        runtime.clock.on_change(reminders.on_clock_change)
    runtime.background.append(reminders.run)
    return runtime
