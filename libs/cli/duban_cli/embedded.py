"""The embedded run: one nats-server, five service processes and the workbench, SQLite files
in a data folder.

Also used by the end-to-end tests, so they drive exactly what a user runs.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import traceback
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import httpx

from duban_common.auth import LocalIssuer
from duban_common.natsserver import NatsServer, stop_process

SERVICES = ("intake", "tasking", "deadline", "escalation", "reporting")
WORKBENCH = "workbench"  # the web pages people use: no database, no NATS; it calls the five services
APPS = (*SERVICES, WORKBENCH)
DEFAULT_PORTS = {
    "workbench": 8100,
    "intake": 8101,
    "tasking": 8102,
    "deadline": 8103,
    "escalation": 8104,
    "reporting": 8105,
}
EMBEDDED_NATS_PORT = 14222


@dataclass
class ServiceProcess:
    name: str
    port: int
    env: dict[str, str]
    log_path: Path
    proc: subprocess.Popen | None = None
    restarts: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", f"duban_{self.name}"],
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def signal(self, sig: int) -> None:
        if self.alive():
            self.proc.send_signal(sig)

    def kill(self) -> None:
        self.signal(signal.SIGKILL)
        if self.proc:
            self.proc.wait()

    def stop(self, timeout_s: float = 15.0) -> None:
        if self.alive():
            stop_process(self.proc, signal.SIGTERM, timeout_s)

    def ready(self) -> bool:
        try:
            return httpx.get(f"{self.url}/readyz", timeout=1.0).status_code == 200
        except httpx.HTTPError:
            return False

    def wait_ready(self, timeout_s: float = 90.0) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if not self.alive():
                raise RuntimeError(f"{self.name} exited with {self.proc.returncode}; see {self.log_path}")
            if self.ready():
                return
            time.sleep(0.2)
        raise RuntimeError(f"{self.name} not ready on {self.url} within {timeout_s:.0f}s; see {self.log_path}")


@dataclass
class EmbeddedSystem:
    data_dir: Path
    nats_url: str | None = None  # None: start our own nats-server in the data folder
    ports: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_PORTS))
    clock: str | None = None
    extra_env: dict[str, str] = field(default_factory=dict)
    nats: NatsServer | None = None
    services: dict[str, ServiceProcess] = field(default_factory=dict)
    nats_restarts: int = 0

    def start_nats(self, port: int = EMBEDDED_NATS_PORT) -> None:
        self.nats = NatsServer(self.data_dir / "nats", port=port, log_file=self.data_dir / "logs" / "nats-server.log")
        (self.data_dir / "logs").mkdir(parents=True, exist_ok=True)
        self.nats.start()
        self.nats_url = self.nats.url

    @cached_property
    def issuer(self) -> LocalIssuer:
        """The embedded run's token issuer (``$DUBAN_AUTH_DIR`` or ``<data_dir>/auth``)."""
        return LocalIssuer.embedded(self.data_dir).ensure()

    @cached_property
    def service_token(self) -> str:
        """The services' own token for calls to each other (DUBAN_SERVICE_TOKEN)."""
        return self.issuer.token(
            tenant="*", roles=["operator"], subject=f"services@{self.data_dir.name}", ttl_s=365 * 24 * 3600
        )

    def token(
        self,
        role: str,
        *,
        unit: str | None = None,
        source: str | None = None,
        tenant: str = "demo",
        ttl_s: int = 12 * 3600,
    ) -> str:
        return self.issuer.token(
            tenant="*" if role == "operator" else tenant, roles=[role], unit=unit, source=source, ttl_s=ttl_s
        )

    def headers(self, role: str, **token_options) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(role, **token_options)}"}

    def service_env(self, name: str) -> dict[str, str]:
        env = dict(os.environ)
        env.update(self.extra_env)
        env.update({f"DUBAN_{other.upper()}_URL": f"http://127.0.0.1:{port}" for other, port in self.ports.items()})
        env.update(
            DUBAN_NATS_URL=self.nats_url,
            DUBAN_DATA_DIR=str(self.data_dir),
            DUBAN_HTTP_PORT=str(self.ports[name]),
            DUBAN_SERVICE=name,
            PYTHONUNBUFFERED="1",
            DUBAN_TASKING_URL=f"http://127.0.0.1:{self.ports['tasking']}",
            DUBAN_INTAKE_URL=f"http://127.0.0.1:{self.ports['intake']}",
            DUBAN_AUTH_DIR=str(self.issuer.directory),
            DUBAN_SERVICE_TOKEN=self.service_token,
        )
        if name == WORKBENCH:
            env["DUBAN_DEMO_ACCOUNTS_FILE"] = str(demo_accounts_path())
        if self.clock:
            env["DUBAN_CLOCK"] = self.clock
        return env

    def start_services(self, timeout_s: float = 90.0, names: tuple[str, ...] | None = None) -> None:
        """The named processes; by default every app with a port (the workbench where it has one)."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        for name in names or tuple(n for n in APPS if n in self.ports):
            service = ServiceProcess(
                name, self.ports[name], self.service_env(name), self.data_dir / "logs" / f"{name}.log"
            )
            service.start()
            self.services[name] = service
        for service in self.services.values():
            service.wait_ready(timeout_s)

    def restart_service(self, name: str, timeout_s: float = 90.0) -> None:
        service = self.services[name]
        service.stop()
        service.start()
        service.restarts += 1
        service.wait_ready(timeout_s)

    def supervise(self, stopping) -> None:
        """Keep the services, and our own nats-server, up until ``stopping()``: one that exits is
        started again (the services reconnect to the restarted server by themselves)."""
        while not stopping():
            time.sleep(0.5)
            self._keep_nats_up(stopping)
            for name, service in self.services.items():
                if not service.alive() and not stopping():
                    print(
                        f"{name} exited ({service.proc.returncode}); restarting — see {service.log_path}",
                        file=sys.stderr,
                    )
                    service.start()
                    service.restarts += 1

    def _keep_nats_up(self, stopping) -> None:
        if self.nats is None or self.nats.running() or stopping():
            return
        code = self.nats.proc.returncode if self.nats.proc else None
        print(f"nats-server exited ({code}); restarting — see {self.nats.log_file}", file=sys.stderr, flush=True)
        try:
            self.nats.start()
        except RuntimeError as error:  # its port not free yet, say: tried again on the next round
            print(f"nats-server did not start again: {error}", file=sys.stderr, flush=True)
            return
        self.nats_restarts += 1
        print(f"nats-server restarted on {self.nats.url} (pid {self.nats.proc.pid})", file=sys.stderr, flush=True)

    def url(self, name: str) -> str:
        return self.services[name].url

    def stop(self) -> None:
        for service in self.services.values():
            service.signal(signal.SIGTERM)
        for service in self.services.values():
            service.stop()
        if self.nats:
            self.nats.stop()


def load_demo_tenant(system: EmbeddedSystem, units_csv: Path, slug: str = "demo", name: str = "演示县") -> None:
    """Create the demo tenant and its units (idempotent: safe on every start)."""
    operator = system.headers("operator")
    tenant = {
        "name": name,
        "issuing_body": f"{name}人民政府办公室",
        "contact_person": "孙丽",
        "contact_phone": "0851-84621234",
    }
    response = httpx.put(f"{system.url('intake')}/v1/admin/tenants/{slug}", json=tenant, headers=operator, timeout=10)
    response.raise_for_status()
    response = httpx.put(
        f"{system.url('tasking')}/v1/tenants/{slug}/units",
        content=units_csv.read_bytes(),
        headers={"content-type": "text/csv", **operator},
        timeout=10,
    )
    response.raise_for_status()
    units = response.json()["created"] + response.json()["updated"]
    keepers = [f"{service}-{purpose}" for service, purpose in UNIT_COPIES if service in system.services]
    asyncio.run(wait_for_unit_copies(system.nats_url, slug, units, keepers))


# The durable consumers that keep a copy of the units directory (duban_common.unit_directory).
UNIT_COPIES = (("intake", "units"), ("escalation", "units"), ("reporting", "projections"))


async def wait_for_unit_copies(
    nats_url: str, slug: str, units: int, durables: list[str], timeout_s: float = 30.0
) -> None:
    """Until tasking has published at least one event per unit of ``slug`` and each of ``durables``
    has applied every event of the stream: then a registration, an import or an urge that follows
    finds the units in every service's copy."""
    import nats

    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream()
        deadline = time.monotonic() + timeout_s
        while True:
            info = await js.stream_info("DUBAN_EV", subjects_filter=f"duban.ev.{slug}.unit.>")
            published = sum((info.state.subjects or {}).values())
            pending = (
                [await js.consumer_info("DUBAN_EV", durable) for durable in durables] if published >= units else []
            )
            if published >= units and all(c.num_pending == 0 and c.num_ack_pending == 0 for c in pending):
                return
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"units directory of {slug}: {published} of {units} unit events published, "
                    f"or not yet applied by {', '.join(durables)}"
                )
            await asyncio.sleep(0.1)
    finally:
        await nc.close()


