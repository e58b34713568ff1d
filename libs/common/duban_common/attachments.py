"""Files attached to reports (盖章扫描件, office documents), kept in the NATS JetStream Object
Store: replicated with the cluster like the streams, no new server (bucket declared in
provisioning). Events and rows carry a reference (:class:`StoredFile`), never the bytes.

Each object is named ``<tenant>/<id>``: a tenant's objects are found only under its own prefix,
and the id is a fresh UUID, never derived from what the caller sent. The original file name
(Chinese as it was) and the content type travel in the object's metadata.

The bytes go into the Object Store before the owning service records the reference in its own
transaction; an object whose row was then not written (the database refused, the process died)
is unreferenced and harmless, and no row ever names an object that was not stored.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import uuid
from collections.abc import AsyncIterator
from dataclasses import asdict, dataclass
from typing import BinaryIO

from nats.js import JetStreamContext
from nats.js.api import ObjectMeta
from nats.js.errors import NotFoundError, ObjectNotFoundError

from . import filetypes
from .logging import get_logger
from .provisioning import ATTACHMENTS_BUCKET, ATTACHMENTS_STREAM

log = get_logger(__name__)
NAME_HEADER = "Duban-Name"
TYPE_HEADER = "Content-Type"


@dataclass(frozen=True)
class StoredFile:
    id: str
    name: str
    size: int
    content_type: str
    sha256: str  # hex

    def ref(self) -> dict:
        return asdict(self)


class AttachmentNotFound(LookupError):
    pass


class CorruptAttachment(RuntimeError):
    """The bytes read back do not hash to the digest stored with them."""


def _key(tenant: str, file_id: str) -> str:
    return f"{tenant}/{file_id}"


def _hex(digest: str) -> str:
    return base64.urlsafe_b64decode(digest.split("=", 1)[1]).hex()


class AttachmentStore:
    def __init__(self, js: JetStreamContext, max_bytes: int) -> None:
        self.js = js
        self.max_bytes = max_bytes
        self._store = None

    async def _bucket(self):
        if self._store is None:
            self._store = await self.js.object_store(ATTACHMENTS_BUCKET)
        return self._store

    async def put(self, tenant: str, name: str, file: BinaryIO) -> StoredFile:
        """Store the seekable file ``file`` under the tenant's prefix, after checking its size and its
        kind (:class:`filetypes.UnacceptableFile`; ``ValueError`` past the limit)."""
        file.seek(0, 2)
        size = file.tell()
        if size > self.max_bytes:
            raise ValueError(f"{size} bytes exceed the limit of {self.max_bytes}")
        kind = await asyncio.to_thread(filetypes.check, name, file)  # reads up to the whole file: not in the event loop
        file_id = str(uuid.uuid4())
        meta = ObjectMeta(name=_key(tenant, file_id), headers={NAME_HEADER: [name], TYPE_HEADER: [kind.content_type]})
        file.seek(0)
        info = await (await self._bucket()).put(meta.name, file, meta=meta)
        stored = StoredFile(file_id, name, info.size, kind.content_type, _hex(info.digest))
        log.info(
            "attachment stored",
            tenant=tenant,
            attachment_id=file_id,
            size=stored.size,
            content_type=stored.content_type,
        )
        return stored

    async def open(self, tenant: str, file_id: str) -> tuple[StoredFile, AsyncIterator[bytes]]:
        """The file's reference and its bytes as they come from the server, one chunk (128 KiB) at a time."""
        try:
            info = await (await self._bucket()).get_info(_key(tenant, file_id))
        except ObjectNotFoundError:
            raise AttachmentNotFound(file_id) from None
        headers = info.headers or {}
        stored = StoredFile(
            file_id,
            headers.get(NAME_HEADER, [file_id])[0],
            info.size or 0,
            headers.get(TYPE_HEADER, ["application/octet-stream"])[0],
            _hex(info.digest),
        )
        return stored, self._chunks(info.nuid, info.chunks or 0, stored)

    async def _chunks(self, nuid: str, chunks: int, stored: StoredFile) -> AsyncIterator[bytes]:
        """Each chunk by a direct get of the next message on the object's chunk subject: one chunk in
        memory at a time, no consumer to create (nats-py's own ``get`` pushes the whole object through
        an ordered consumer, three to ten times slower, measured in bench/attachments.py). A replica
        that has not caught up with a fresh object answers "not found"; the stream leader then does."""
        subject, seq, digest = f"$O.{ATTACHMENTS_BUCKET}.C.{nuid}", 1, hashlib.sha256()
        for _ in range(chunks):
            try:
                msg = await self.js.get_msg(ATTACHMENTS_STREAM, seq=seq, subject=subject, direct=True, next=True)
            except NotFoundError:
                msg = await self.js.get_msg(ATTACHMENTS_STREAM, seq=seq, subject=subject, next=True)
            assert msg.data is not None and msg.seq is not None  # a stored chunk has both
            digest.update(msg.data)
            seq = msg.seq + 1
            yield msg.data
        if digest.hexdigest() != stored.sha256:
            log.error("attachment read back with a wrong digest", attachment_id=stored.id)
            raise CorruptAttachment(stored.id)
