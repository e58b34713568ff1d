"""What a read route answers when the thing asked for is missing, and how a document download
is described in the API's schema."""

from __future__ import annotations

from typing import Any, TypeVar

from fastapi import HTTPException

from .documents.files import MEDIA

Found = TypeVar("Found")


def found_or_404(found: Found | None, missing: str) -> Found:
    """``found``; 404 with the message ``missing`` when it is None."""
    if found is None:
        raise HTTPException(404, missing)
    return found


def download_responses(description: str) -> dict[int | str, dict[str, Any]]:
    """The ``responses`` of a route that sends a document as Word or PDF."""
    return {200: {"content": {media: {} for media in MEDIA.values()}, "description": description}}
