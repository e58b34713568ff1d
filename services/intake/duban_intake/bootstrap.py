"""Composition root of the intake service."""

from duban_common.runtime import Runtime

from .adapters import orm
from .adapters.protect import Protector, load_key
from .config import IntakeSettings
from .entrypoints import consumers, http, http_contacts, http_templates, http_triage


def bootstrap(settings: IntakeSettings | None = None) -> Runtime:
    settings = settings or IntakeSettings()
    protector = Protector(load_key(settings.pii_key, settings.data_dir))
    runtime = Runtime(settings=settings, metadata=orm.metadata, tables=orm.infra, handlers=consumers.handler_table(protector))
    runtime.protector = protector  # the routes' (entrypoints.deps)
    runtime.routers += [http.router, http_triage.router, http_templates.router, http_contacts.router]
    runtime.upload_routes += [http_triage.WORK_REPORT_IMPORT, http_templates.PATH]
    return runtime
