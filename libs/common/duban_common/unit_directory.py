"""A service's own copy of the tenant's units directory, kept from tasking's unit events.

Tasking owns the directory and publishes each change as ``unit.registered``, ``unit.updated``
or ``unit.deactivated`` (contracts.events), every one with the unit's whole entry and its
version. A service that needs unit names, liaisons or the copy recipients (intake, escalation,
reporting) keeps them in a table of its own made by :func:`unit_table`, fills it with
:meth:`UnitDirectory.apply` from its consumer of ``duban.ev.*.unit.>`` and reads it in its own
transactions: no consumer asks tasking while it handles an event, and tasking may be down.

Applying is idempotent and ordered by the entry's version: an older fact, redelivered or
replayed late, never overwrites a newer one. ``duban rebuild <service>`` replays the unit
events into an emptied table (duban_common.unit_rebuild).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import Boolean, Column, Integer, MetaData, String, Table, select

from .consumer import Delivery, Handler
from .contracts import events
from .db import UTCDateTime
from .outbox import UnitOfWork
from .tenancy import tenant_column

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

TABLE = "unit_directory"
FILTER = "duban.ev.*.unit.>"  # what each keeping service's ``units`` consumer reads (provisioning.CONSUMERS)
FACTS: dict[str, type[events.UnitFact]] = {
    events.UNIT_REGISTERED: events.UnitRegistered,
    events.UNIT_UPDATED: events.UnitUpdated,
    events.UNIT_DEACTIVATED: events.UnitDeactivated,
}
ENTRY = ("code", "name", "type", "head", "contact", "phone", "active")


def entry_columns() -> list[Column]:
    """The columns of a unit's entry, tenant and code first: tasking's own table and every copy have them."""
    return [
        tenant_column(primary_key=True),
        Column("code", String(40), primary_key=True),
        Column("name", String(200), nullable=False),
        Column("type", String(40), nullable=False),
        Column("head", String(100)),
        Column("contact", String(100)),
        Column("phone", String(40)),
    ]


def _columns() -> list[Column]:
    return [
        *entry_columns(),
        Column("active", Boolean, nullable=False),
        Column("version", Integer, nullable=False),
        Column("changed_at", UTCDateTime, nullable=False),
    ]


def unit_table(metadata: MetaData) -> Table:
    """The service's copy of the directory, in its own metadata (and its own Alembic history)."""
    return Table(TABLE, metadata, *_columns())


def upgrade() -> None:
    """A keeping service's Alembic revision that adds the table: ``upgrade = unit_directory.upgrade``."""
    from alembic import op

    op.create_table(TABLE, *_columns())


def downgrade() -> None:
    from alembic import op

    op.drop_table(TABLE)


class UnitDirectory:
    """Apply unit facts to one service's table and answer what the service asks of it."""

    def __init__(self, table: Table) -> None:
        self.table = table

    async def apply(self, session: AsyncSession, tenant: str, fact: events.UnitFact) -> bool:
        """Keep ``fact`` unless the table holds the same or a later version of the unit; True when kept."""
        table = self.table
        held = (
            await session.execute(
                select(table.c.version).where(table.c.tenant == tenant, table.c.code == fact.code).with_for_update()
            )
        ).scalar_one_or_none()
        values = {**fact.model_dump(include=set(ENTRY)), "version": fact.version, "changed_at": fact.changed_at}
        if held is None:
            await session.execute(table.insert(), {"tenant": tenant, **values})
            return True
        if held >= fact.version:
            return False
        await session.execute(table.update().where(table.c.tenant == tenant, table.c.code == fact.code), values)
        return True

    def handlers(self) -> dict[str, Handler]:
        """The consumer's handlers, one per unit event type, each taking the fact typed (consumer.bind)."""

        async def on_unit_fact(
            fact: events.UnitRegistered | events.UnitUpdated | events.UnitDeactivated,
            delivery: Delivery,
            uow: UnitOfWork,
        ) -> None:
            await self.apply(uow.session, delivery.envelope.tenant, fact)

        return dict.fromkeys(FACTS, on_unit_fact)

    async def units(self, session: AsyncSession, tenant: str) -> dict[str, dict]:
        """code → the unit's entry (``ENTRY``), active or not."""
        columns = [self.table.c[name] for name in ENTRY]
        rows = (
            await session.execute(select(*columns).where(self.table.c.tenant == tenant).order_by(self.table.c.code))
        ).mappings()
        return {row["code"]: dict(row) for row in rows}

    async def names(self, session: AsyncSession, tenant: str) -> dict[str, str]:
        """code → name, for what people read; a code not in it is shown as it is."""
        return {code: unit["name"] for code, unit in (await self.units(session, tenant)).items()}

    async def lookup(self, session: AsyncSession, tenant: str) -> dict[str, str]:
        """A code or an exact name → the code, for the active units."""
        found: dict[str, str] = {}
        for code, unit in (await self.units(session, tenant)).items():
            if unit["active"]:
                found[code] = code
                found[unit["name"]] = code
        return found
