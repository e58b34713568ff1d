"""What every fault scenario needs: a system of its own (nats-server, the five services,
SQLite or a private PostgreSQL cluster), a paced publisher that survives a broker restart,
and the reconciliation that counts what was lost and what was doubled."""

from __future__ import annotations

import asyncio
import glob
import json
import os
import shutil
import subprocess
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import nats

from duban_cli.embedded import SERVICES, EmbeddedSystem, demo_units_path, load_demo_tenant
from duban_common.natsserver import free_port
from duban_common.provisioning import CONSUMERS
from duban_common.testing.postgres import TemporaryDatabases
from e2e_support import START, ledger, notices_issued_at_once, set_clock, stream_events

REPO = Path(__file__).resolve().parents[2]


def settle(predicate, timeout_s: float, interval_s: float = 0.5):
    """Like e2e_support.wait_for, but returns the last value instead of raising: the long run
    reports a shortfall as numbers (lost > 0) rather than stopping at the first one."""
    deadline = time.monotonic() + timeout_s
    last = predicate()
    while not last and time.monotonic() < deadline:
        time.sleep(interval_s)
        last = predicate()
    return last


# --- a PostgreSQL cluster of our own ------------------------------------------------------


def pg_bindir() -> Path | None:
    """The newest PostgreSQL server binaries on this machine (initdb, pg_ctl), if any."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(Path(p).parts[-3]))
    if found:
        return Path(found[-1]).parent
    which = shutil.which("pg_ctl")
    return Path(which).parent if which else None


class PrivatePostgres:
    """A throwaway cluster (initdb in a temporary folder, a free port) that a scenario may stop
    and start: the machine's own PostgreSQL server must never be restarted by a test.

    PostgreSQL refuses to run as root, so under root the binaries run as the ``postgres``
    user through ``runuser``. fsync is off: a clean or immediate stop of the server loses
    nothing without it (only a machine crash would), and it keeps initdb and the load fast."""

    def __init__(self) -> None:
        bindir = pg_bindir()
        if bindir is None or not (bindir / "initdb").exists():
            raise RuntimeError(
                "PostgreSQL server binaries (initdb, pg_ctl) not found under /usr/lib/postgresql/*/bin or on PATH"
            )
        self.bindir = bindir
        self.root = Path(tempfile.mkdtemp(prefix="duban-fault-pg-"))  # not under pytest's tmp: postgres must reach it
        self.data = self.root / "data"
        self.port = free_port()
        self.restarts = 0
        if os.geteuid() == 0:
            shutil.chown(self.root, user="postgres")

    @property
    def url(self) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, tool: str, *args: str) -> None:
        cmd = [str(self.bindir / tool), *args]
        if os.geteuid() == 0:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            raise RuntimeError(f"{tool} failed ({done.returncode}): {done.stderr.strip() or done.stdout.strip()}")

    def init(self) -> "PrivatePostgres":
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync")
        return self.start()

    def start(self) -> "PrivatePostgres":
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300"
        self._run(
            "pg_ctl",
            "-D",
            str(self.data),
            "-o",
            options,
            "-l",
            str(self.root / "postgres.log"),
            "-w",
            "-t",
            "60",
            "start",
        )
        return self

    def stop(self, mode: str = "fast") -> None:
        """``fast``: a clean shutdown that cuts every session; ``immediate``: like a crash, recovery at the next start."""
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop")

    def destroy(self) -> None:
        try:
            self.stop("immediate")
        except RuntimeError:
            pass  # not running
        shutil.rmtree(self.root, ignore_errors=True)


# --- the system under test ----------------------------------------------------------------


class Harness:
    """A system of its own for one scenario (or one test module): its own nats-server (a
    process it can restart), the five services, SQLite files or databases on a private
    PostgreSQL cluster, the demo tenant, and the shared simulated clock at ``START``."""

    def __init__(self, workdir: Path, backend: str = "sqlite", env: dict[str, str] | None = None) -> None:
        self.workdir = Path(workdir)
        self.backend = backend
        self.env = dict(env or {})
        self.pg: PrivatePostgres | None = None
        self.system: EmbeddedSystem | None = None

    def __enter__(self) -> "Harness":
        try:
            self.start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *_exc) -> None:
        self.close()

    def start(self) -> None:
        extra_env = dict(self.env)
        if self.backend == "postgresql":
            self.pg = PrivatePostgres().init()
            databases = TemporaryDatabases(self.pg.url, SERVICES, tag="fault").__enter__()  # dropped with the cluster
            extra_env["DUBAN_DATABASE_URL"] = databases.template
        self.system = EmbeddedSystem(
            data_dir=self.workdir, ports={s: free_port() for s in SERVICES}, clock="simulated", extra_env=extra_env
        )
        self.system.start_nats(port=free_port())
        self.system.start_services()
        load_demo_tenant(self.system, demo_units_path())
        notices_issued_at_once(
            self.system
        )  # the ladder's notices and bulletins as it makes them; the transfer waits for people
        asyncio.run(set_clock(self.nats_url, START))

    def close(self) -> None:
        if self.system is not None:
            self.system.stop()
        if self.pg is not None:
            self.pg.destroy()

    @property
    def nats_url(self) -> str:
        return self.system.nats_url

    @property
    def nats(self):
        return self.system.nats

    @property
    def office(self) -> dict[str, str]:
        return self.system.headers("supervision_office")

    def restarts(self) -> int:
        return sum(sp.restarts for sp in self.system.services.values())

    def dead_services(self) -> list[str]:
        return [name for name, sp in self.system.services.items() if not sp.alive()]

    def log_tail(self, name: str, lines: int = 20) -> str:
        return "\n".join(self.system.services[name].log_path.read_text(errors="replace").splitlines()[-lines:])


def exit_reason(h: Harness, name: str) -> str:
    """Where the last traceback in a service's (JSON) log left our code, and with what error."""
    for line in reversed(h.system.services[name].log_path.read_text(errors="replace").splitlines()):
        try:
            text = json.loads(line).get("event", "")
        except ValueError:
            continue
        if "Traceback" in text:
            lines = [f.strip() for f in text.strip().splitlines()]
            ours = [i for i, f in enumerate(lines) if f.startswith(f'File "{REPO}/') and "/.venv/" not in f]
            if not ours:
                return lines[-1]
            i = ours[-1]
            return f"{lines[i].removeprefix('File ').replace(str(REPO) + '/', '')}: {lines[i + 1]} → {lines[-1]}"
    return "no traceback in its log"


