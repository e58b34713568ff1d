"""Injected time (STYLE.md 9).

``real``: the system clock. ``simulated``: ONE time shared by every service of a
deployment, kept in the NATS KV bucket ``duban-clock`` under key ``now``. Each
service watches the key; when it has applied a new value it writes the key's
revision to ``seen.<service>.<instance>``, so ``duban clock set/advance`` can return
only once every service has seen the new time. Simulated time stands still between
changes, which makes tests and the demo deterministic.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta, timezone
from typing import Protocol

from nats.errors import TimeoutError as NatsTimeoutError
from nats.js import JetStreamContext
from nats.js.errors import BucketNotFoundError, KeyNotFoundError, NoKeysError

from .logging import get_logger

log = get_logger(__name__)

BUCKET = "duban-clock"
NOW_KEY = "now"
SERVICES = ("intake", "tasking", "deadline", "escalation", "reporting")


class Clock(Protocol):
    def now(self) -> datetime: ...

    async def start(self, js: JetStreamContext) -> None: ...  # a simulated clock follows the broker's time

    async def stop(self) -> None: ...


class SystemClock:
    def __init__(self, service: str | None = None, instance: str = "0") -> None:
        self._seen_key = f"seen.{service}.{instance}" if service else None

    def now(self) -> datetime:
        return datetime.now(timezone.utc)

    async def start(self, js: JetStreamContext) -> None:
        """Withdraw this instance from the simulated time a former run of the same store followed:
        ``duban clock`` tells a run on the real clock by no instance following (clock_followers)."""
        if self._seen_key is None:
            return
        try:
            bucket = await js.key_value(BUCKET)
        except BucketNotFoundError:
            return
        await bucket.delete(self._seen_key)

    async def stop(self) -> None:
        return None


class FixedClock:
    """For unit tests: a clock that only moves when told."""

    def __init__(self, at: datetime) -> None:
        self._now = _aware_utc(at)

    def now(self) -> datetime:
        return self._now

    def set(self, at: datetime) -> None:
        self._now = _aware_utc(at)

    def advance(self, delta: timedelta) -> None:
        self._now += delta


Listener = Callable[[datetime], Awaitable[None]]


class SimulatedClock:
    def __init__(self, service: str, instance: str = "0") -> None:
        self._service = service
        self._instance = instance
        self._now: datetime | None = None
        self._task: asyncio.Task | None = None
        self._listeners: list[Listener] = []
        self._known = asyncio.Event()

    def now(self) -> datetime:
        if self._now is None:
            raise RuntimeError("simulated clock not started")
        return self._now

    def on_change(self, listener: Listener) -> None:
        self._listeners.append(listener)

    async def start(self, js: JetStreamContext) -> None:
        bucket = await ensure_bucket(js)
        try:
            await bucket.create(NOW_KEY, _fmt(datetime.now(timezone.utc)).encode())
        except Exception:
            pass  # already set by another service or by `duban clock set`
        watcher = await bucket.watch(NOW_KEY)
        self._task = asyncio.create_task(self._follow(bucket, watcher), name="simulated-clock")
        # Wait for the time, not for the listeners: after a restart they may have a long backlog
        # of due timers to fire, and the service must start meanwhile (it did not, with about 200).
        await asyncio.wait_for(self._known.wait(), timeout=10)

    async def _follow(self, bucket, watcher) -> None:
        seen_key = f"seen.{self._service}.{self._instance}"
        while True:
            entry = await watcher.updates(timeout=None)
            if entry is None or entry.value is None:
                continue
            self._now = parse_instant(entry.value.decode())
            self._known.set()
            for listener in self._listeners:
                try:
                    await listener(self._now)
                except Exception:
                    log.exception("clock listener failed")
            await bucket.put(seen_key, str(entry.revision).encode())
            log.info("simulated time", now=_fmt(self._now), revision=entry.revision)

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()


async def ensure_bucket(js: JetStreamContext):
    try:
        return await js.key_value(BUCKET)
    except BucketNotFoundError:
        return await js.create_key_value(bucket=BUCKET, history=1)


async def read_now(js: JetStreamContext) -> tuple[datetime, int]:
    bucket = await ensure_bucket(js)
    try:
        entry = await bucket.get(NOW_KEY)
    except KeyNotFoundError:
        raise RuntimeError("no simulated time has been set yet") from None
    return parse_instant(entry.value.decode()), entry.revision


async def clock_followers(js: JetStreamContext) -> list[str]:
    """The service instances that follow the simulated time (``seen.<service>.<instance>``);
    none where every service runs on the real clock."""
    try:
        bucket = await js.key_value(BUCKET)
        return [k for k in await bucket.keys() if k.startswith("seen.")]
    except (BucketNotFoundError, NoKeysError):
        return []


async def set_shared_time(js: JetStreamContext, at: datetime, *, services=SERVICES, timeout_s: float = 30.0) -> int:
    """Set the shared time and wait until every named service has seen it (its instances' keys
    ``seen.<service>.<instance>`` hold the revision they last applied).

    One watcher for the whole wait: each watcher is a JetStream consumer, and polling with a
    new one every 50 ms left thousands behind during a long wait, until the server refused
    more ("maximum consumers limit reached")."""
    bucket = await ensure_bucket(js)
    revision = await bucket.put(NOW_KEY, _fmt(at).encode())
    if not services:
        return revision
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    seen: dict[str, dict[str, int]] = {}  # service → instance → revision
    watcher = await bucket.watch("seen.>")
    try:
        while True:
            missing = [s for s in services if not seen.get(s) or min(seen[s].values()) < revision]
            if not missing:
                return revision
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(f"the new time was not seen within {timeout_s:.0f}s by: {', '.join(missing)}")
            try:
                entry = await watcher.updates(timeout=min(remaining, 1.0))
            except NatsTimeoutError:
                continue
            if entry is None:  # the end of the values held when the watch began
                continue
            _seen, service, instance = entry.key.split(".", 2)
            if entry.operation in ("DEL", "PURGE") or not entry.value:  # a replica gone for good: its key deleted
                seen.get(service, {}).pop(instance, None)
            else:
                seen.setdefault(service, {})[instance] = int(entry.value.decode())
    finally:
        await watcher.stop()


_DURATION = re.compile(r"(\d+(?:\.\d+)?)([wdhms])")
_UNITS = {"w": 604800, "d": 86400, "h": 3600, "m": 60, "s": 1}


def parse_duration(text: str) -> timedelta:
    """``3d``, ``36h``, ``1w2d``, ``90m`` → timedelta."""
    spec = text.strip().lower()
    pos, total = 0, 0.0
    for match in _DURATION.finditer(spec):
        if match.start() != pos:
            break
        total += float(match.group(1)) * _UNITS[match.group(2)]
        pos = match.end()
    if pos != len(spec) or not spec:
        raise ValueError(f"duration {text!r} not understood; use e.g. 3d, 36h, 1w2d, 90m")
    try:
        return timedelta(seconds=total)
    except OverflowError:
        raise ValueError(f"duration {text!r} is too long") from None


def parse_instant(text: str) -> datetime:
    """ISO 8601; a time without offset is read as Asia/Shanghai (the users' time)."""
    from .calendar import TZ

    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=TZ)
    return moment.astimezone(timezone.utc)


def _aware_utc(at: datetime) -> datetime:
    # A naive datetime would be read in the host's zone: tests would depend on the machine.
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"{at!r} has no time zone; give an aware datetime")
    return at.astimezone(timezone.utc)


def _fmt(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat()
