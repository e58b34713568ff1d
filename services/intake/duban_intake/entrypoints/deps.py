"""What intake's routes get through ``Depends`` besides the runtime: the protector of citizens'
personal data (one of the runtime's collaborators, which bootstrap sets)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from duban_common.dependencies import RuntimeDep

from ..adapters.protect import Protector


def protector_of(runtime: RuntimeDep) -> Protector:
    return runtime.collaborators["protector"]


ProtectorDep = Annotated[Protector, Depends(protector_of)]