# --- load ---------------------------------------------------------------------------------


async def _quiet(*_args) -> None:
    pass


# nats.py prints every failed reconnect attempt with its traceback; while the scenario
# restarts the broker on purpose those are expected, and what they cost shows as retries.
QUIET = {"error_cb": _quiet, "disconnected_cb": _quiet, "reconnected_cb": _quiet}


@dataclass(frozen=True)
class Message:
    subject: str
    data: bytes
    msg_id: str  # Nats-Msg-Id: a retry after a broker restart is dropped by JetStream, not doubled
    key: str | None = None  # the external id of a good submission; None for poison


@dataclass
class LoadResult:
    acked: set[str] = field(default_factory=set)  # keys of good submissions that got their PubAck
    published: int = 0
    retries: int = 0
    error: str | None = None


class Load:
    """Publishes messages like an integrating platform, spread over ``duration_s``, in a
    thread of its own so the scenario can break things meanwhile. A publish that fails (the
    broker is restarting) is retried with the same Nats-Msg-Id until ``give_up_s``."""

    def __init__(self, url: str, messages: list[Message], duration_s: float = 0.0, give_up_s: float = 120.0) -> None:
        self.url, self.messages, self.duration_s, self.give_up_s = url, messages, duration_s, give_up_s
        self.result = LoadResult()
        self.thread = threading.Thread(target=self._run, name="fault-load", daemon=True)

    def start(self) -> "Load":
        self.thread.start()
        return self

    def join(self, timeout_s: float = 300.0) -> LoadResult:
        self.thread.join(timeout_s)
        if self.thread.is_alive():
            self.result.error = f"publisher still running after {timeout_s:.0f}s"
        return self.result

    def running(self) -> bool:
        return self.thread.is_alive()

    def _run(self) -> None:
        try:
            asyncio.run(self._publish_all())
        except Exception as e:  # reported, and the reconciliation shows what it cost
            self.result.error = f"{type(e).__name__}: {e}"

    async def _publish_all(self) -> None:
        nc = await nats.connect(
            self.url, max_reconnect_attempts=-1, reconnect_time_wait=0.25, connect_timeout=2, **QUIET
        )
        try:
            js = nc.jetstream(timeout=5)
            pause = self.duration_s / max(len(self.messages), 1)
            started = time.monotonic()
            for n, m in enumerate(self.messages):
                await self._publish(js, m)
                ahead = started + (n + 1) * pause - time.monotonic()
                if ahead > 0:
                    await asyncio.sleep(ahead)
        finally:
            await nc.close()

    async def _publish(self, js, m: Message) -> None:
        give_up = time.monotonic() + self.give_up_s
        while True:
            try:
                await js.publish(m.subject, m.data, headers={"Nats-Msg-Id": m.msg_id})
                break
            except Exception:
                if time.monotonic() > give_up:
                    raise
                self.result.retries += 1
                await asyncio.sleep(0.25)
        self.result.published += 1
        if m.key is not None:
            self.result.acked.add(m.key)


# --- reconciliation -----------------------------------------------------------------------


