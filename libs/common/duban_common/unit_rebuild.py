"""``duban rebuild intake`` and ``duban rebuild escalation``: a service's copy of the units
directory made again from every unit event in DUBAN_EV (reporting's copy is one of its read
models and is rebuilt with them).

The unit events are few (one per unit and change), so they are read into memory and folded to
the newest version of each unit; then, in ONE transaction of the service's database, the table is
emptied and refilled. A unit event the live consumer applies meanwhile lands on the rebuilt rows
by the same version rule. ``check`` compares the fold with the table and changes nothing.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from pathlib import Path

import nats
import nats.errors
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from sqlalchemy import MetaData, Table, select

from . import migrations, tenancy
from .db import Database
from .envelope import Envelope
from .unit_directory import ENTRY, FACTS, FILTER

STREAM = "DUBAN_EV"
Key = tuple[str, str]  # (tenant, code)


async def newest_facts(js) -> dict[Key, dict]:
    """(tenant, code) → the newest version of the unit's entry, from every unit event stored."""
    info = await js.stream_info(STREAM, subjects_filter=FILTER)
    expected = sum((info.state.subjects or {}).values())
    name = f"units-rebuild-{uuid.uuid4().hex[:12]}"  # ephemeral: removed by the server when idle
    await js.add_consumer(
        STREAM,
        ConsumerConfig(
            name=name,
            filter_subject=FILTER,
            deliver_policy=DeliverPolicy.ALL,
            ack_policy=AckPolicy.NONE,
            inactive_threshold=60.0,
            mem_storage=True,
        ),
    )
    sub = await js.pull_subscribe_bind(durable=None, stream=STREAM, name=name)
    newest: dict[Key, dict] = {}
    try:
        seen = 0
        while seen < expected:
            for msg in await sub.fetch(batch=500, timeout=10):
                seen += 1
                envelope = Envelope.from_bytes(msg.data)
                if envelope.type not in FACTS:  # a later unit event type this code does not know
                    continue
                entry = FACTS[envelope.type].model_validate(envelope.data).model_dump()
                key = (envelope.tenant, entry["code"])
                if key not in newest or newest[key]["version"] < entry["version"]:
                    newest[key] = entry
    finally:
        await sub.unsubscribe()
    return newest


async def _live(db: Database, table: Table) -> dict[Key, dict]:
    async with db.read() as session:
        rows = (await session.execute(select(table))).mappings()
        return {(row["tenant"], row["code"]): dict(row) for row in rows}


def differences(newest: dict[Key, dict], live: dict[Key, dict]) -> list[str]:
    fields = (*ENTRY, "version")
    out = [f"{tenant}/{code}: only in the events" for tenant, code in newest.keys() - live.keys()]
    out += [f"{tenant}/{code}: only in the table" for tenant, code in live.keys() - newest.keys()]
    out += [
        f"{key[0]}/{key[1]}: {name} {live[key][name]!r} in the table, {newest[key][name]!r} in the events"
        for key in sorted(newest.keys() & live.keys())
        for name in fields
        if newest[key][name] != live[key][name]
    ]
    return sorted(out)


async def rebuild(settings, service: str, metadata: MetaData, table: Table, *, check: bool) -> tuple[int, list[str]]:
    """(units in the events, the differences found when ``check``; none after a rebuild)."""
    nc = await nats.connect(settings.nats_url, connect_timeout=5, max_reconnect_attempts=1)
    db = Database(settings.db_url())
    try:
        with tenancy.scoped(tenancy.ALL):
            newest = await newest_facts(nc.jetstream())
            await migrations.upgrade(db, service, metadata)
            if check:
                return len(newest), differences(newest, await _live(db, table))
            async with db.transaction() as session:
                await session.execute(table.delete())
                columns = (*ENTRY, "version", "changed_at")
                for (tenant, _code), entry in sorted(newest.items()):
                    await session.execute(table.insert(), {"tenant": tenant, **{name: entry[name] for name in columns}})
        return len(newest), []
    finally:
        await db.dispose()
        await nc.close()


def command(settings_class, service: str, metadata: MetaData, table: Table) -> Callable[..., int]:
    """The service's ``run(check=, nats_url=, data_dir=, out=)`` for ``duban rebuild <service>``."""

    def run(*, check: bool = False, nats_url: str | None = None, data_dir: Path | None = None, out=print) -> int:
        given = {"nats_url": nats_url, "data_dir": data_dir}
        settings = settings_class(**{k: v for k, v in given.items() if v is not None})
        try:
            units, found = asyncio.run(rebuild(settings, service, metadata, table, check=check))
        except (OSError, TimeoutError, nats.errors.Error) as error:
            out(
                f"rebuild failed: {error or type(error).__name__} (NATS {settings.nats_url}, database {settings.db_url()})"
            )
            return 2
        out(f"{STREAM} {FILTER}: {units} units")
        for line in found:
            out(f"  {line}")
        if check:
            out(
                f"{service}'s units directory differs from the events ({len(found)} differences)"
                if found
                else f"{service}'s units directory is identical to the events"
            )
            return 1 if found else 0
        out(f"{service}'s units directory rebuilt in {settings.db_url()}")
        return 0

    return run
