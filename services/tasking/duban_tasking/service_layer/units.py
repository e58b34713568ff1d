"""The units directory, which tasking owns: every change is published in the same transaction
(unit.registered, unit.updated, unit.deactivated), so the services that keep a copy of it
(duban_common.unit_directory) never need to ask tasking while they handle an event."""

from __future__ import annotations

from duban_common import tenancy
from duban_common.contracts import events
from duban_common.logging import get_logger
from duban_common.outbox import UnitOfWork
from duban_common.unit_directory import FACTS

from ..adapters import units as rows

log = get_logger(__name__)


async def _publish(uow: UnitOfWork, tenant: str, event_type: str, entry: dict) -> None:
    fact = FACTS[event_type](**{name: entry[name] for name in rows.ENTRY}, changed_at=uow.now())
    await uow.emit(tenant, event_type, fact)


async def import_units(uow: UnitOfWork, tenant: str, imported: list[dict]) -> tuple[int, int]:
    """Create or update the units (``imported``: entries without ``active``; an imported unit is
    active again); a unit imported unchanged is counted as updated but neither written nor published.
    Returns (created, updated)."""
    held = await rows.entries(uow.session, tenant)
    created = updated = 0
    for values in imported:
        wanted = {**values, "active": True}
        before = held.get(values["code"])
        if before is None:
            entry = {**wanted, "version": 1}
            await rows.insert(uow.session, tenant, entry)
            await _publish(uow, tenant, events.UNIT_REGISTERED, entry)
            created += 1
            continue
        updated += 1
        if before["version"] and all(before[name] == value for name, value in wanted.items()):
            continue
        entry = {**wanted, "version": before["version"] + 1}
        await rows.update(uow.session, tenant, values["code"], entry)
        await _publish(uow, tenant, events.UNIT_UPDATED if before["version"] else events.UNIT_REGISTERED, entry)
    return created, updated


async def deactivate(uow: UnitOfWork, tenant: str, code: str) -> bool:
    """The unit takes no new tasks (False: no such unit). Deactivating an inactive unit changes nothing."""
    before = (await rows.entries(uow.session, tenant, code)).get(code)
    if before is None:
        return False
    if before["active"] or not before["version"]:  # an inactive unit never published is published so
        entry = {**before, "active": False, "version": before["version"] + 1}
        await rows.update(
            uow.session, tenant, code, {"active": False, "version": entry["version"], "deactivated_at": uow.now()}
        )
        await _publish(uow, tenant, events.UNIT_DEACTIVATED, entry)
    return True


async def publish_unpublished(runtime) -> int:
    """Publish, once, the units no event has carried yet: those registered before the directory was
    published as events. Run at every start; after the first it finds none."""
    with tenancy.scoped(tenancy.ALL):
        async with runtime.unit_of_work() as uow:
            found = await rows.unpublished(uow.session)
            for entry in found:
                tenant = entry.pop("tenant")
                entry["version"] = 1
                await rows.update(uow.session, tenant, entry["code"], {"version": 1})
                await _publish(
                    uow, tenant, events.UNIT_REGISTERED if entry["active"] else events.UNIT_DEACTIVATED, entry
                )
    if found:
        log.info("published the units directory's earlier units", units=len(found))
    return len(found)
