"""The `duban` subcommands against a real nats-server: they read the same settings as `duban up`
(DUBAN_NATS_PORT, DUBAN_DATA_DIR), say what they target, fail in one line, and `clock` tells a
run on the real clock at once."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import nats
import pytest

from duban_cli.demo import add_parser as add_demo_parser
from duban_common import provisioning
from duban_common.clock import BUCKET, SimulatedClock, SystemClock, ensure_bucket
from duban_common.natsserver import free_port, free_port_block
from duban_common.settings import ServiceSettings

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "meeting_decision.json"


def duban(*args: str, nats_port: int, data_dir: Path, **env: str) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if k not in ("DUBAN_NATS_URL", "DUBAN_DATABASE_URL")}
    environ.update(DUBAN_NATS_PORT=str(nats_port), DUBAN_DATA_DIR=str(data_dir), **env)
    return subprocess.run(
        [sys.executable, "-m", "duban_cli.main", *args], env=environ, capture_output=True, text=True, timeout=120
    )


def test_demo_keeps_running_unless_told_to_exit():
    sub = argparse.ArgumentParser().add_subparsers(dest="cmd")
    add_demo_parser(sub)
    parser = sub.choices["demo"]
    assert parser.parse_args([]).exit is False
    assert parser.parse_args(["--keep-running"]).exit is False
    assert parser.parse_args(["--exit"]).exit is True


async def test_every_subcommand_targets_the_nats_port_and_data_folder_of_up(fresh_nats, tmp_path):
    nc = await nats.connect(fresh_nats.url)
    await provisioning.ensure_streams(nc.jetstream(), ServiceSettings())
    await nc.close()
    data = tmp_path / "data"
    data.mkdir()

    published = duban("publish", str(EXAMPLE), nats_port=fresh_nats.port, data_dir=data)
    assert published.returncode == 0, published.stderr
    assert json.loads(published.stdout)["subject"] == "duban.in.demo.meeting_decision"
    for done in (
        published,
        duban("clock", "show", nats_port=fresh_nats.port, data_dir=data),
        duban("rebuild", "reporting", "--check", nats_port=fresh_nats.port, data_dir=data),
    ):
        assert f"NATS nats://127.0.0.1:{fresh_nats.port}" in done.stderr + done.stdout
        assert f"数据目录 data folder {data}" in done.stderr
        assert "Traceback" not in done.stderr


@pytest.mark.parametrize(
    "command", [["clock", "set", "2026-11-20T09:00"], ["clock", "show"], ["publish", str(EXAMPLE)]]
)
def test_a_refused_connection_is_one_line_that_says_what_was_tried_and_what_to_do(tmp_path, command):
    port = free_port()
    done = duban(*command, nats_port=port, data_dir=tmp_path)
    assert done.returncode == 2
    errors = [line for line in done.stderr.splitlines() if not line.startswith("目标 target:")]
    assert len(errors) == 1, done.stderr
    assert f"nats://127.0.0.1:{port}" in errors[0] and "./duban.sh up" in errors[0]

    debug = duban("--debug", *command, nats_port=port, data_dir=tmp_path)
    assert "Traceback" in debug.stderr


def test_a_missing_data_folder_is_one_line(tmp_path):
    missing = tmp_path / "nowhere"
    for command in (["rebuild", "reporting"], ["token", "--role", "leader"]):
        done = duban(*command, nats_port=free_port(), data_dir=missing, DUBAN_AUTH_DIR="")
        assert done.returncode == 2, done.stderr
        assert "Traceback" not in done.stderr and "./duban.sh up" in done.stderr and str(missing) in done.stderr
        assert done.stdout == ""
    assert not missing.exists()  # nothing was created where nothing runs


async def test_clock_set_on_a_run_with_the_real_clock_says_so_at_once(fresh_nats, tmp_path):
    nc = await nats.connect(fresh_nats.url)
    js = nc.jetstream()
    try:
        kv = await ensure_bucket(js)
        await kv.put("seen.tasking.0", b"7")  # left by an earlier run of the same store on the simulated clock
        await SystemClock("tasking").start(js)  # the same store, started again on the real clock

        done = duban(
            "clock", "set", "2026-11-20T09:00", "--timeout", "300", nats_port=fresh_nats.port, data_dir=tmp_path
        )
        assert done.returncode == 2
        assert "真实时钟" in done.stderr and "DUBAN_CLOCK=simulated ./duban.sh up" in done.stderr

        follower = SimulatedClock("tasking")  # a run on the simulated clock: set works and returns once seen
        await follower.start(js)
        try:
            done = await asyncio.to_thread(
                duban,
                "clock",
                "set",
                "2026-11-20T09:00",
                "--services",
                "tasking",
                nats_port=fresh_nats.port,
                data_dir=tmp_path,
            )  # the follower answers meanwhile
            assert done.returncode == 0, done.stderr
            assert done.stdout.startswith("2026-11-20T09:00:00+08:00")
        finally:
            await follower.stop()
    finally:
        await js.delete_key_value(BUCKET)
        await nc.close()


def test_tenant_commands_follow_the_port_base(tmp_path):
    base = free_port_block(6)
    done = duban("tenant", "list", nats_port=free_port(), data_dir=tmp_path, DUBAN_PORT_BASE=str(base))
    assert done.returncode == 3
    assert f"intake http://127.0.0.1:{base + 1}" in done.stderr  # what it targets
    assert f"连不上 http://127.0.0.1:{base + 1}/v1/admin/tenants" in done.stderr and "Traceback" not in done.stderr
