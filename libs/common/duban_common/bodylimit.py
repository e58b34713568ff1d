"""One limit on request bodies for every route of a service, before any parsing.

``DUBAN_MAX_BODY_BYTES`` (1 MB) for every route. A larger body is refused with 413 and a short
message, whether its size is declared (Content-Length) or only seen while it arrives (chunked):
nothing past the limit is read, parsed, or echoed in an error. The routes a service declares as
uploads (route templates, e.g. ``/v1/tenants/{tenant}/tasks/{task_id}/attachments``) are exempt:
each reads its body as a stream against ``DUBAN_MAX_UPLOAD_BYTES`` itself (duban_common.uploads)
and says so in its own words.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .http import problem


def _template(path: str) -> re.Pattern[str]:
    return re.compile("^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(path)) + "$")


def megabytes(size: int) -> str:
    return f"{size / 1_000_000:g} MB" if size >= 1_000_000 else f"{size / 1000:g} KB"


class BodyLimit:
    def __init__(self, app: ASGIApp, *, limit: int, upload_routes: Iterable[str] = ()) -> None:
        self.app, self.limit = app, limit
        self.uploads = [_template(p) for p in upload_routes]

    def is_upload(self, path: str) -> bool:
        return any(p.match(path) for p in self.uploads)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.is_upload(scope["path"]):
            await self.app(scope, receive, send)
            return
        limit = self.limit
        declared = dict(scope["headers"]).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > limit:
            await self._refuse(scope, receive, send, limit)
            return
        if declared:  # the server stops at the declared length: counting is not needed
            await self.app(scope, receive, send)
            return
        # Chunked: read up to the limit here, then hand the body on as it came.
        messages: list[Message] = []
        size = 0
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                break
            size += len(message.get("body", b""))
            if size > limit:
                await self._refuse(scope, receive, send, limit)
                return
            if not message.get("more_body", False):
                break

        async def replay() -> Message:
            return messages.pop(0) if messages else await receive()

        await self.app(scope, replay, send)

    @staticmethod
    async def _refuse(scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        text = f"请求内容过大：不能超过 {megabytes(limit)}"
        answer = problem(413, text, [{"loc": ["body"], "msg": text, "type": "body_too_large"}], {"connection": "close"})
        await answer(scope, receive, send)