# Escalation's notices and bulletins a tenant may issue without sign-off (never the transfer):
# docs/decisions/0022-sign-off.md.
ISSUED_AT_ONCE = ("urge_notice", "bulletin_office", "bulletin_government", "special_report", "public_censure")


def notices_issued_at_once(system: EmbeddedSystem, tenant: str = "demo") -> None:
    """The tenant's escalation notices and bulletins go out as the ladder makes them (no sign-off chain)."""
    office = system.headers("supervision_office", tenant=tenant)
    for doc_type in ISSUED_AT_ONCE:
        response = httpx.put(
            f"{system.url('escalation')}/v1/tenants/{tenant}/signoff-chains/{doc_type}",
            json={"steps": []},
            headers=office,
            timeout=10,
        )
        response.raise_for_status()


def demo_file(name: str, override_env: str) -> Path:
    """A file of the demo tenant (demo/<name> of the source tree, or ``$<override_env>``)."""
    override = os.environ.get(override_env)
    if override:
        return Path(override)
    here = Path(__file__).resolve()
    for parent in here.parents:
        candidate = parent / "demo" / name
        if candidate.exists():
            return candidate
    raise FileNotFoundError(f"demo/{name} not found; set {override_env}")


def demo_units_path() -> Path:
    return demo_file("units.csv", "DUBAN_DEMO_UNITS")


