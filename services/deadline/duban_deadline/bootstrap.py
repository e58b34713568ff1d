"""Composition root of the deadline service."""

from duban_common.clock import Clock, SimulatedClock
from duban_common.runtime import Runtime

from .adapters import orm
from .config import DeadlineSettings
from .entrypoints import access, consumers, http
from .service_layer import calendar_admin
from .service_layer.firing import TimerFiring


def bootstrap(
    settings: DeadlineSettings | None = None, *, clock: Clock | None = None, units=None, senders=None
) -> Runtime:
    """``units`` and ``senders`` are the other services' seams: the deadline service looks no
    unit up and sends nothing, so it takes none (the same signature in every service)."""
    settings = settings or DeadlineSettings()
    runtime = Runtime.of_service(
        settings, orm, consumers, access, clock=clock, collaborators={"default_due_time": settings.due_time}
    )
    runtime.routers.extend(http.ROUTERS)
    firing = TimerFiring(
        runtime.db,
        orm.infra,
        runtime.clock,
        runtime.source,
        instance=f"{settings.service}.{settings.instance}",
        default_due_time=settings.due_time,
        simulated=isinstance(runtime.clock, SimulatedClock),
        wake=lambda: runtime.relay and runtime.relay.wake(),
        batch=settings.timer_batch,
        poll_s=settings.timer_poll_s,
    )
    if isinstance(runtime.clock, SimulatedClock):
        # Runs before the service acknowledges a new simulated time: `duban clock advance`
        # returns only once every timer due by then has fired and committed.
        runtime.clock.on_change(firing.on_clock_change)
    runtime.background.append(firing.run)
    runtime.background.append(firing.gauges)
    runtime.background.append(lambda: calendar_admin.recheck_provisional(runtime, settings.due_time))
    return runtime
