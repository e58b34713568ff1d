"""The shared composition of a service: database, NATS, provisioning, clock, outbox
relay, the consumers (each pulls its durable consumer, decision 0017) and the FastAPI app
with its operations endpoints.

A service's ``bootstrap.py`` creates a :class:`Runtime` (``Runtime.of_service``) with its metadata,
handlers (its ``entrypoints/consumers.HANDLERS`` and the collaborators they ask for) and routers; nothing is
built at import time (STYLE.md 3). What a test replaces is passed in, never overwritten
afterwards: ``Runtime(settings, ..., clock=FixedClock(...))``.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import KW_ONLY, dataclass, field
from types import ModuleType
from typing import Any

import nats
from fastapi import APIRouter, Depends, FastAPI, Request, Response
from fastapi.responses import JSONResponse
from fastapi_offline import FastAPIOffline
from nats.aio.client import Client as NatsClient
from nats.js import JetStreamContext
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import MetaData

from . import anchors, audit, auth, migrations, provisioning
from . import http as http_errors
from .attachments import AttachmentStore
from .bodylimit import BodyLimit
from .clock import Clock, SimulatedClock, SystemClock
from .consumer import ConsumerRunner, Handlers, bind
from .db import Database
from .http import document_refusals
from .logging import configure as configure_logging
from .logging import get_logger
from .metrics import HTTP_REQUESTS
from .outbox import InfraTables, OutboxRelay, UnitOfWork
from .settings import ServiceSettings

log = get_logger(__name__)
STATISTICS_EVERY_S = 3600  # SQLite
UNVACUUMED_STATISTICS_EVERY_S = 60
DOCS_ASSETS = "/docs/assets"  # Swagger UI's and ReDoc's scripts, styles and icon  # PostgreSQL run with autovacuum off: tables grow from empty in minutes


@dataclass
class Runtime:
    settings: ServiceSettings
    _: KW_ONLY
    metadata: MetaData
    tables: InfraTables
    handlers: Handlers = field(default_factory=dict)  # purpose → type → handler, as HANDLERS declares them
    # What the handlers' keyword-only parameters (consumer.bind) and the routes' dependencies
    # (each service's entrypoints/deps.py) ask for, by name; bootstrap decides, a test injects
    collaborators: dict[str, Any] = field(default_factory=dict)
    clock: Clock = None  # type: ignore[assignment]  # given by bootstrap, else the settings' clock (simulated or the system's)
    access: dict | None = None  # the service's ACCESS table; None: entrypoints/access.py of the service
    unit_scope: Any = None  # the service's UNITS scope (unitscope.UnitScope), with ``access``
    routers: list[APIRouter] = field(default_factory=list)
    # Long-running work of the service (e.g. a timer loop): coroutine factories started after
    # the relay and the consumers, cancelled first on stop. One that ends with an error is logged.
    background: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
    # Route templates that take files (e.g. "/v1/tenants/{tenant}/tasks/{task_id}/attachments"): exempt
    # from max_body_bytes, each reads its body against settings.max_upload_bytes itself.
    upload_routes: list[str] = field(default_factory=list)
    # The service's sign-off desk (signoff.Desk) when it owns drafts: the shared sign-off routes use it.
    signoff: Any = None
    # Collaborators the routes take through Depends (duban_common.dependencies), set by bootstrap
    # where a service's routes need them: the work calendar and the issuing offices' lookup.
    calendar: Any = None
    offices: Any = None

    @classmethod
    def of_service(
        cls,
        settings: ServiceSettings,
        orm: ModuleType,
        consumers: ModuleType,
        access: ModuleType,
        *,
        clock: Clock | None = None,
        collaborators: dict[str, Any] | None = None,
    ) -> Runtime:
        """The runtime every service's bootstrap starts from, read off the service's own modules:
        its tables (``adapters/orm.py``: metadata, infra), its ``entrypoints/consumers.HANDLERS`` and
        its ``entrypoints/access.py`` (ACCESS, and UNITS where the service scopes routes by unit)."""
        return cls(
            settings,
            metadata=orm.metadata,
            tables=orm.infra,
            handlers=consumers.HANDLERS,
            collaborators=collaborators or {},
            clock=clock,  # type: ignore[arg-type]  # None: the settings' clock (__post_init__)
            access=access.ACCESS,
            unit_scope=getattr(access, "UNITS", None),
        )

    def __post_init__(self) -> None:
        self.db = Database(self.settings.db_url())
        if self.clock is None:
            clock = SimulatedClock if self.settings.clock == "simulated" else SystemClock
            self.clock = clock(self.settings.service, self.settings.instance)
        self.handlers = bind(self.handlers, self.collaborators)
        self.nc: NatsClient | None = None
        self.js: JetStreamContext | None = None
        self.attachments: AttachmentStore | None = None  # the report attachments' store, once connected
        self._consumers: list[ConsumerRunner] = []
        self.relay: OutboxRelay | None = None
        self.source = f"/duban/{self.settings.service}"
        self._background_tasks: list[asyncio.Task] = []

    @contextlib.asynccontextmanager
    async def unit_of_work(self) -> AsyncIterator[UnitOfWork]:
        """A transaction for an HTTP command: changes and outgoing events commit together."""
        async with self.db.transaction() as session:
            uow = UnitOfWork(session, self.tables, self.clock, self.source)
            yield uow
        if uow.emitted and self.relay:
            self.relay.wake()

    async def start(self) -> None:
        config = self.settings
        await migrations.prepare(self.db, config.service, self.metadata, migrate=config.migrate_on_start)
        analyzes_itself = await self.db.analyzes_itself()
        if not analyzes_itself:
            await self.db.refresh_statistics()
        if not (analyzes_itself or self.db.is_sqlite):  # not our setting to change; worth an operator's look
            log.warning(
                "PostgreSQL runs with autovacuum off: nothing analyzes the tables, so this service runs ANALYZE "
                "itself every minute; switch autovacuum on (docs/deployment.md)",
                every_s=UNVACUUMED_STATISTICS_EVERY_S,
            )
        self.nc = await nats.connect(
            config.nats_url, name=f"duban-{config.service}", max_reconnect_attempts=-1, reconnect_time_wait=1
        )
        self.js = self.nc.jetstream()
        specs = await provisioning.provision(self.js, config.service, config)
        self.attachments = AttachmentStore(self.js, config.max_upload_bytes)
        await self.clock.start(self.js)
        self.relay = OutboxRelay(
            self.db,
            self.tables,
            self.js,
            service=config.service,
            poll_s=config.outbox_poll_s,
            batch=config.outbox_batch,
        )
        self.relay.start()
        # Each durable consumer is pulled by its runner, one batch per pull (decision 0017).
        for spec in specs:
            runner = ConsumerRunner(
                spec, self.handlers.get(spec.purpose, {}), self.db, self.tables, self.js, self.clock, config, self.relay
            )
            await runner.start()
            assert runner.task is not None  # started
            runner.task.add_done_callback(_log_background_end)
            self._consumers.append(runner)
        await anchors.anchor_or_log(self.db, self.js)  # the heads as this replica finds them, before it changes any
        for factory in (
            *self.background,
            self._anchor_audit_heads,
            *(() if analyzes_itself else (self._refresh_statistics,)),
        ):
            task = asyncio.create_task(factory(), name=getattr(factory, "__name__", "background"))
            task.add_done_callback(_log_background_end)
            self._background_tasks.append(task)
        log.info("service started", consumers=[c.durable for c in specs])

    async def _anchor_audit_heads(self) -> None:
        assert self.js is not None  # started after the connection
        await anchors.keep_anchoring(self.db, self.js, self.settings.audit_anchor_every_s)

    async def _refresh_statistics(self) -> None:
        """So that the planner's statistics follow the tables' growth, where nothing else keeps
        them: hourly on SQLite, every minute on a PostgreSQL server without autovacuum."""
        every = STATISTICS_EVERY_S if self.db.is_sqlite else UNVACUUMED_STATISTICS_EVERY_S
        while True:
            await asyncio.sleep(every)
            try:
                await self.db.refresh_statistics()
            except Exception as error:  # noqa: BLE001 - the next round tries again
                log.warning("refreshing the planner statistics failed", error=str(error))

    async def stop(self) -> None:
        for task in self._background_tasks:
            task.cancel()
        await asyncio.gather(*self._background_tasks, return_exceptions=True)  # failures were logged when they ended
        self._background_tasks.clear()
        # A batch being handled commits and acks before the connection goes (at most a few seconds).
        await asyncio.gather(*(runner.stop(grace_s=5.0) for runner in self._consumers))
        self._consumers.clear()
        if self.relay:
            await self.relay.stop()
        await self.clock.stop()
        if self.nc and self.js:
            await anchors.anchor_or_log(self.db, self.js)  # the heads as this replica leaves them
            await self.nc.drain()
        await self.db.dispose()

    async def readiness(self) -> dict[str, str]:
        checks: dict[str, str] = {}
        checks["nats"] = "ok" if self.nc is not None and self.nc.is_connected else "down"
        try:
            await self.db.ping()
            checks["database"] = "ok"
        except Exception as error:  # reported, not raised: this is the readiness answer
            checks["database"] = f"down: {type(error).__name__}"
        return checks

    def app(self, title: str) -> FastAPI:
        @contextlib.asynccontextmanager
        async def lifespan(_app: FastAPI):
            configure_logging(self.settings.service, self.settings.log_level)
            await self.start()
            try:
                yield
            finally:
                await self.stop()

        access, unit_scope = self.access, self.unit_scope
        if access is None:
            tables = importlib.import_module(f"duban_{self.settings.service}.entrypoints.access")
            access, unit_scope = tables.ACCESS, getattr(tables, "UNITS", None)
        guard = auth.authorizer(self.settings, access, unit_scope, self.db)
        # FastAPIOffline: /docs and /redoc with their scripts served by the service itself (county
        # intranets reach no CDN); every route: token, role, tenant, a unit handler's unit
        app = FastAPIOffline(
            title=title, version="1.0.0", lifespan=lifespan, static_url=DOCS_ASSETS, dependencies=[Depends(guard)]
        )
        app.state.runtime = self
        http_errors.install(app)  # one error format, in Chinese
        app.add_middleware(audit.ActorMiddleware)  # units of work record who asked
        app.include_router(self._ops_router())
        for router in self.routers:
            app.include_router(router)
        build_openapi = app.openapi
        app.openapi = lambda: app.openapi_schema or document_refusals(build_openapi())  # type: ignore[method-assign]  # every route's refusals

        @app.middleware("http")
        async def count_requests(request: Request, call_next):
            response = await call_next(request)
            route = request.scope.get("route")
            HTTP_REQUESTS.labels(
                self.settings.service, getattr(route, "path", "unmatched"), str(response.status_code)
            ).inc()
            return response

        settings = self.settings
        app.add_middleware(BodyLimit, limit=settings.max_body_bytes, upload_routes=self.upload_routes)
        return app

    def _ops_router(self) -> APIRouter:
        router = APIRouter(tags=["operations"])

        @router.get("/healthz")
        async def healthz() -> dict:
            return {"status": "ok", "service": self.settings.service}

        @router.get("/readyz")
        async def readyz() -> JSONResponse:
            checks = await self.readiness()
            ok = all(v == "ok" for v in checks.values())
            return JSONResponse(
                {"status": "ok" if ok else "unavailable", "checks": checks}, status_code=200 if ok else 503
            )

        @router.get("/metrics")
        async def metrics() -> Response:
            return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

        return router


def _log_background_end(task: asyncio.Task) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("background task ended with an error", task=task.get_name(), error=repr(task.exception()))


def serve(runtime: Runtime, title: str) -> None:
    """``python -m duban_<service>`` runs the service; ``... migrate`` upgrades its database and exits."""
    import sys

    import uvicorn

    if sys.argv[1:] == ["migrate"]:
        configure_logging(runtime.settings.service, runtime.settings.log_level)

        async def migrate() -> None:
            try:
                await migrations.upgrade(runtime.db, runtime.settings.service, runtime.metadata)
            finally:
                await runtime.db.dispose()

        asyncio.run(migrate())
        return
    uvicorn.run(runtime.app(title), host=runtime.settings.http_host, port=runtime.settings.http_port, log_config=None)
