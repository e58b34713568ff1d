"""Changing a tenant's deadline policy: its overrides replace the earlier ones whole."""

from __future__ import annotations

from duban_common.outbox import UnitOfWork

from ..adapters import repository
from ..domain.settings import PolicyOverrides


async def replace_overrides(uow: UnitOfWork, tenant: str, overrides: PolicyOverrides) -> None:
    await repository.replace_overrides(
        uow.session, tenant, overrides.model_dump(mode="json", exclude_unset=True), uow.now()
    )
