"""HTTP helpers every service's API shares."""

from __future__ import annotations

from fastapi import HTTPException

from . import subjects


def valid_tenant(tenant: str) -> str:
    """The tenant in a path, or 404 with the slug rule when it cannot be one."""
    try:
        return subjects.validate_tenant(tenant)
    except subjects.SubjectError as e:
        raise HTTPException(404, str(e)) from None
