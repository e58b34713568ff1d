"""`duban up` as a user runs it: everything starts, Ctrl-C stops all of it, data survives."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path

import httpx
import pytest

from duban_common.natsserver import free_port_block
from e2e_support import meeting_decision, wait_for

pytestmark = pytest.mark.e2e


def _up(data: Path, base: int, nats_port: int) -> subprocess.Popen:
    env = dict(os.environ, DUBAN_DATA_DIR=str(data), DUBAN_PORT_BASE=str(base), DUBAN_NATS_PORT=str(nats_port))
    duban = Path(sys.executable).with_name("duban")
    return subprocess.Popen([str(duban), "up"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def test_duban_up_runs_stops_on_ctrl_c_and_keeps_data(tmp_path):
    base = free_port_block(7)
    nats_port = base + 6
    data = tmp_path / "data"
    reporting, intake = f"http://127.0.0.1:{base + 5}", f"http://127.0.0.1:{base + 1}"

    proc = _up(data, base, nats_port)
    try:
        wait_for(
            lambda: (
                all(_get_json(f"http://127.0.0.1:{base + i}/readyz") for i in range(0, 6))
                if proc.poll() is None
                else pytest.fail(proc.stdout.read())
            ),
            timeout_s=120,
            what="five ready services and the workbench",
        )
        login = httpx.get(f"http://127.0.0.1:{base}/", timeout=10, follow_redirects=True)
        assert login.status_code == 200 and "登录督查督办工作台" in login.text and "zjj2026" in login.text
        units = wait_for(
            lambda: httpx.get(f"http://127.0.0.1:{base + 2}/v1/tenants/demo/units", timeout=2).json()["items"],
            what="demo units",
        )
        assert {u["code"] for u in units} >= {"dcs", "zjj", "jwjw"} and len(units) == 19
        r = httpx.post(f"{intake}/v1/tenants/demo/submissions", json=meeting_decision("md-up-1"), timeout=10)
        assert r.status_code == 201, r.text
        wait_for(
            lambda: httpx.get(f"{reporting}/v1/tenants/demo/ledger", timeout=2).json()["total"] == 3,
            what="three matters",
        )
    finally:
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0, out
    assert "stopped." in out
    assert not re.search(r"eyJ[\w-]+\.[\w-]+\.[\w-]+", out), "a bearer token written to duban up's output"
    urls = re.findall(r"https?://\S+", out)
    assert urls[0] == f"http://127.0.0.1:{base}/", f"the workbench is the first address printed: {out}"
    assert "dcs / dcs2026" in out and "zjj / zjj2026" in out and "access_token" not in out
    for port in [nats_port] + [base + i for i in range(0, 6)]:
        with socket.socket() as s:
            assert s.connect_ex(("127.0.0.1", port)) != 0, f"port {port} still answers after Ctrl-C"

    proc = _up(data, base, nats_port)
    try:
        wait_for(
            lambda: all(_get_json(f"http://127.0.0.1:{base + i}/readyz") for i in range(1, 6)),
            timeout_s=120,
            what="ready again",
        )
        ledger = wait_for(
            lambda: _get_json(f"{reporting}/v1/tenants/demo/ledger"), timeout_s=120, what="ledger after restart"
        )
        assert ledger["total"] == 3
        again = httpx.post(f"{intake}/v1/tenants/demo/submissions", json=meeting_decision("md-up-1"), timeout=10)
        assert again.status_code == 200 and again.json()["duplicate"] is True
    finally:
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=60)
    assert proc.returncode == 0


class _Output:
    """The lines `duban up` prints, read as they come (a thread of their own)."""

    def __init__(self, proc: subprocess.Popen) -> None:
        self.lines: list[str] = []
        self.thread = threading.Thread(target=lambda: self.lines.extend(proc.stdout), daemon=True)
        self.thread.start()

    def text(self) -> str:
        return "".join(self.lines)

    def nats_pids(self) -> list[int]:
        return [
            int(p)
            for p in re.findall(r"nats-server pid (\d+)|restarted on \S+ \(pid (\d+)\)", self.text())
            for p in p
            if p
        ]


def _listens(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def test_duban_up_restarts_a_killed_nats_server_and_stops_it_on_ctrl_c(tmp_path):
    base = free_port_block(7)
    nats_port = base + 6
    reporting, intake = f"http://127.0.0.1:{base + 5}", f"http://127.0.0.1:{base + 1}"
    proc = _up(tmp_path / "data", base, nats_port)
    out = _Output(proc)
    try:
        wait_for(
            lambda: (
                all(_get_json(f"http://127.0.0.1:{base + i}/readyz") for i in range(1, 6))
                if proc.poll() is None
                else pytest.fail(out.text())
            ),
            timeout_s=120,
            what="five ready services",
        )
        # up supervises once everything is started (the workbench, the demo tenant) and it says so
        wait_for(
            lambda: "Duban 已启动" in out.text(),
            timeout_s=120,
            what=f"duban up's start summary; output so far:\n{out.text()}",
        )
        [first] = out.nats_pids()
        os.kill(first, signal.SIGKILL)
        wait_for(
            lambda: len(out.nats_pids()) == 2 and _listens(nats_port),
            timeout_s=30,
            what=f"nats-server restarted by duban up; output so far:\n{out.text()}",
        )
        second = out.nats_pids()[1]
        assert second != first and "nats-server exited (-9); restarting" in out.text()
        # the services reconnect to it by themselves: a submission goes all the way to the ledger
        before = wait_for(lambda: _get_json(f"{reporting}/v1/tenants/demo/ledger"), what="the ledger")["total"]
        r = httpx.post(f"{intake}/v1/tenants/demo/submissions", json=meeting_decision("md-up-nats"), timeout=10)
        assert r.status_code == 201, r.text
        wait_for(
            lambda: (_get_json(f"{reporting}/v1/tenants/demo/ledger") or {}).get("total", 0) > before,
            timeout_s=60,
            what="the submission after the restart in the ledger",
        )
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=60)
        out.thread.join(timeout=10)
    assert proc.returncode == 0, out.text()
    assert not _listens(nats_port), "the restarted nats-server still answers after Ctrl-C"
    assert not Path(f"/proc/{second}").exists() or "State:\tZ" in Path(f"/proc/{second}/status").read_text()


def _get_json(url: str):
    try:
        r = httpx.get(url, timeout=2)
        return r.json() if r.status_code == 200 else None
    except httpx.HTTPError:
        return None
