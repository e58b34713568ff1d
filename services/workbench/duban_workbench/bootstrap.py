"""Composition root of the workbench: settings → API clients, identity, session seal → app.

Nothing is built at import time; tests pass their own settings (and an httpx transport)."""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass
from typing import Any

import httpx
from fastapi import FastAPI

from duban_common.logging import configure as configure_logging
from duban_common.logging import get_logger

from .adapters import identity
from .adapters.oidc import OidcClient
from .adapters.services import Services
from .adapters.session import SessionSeal
from .config import WorkbenchSettings
from .entrypoints.http import create_app
from .entrypoints.web import Context

log = get_logger(__name__)


@dataclass
class Parts:
    ctx: Context
    identity: identity.Identity
    oidc: OidcClient | None
    lifespan: Any


def bootstrap(
    settings: WorkbenchSettings | None = None,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    oidc_transport: httpx.AsyncBaseTransport | None = None,
) -> FastAPI:
    settings = settings or WorkbenchSettings()
    key = settings.session_key or SessionSeal.key_file(settings.issuer_dir())
    services = Services(settings.service_urls(), settings.api_timeout_s, transport)
    if settings.oidc_enabled:
        redirect_uri = f"{(settings.public_url or f'http://127.0.0.1:{settings.http_port}').rstrip('/')}/oidc/callback"
        oidc = OidcClient(
            settings.oidc_issuer,
            settings.oidc_client_id,
            settings.oidc_client_secret,
            settings.oidc_scope,
            redirect_uri,
            oidc_transport,
        )
        who = identity.production(settings, jwks_url=settings.auth_jwks_url or "")
    else:
        oidc = None
        who = identity.embedded(settings, settings.demo_accounts_file)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI):
        configure_logging(settings.service, settings.log_level)
        logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per API call is noise; failures are logged
        if oidc is not None and not settings.auth_jwks_url:  # the provider's keys, from its discovery document
            who.verifier.keys.url = (await oidc.metadata())["jwks_uri"]
        log.info("workbench started", login="oidc" if oidc else "demo accounts", services=settings.service_urls())
        try:
            yield
        finally:
            await services.close()

    return create_app(Parts(Context(services, SessionSeal(key), settings, {}), who, oidc, lifespan))
