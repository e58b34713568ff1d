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
    s = settings or WorkbenchSettings()
    key = s.session_key or SessionSeal.key_file(s.issuer_dir())
    services = Services(s.service_urls(), s.api_timeout_s, transport)
    if s.oidc_enabled:
        redirect_uri = f"{(s.public_url or f'http://127.0.0.1:{s.http_port}').rstrip('/')}/oidc/callback"
        oidc = OidcClient(
            s.oidc_issuer, s.oidc_client_id, s.oidc_client_secret, s.oidc_scope, redirect_uri, oidc_transport
        )
        who = identity.production(s, jwks_url=s.auth_jwks_url or "")
    else:
        oidc = None
        who = identity.embedded(s, s.demo_accounts_file)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI):
        configure_logging(s.service, s.log_level)
        logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per API call is noise; failures are logged
        if oidc is not None and not s.auth_jwks_url:  # the provider's keys, from its discovery document
            who.verifier.keys.url = (await oidc.metadata())["jwks_uri"]
        log.info("workbench started", login="oidc" if oidc else "demo accounts", services=s.service_urls())
        try:
            yield
        finally:
            await services.close()

    return create_app(Parts(Context(services, SessionSeal(key), s, {}), who, oidc, lifespan))
