"""Composition root of the intake service."""

from duban_common.clock import Clock
from duban_common.runtime import Runtime

from .adapters import orm
from .adapters.protect import Protector, load_key
from .adapters.units import UnitLookup, unit_lookup
from .config import IntakeSettings
from .entrypoints import access, consumers, http, http_contacts, http_templates, http_triage


def bootstrap(
    settings: IntakeSettings | None = None, *, clock: Clock | None = None, units: UnitLookup | None = None, senders=None
) -> Runtime:
    """``units``: what turns a tenant's unit names into codes (default: intake's own copy of tasking's
    directory, adapters/units.py). ``senders`` is escalation's seam: intake sends nothing (the same
    signature in every service)."""
    settings = settings or IntakeSettings()
    protector = Protector(load_key(settings.pii_key, settings.data_dir))
    # the protector: the handlers' and the routes'; the unit lookup: the registration's unit check
    collaborators = {"protector": protector, "unit_lookup": units or unit_lookup}
    runtime = Runtime.of_service(settings, orm, consumers, access, clock=clock, collaborators=collaborators)
    runtime.routers += [http.router, http_triage.router, http_templates.router, http_contacts.router]
    runtime.upload_routes += [http_triage.WORK_REPORT_IMPORT, http_templates.PATH]
    return runtime
