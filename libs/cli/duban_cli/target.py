"""Which run a ``duban`` subcommand talks to: the same settings ``duban up`` reads.

``DUBAN_DATA_DIR`` (default ``data``), ``DUBAN_PORT_BASE`` (services on base+1..base+5),
``DUBAN_NATS_PORT`` (default 14222) or a whole ``DUBAN_NATS_URL``. Every subcommand says on
stderr which NATS and data folder it targets, so a command run against the wrong instance
on a shared host is visible at once; failures it can explain are one line (``CliError``).
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

import nats

from .embedded import EMBEDDED_NATS_PORT, SERVICES


class CliError(Exception):
    """What was tried and what to do, printed as one line (a traceback only with --debug)."""


@dataclass(frozen=True)
class Target:
    data_dir: Path
    port_base: int
    nats_port: int
    nats_url: str

    def url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.port_base + SERVICES.index(service) + 1}"

    def ports(self) -> dict[str, int]:
        return {name: self.port_base + i + 1 for i, name in enumerate(SERVICES)}

    def announce(self, what: str = "NATS", stream=None) -> None:
        """One line on stderr (stdout stays what scripts read: a token, a JSON answer)."""
        detail = f"NATS {self.nats_url}，" if what == "NATS" else ""
        print(f"目标 target: {detail}数据目录 data folder {self.data_dir}", file=stream or sys.stderr)

    def require_data_dir(self) -> None:
        if not self.data_dir.is_dir():
            raise CliError(
                f"数据目录 {self.data_dir} 不存在：请先运行 ./duban.sh up，"
                "或用 DUBAN_DATA_DIR（或 --data-dir）指向正在运行的实例的数据目录"
            )


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise CliError(f"{name}={raw!r} 不是端口号（应为整数，如 8300）") from None


def target(
    *,
    data_dir: str | Path | None = None,
    nats_url: str | None = None,
    port_base: int | None = None,
    nats_port: int | None = None,
    default_data_dir: str = "data",
) -> Target:
    """The run a command targets: its own flags first, then the environment, then the defaults."""
    base = port_base or _int("DUBAN_PORT_BASE", 8100)
    port = nats_port or _int("DUBAN_NATS_PORT", EMBEDDED_NATS_PORT)
    url = nats_url or (None if nats_port else os.environ.get("DUBAN_NATS_URL")) or f"nats://127.0.0.1:{port}"
    folder = Path(data_dir or os.environ.get("DUBAN_DATA_DIR") or default_data_dir).resolve()
    return Target(data_dir=folder, port_base=base, nats_port=port, nats_url=url)


async def connect(run: Target):
    """A NATS connection to the target, or a CliError saying what was tried (nats-py would
    otherwise log each failed attempt with its traceback). One retry: with allow_reconnect=False
    nats-py retries a refused first connection for ever."""

    async def quiet(_error: Exception) -> None:
        return None

    try:
        return await nats.connect(
            run.nats_url, connect_timeout=5, max_reconnect_attempts=1, reconnect_time_wait=0.5, error_cb=quiet
        )
    except (OSError, TimeoutError, nats.errors.Error) as error:
        raise CliError(
            f"连不上 NATS {run.nats_url}（{type(error).__name__}）：Duban 是否在运行？请先运行 ./duban.sh up，"
            "或设置与之相同的 DUBAN_NATS_PORT / DUBAN_NATS_URL"
        ) from None