def _pages(fetch, page: int = 500) -> list[dict]:
    out: list[dict] = []
    while True:
        body = fetch(len(out), page)
        out.extend(body["items"])
        if not body["items"] or len(out) >= body["total"]:
            return out


def ledger_items(h: Harness, prefix: str) -> list[dict]:
    return _pages(lambda offset, limit: ledger(h.system, q=prefix, limit=limit, offset=offset, headers=h.office))


def tasking_tasks(h: Harness, prefix: str) -> list[dict]:
    def fetch(offset, limit):
        r = httpx.get(
            f"{h.system.url('tasking')}/v1/tenants/demo/tasks",
            params={"limit": limit, "offset": offset},
            headers=h.office,
            timeout=30,
        )
        r.raise_for_status()
        return r.json()

    return [t for t in _pages(fetch) if t["title"].startswith(prefix)]


def key_of_title(title: str) -> str:
    return title.split(" ", 1)[0]  # e2e_support.meeting_decision titles: "<external id> 议定事项<n>"


@dataclass
class Reconciliation:
    expected: int
    matters: int  # distinct submissions with a matter in the ledger
    lost: int  # accepted, but missing from the ledger or from tasking (or without a deadline)
    doubled: int  # extra ledger rows and extra tasks for one submission
    task_ids: dict[str, str]  # key → task id (one of them if doubled)

    @property
    def complete(self) -> bool:
        return self.lost == 0 and self.matters >= self.expected


def reconcile(h: Harness, prefix: str, expected: set[str]) -> Reconciliation:
    """One matter and one task per accepted submission (every load uses one decision per
    meeting, so a submission is one matter), and the ledger's task is tasking's task."""
    try:
        items = ledger_items(h, prefix)
        tasks = tasking_tasks(h, prefix)
    except httpx.HTTPError:
        return Reconciliation(len(expected), 0, len(expected), 0, {})  # a service is restarting: not settled yet
    in_ledger = Counter(i["external_id"] for i in items)
    with_deadline = {i["external_id"] for i in items if i["due_on"] and i["task_id"]}
    in_tasking = Counter(key_of_title(t["title"]) for t in tasks)
    found = set(in_ledger) & set(in_tasking) & with_deadline
    doubled = sum(c - 1 for c in in_ledger.values()) + sum(c - 1 for c in in_tasking.values())
    task_ids = {i["external_id"]: i["task_id"] for i in items if i["task_id"]}
    known_tasks = {t["id"] for t in tasks}
    lost = len(expected - found) + sum(1 for k in expected & found if task_ids.get(k) not in known_tasks)
    return Reconciliation(len(expected), len(set(in_ledger) & expected), lost, doubled, task_ids)


def reconcile_when_settled(h: Harness, prefix: str, expected: set[str], timeout_s: float) -> Reconciliation:
    """Wait (bounded) until every accepted submission shows up and every consumer has drained,
    then count once more: a late duplicate would show up in that last count."""
    settle(lambda: reconcile(h, prefix, expected).complete, timeout_s)
    settle(lambda: not consumer_backlog(h), min(timeout_s, 60))
    return reconcile(h, prefix, expected)


def consumer_backlog(h: Harness) -> dict[str, tuple[int, int]]:
    """Durable consumers with messages still pending or unacknowledged: (pending, ack pending)."""

    async def run() -> dict[str, tuple[int, int]]:
        nc = await nats.connect(h.nats_url, allow_reconnect=False, **QUIET)
        try:
            js = nc.jetstream(timeout=5)
            out = {}
            for spec in CONSUMERS:
                info = await js.consumer_info(spec.stream, spec.durable)
                if info.num_pending or info.num_ack_pending:
                    out[spec.durable] = (info.num_pending, info.num_ack_pending)
            return out
        finally:
            await nc.close()

    try:
        return asyncio.run(run())
    except Exception as e:
        return {"(unreachable)": (-1, -1), type(e).__name__: (-1, -1)}


def dead_letters(h: Harness, service: str = "intake", wait_s: float = 60.0) -> list[dict]:
    """Every dead letter of a service, once every durable consumer has nothing pending or
    unacknowledged (a message is dead-lettered before it is acknowledged), or after ``wait_s``."""
    deadline = time.monotonic() + wait_s
    while consumer_backlog(h) and time.monotonic() < deadline:
        time.sleep(0.5)
    return read_subject(h, f"duban.dlq.*.{service}")


def read_subject(h: Harness, subject: str) -> list[dict]:
    """Every event on a subject from the start of its stream, up to the last one there when read."""
    return stream_events(h.nats_url, subject, **QUIET)


def deadline_events(h: Harness, name: str) -> Counter:
    """task id → how many ``deadline.<name>`` events were published for it."""
    return Counter(e["data"].get("task_id") for e in read_subject(h, f"duban.ev.demo.deadline.{name}"))