def demo_quarter_path() -> Path:
    """What the demo quarter brings (``duban demo``): meetings, instructions, proposals, documents."""
    return demo_file("quarter.json", "DUBAN_DEMO_QUARTER")


def demo_accounts_path() -> Path:
    """The workbench's demo accounts: handed to it by the embedded run only (never in production)."""
    return demo_file("accounts.json", "DUBAN_DEMO_ACCOUNTS_FILE")


class StopSignals:
    """SIGINT and SIGTERM ask a run to stop (``requested``, for :meth:`EmbeddedSystem.supervise`);
    while ``interrupting`` (the demo, until its quarter is played) they interrupt at once."""

    def __init__(self, interrupting: bool = False) -> None:
        self.requested = False
        self.interrupting = interrupting
        signal.signal(signal.SIGINT, self._on_signal)
        signal.signal(signal.SIGTERM, self._on_signal)

    def _on_signal(self, _signum, _frame) -> None:
        self.requested = True
        if self.interrupting:
            raise KeyboardInterrupt


def start_with_demo_tenant(system: EmbeddedSystem, nats_port: int) -> None:
    """NATS, the services and the workbench, then the demo tenant and its units, said on the way."""
    print(f"数据目录 data folder: {system.data_dir}")
    system.start_nats(nats_port)
    print(f"NATS JetStream: {system.nats_url} (nats-server pid {system.nats.proc.pid})", flush=True)
    system.start_services()
    load_demo_tenant(system, demo_units_path())


def failed(debug: bool, message: str) -> int:
    """Say why the run failed (with the traceback under --debug); the command's exit status."""
    if debug:
        traceback.print_exc()
    print(message, file=sys.stderr)
    return 1


def stop_announced(system: EmbeddedSystem) -> None:
    print("stopping…", flush=True)
    system.stop()
    print("stopped.", flush=True)
