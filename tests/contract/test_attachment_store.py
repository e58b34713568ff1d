"""The Object Store adapter on a real nats-server: a file goes in under its tenant's prefix with
its Chinese name and comes back chunk by chunk, the same bytes; another tenant finds nothing."""

from __future__ import annotations

import io
import os

import nats
import pytest

from duban_common import provisioning
from duban_common.attachments import AttachmentNotFound, AttachmentStore
from duban_common.filetypes import UnacceptableFile
from duban_common.settings import ServiceSettings


async def test_a_file_goes_in_under_its_tenant_and_comes_back_the_same(fresh_nats):
    nc = await nats.connect(fresh_nats.url)
    try:
        js = nc.jetstream()
        await provisioning.ensure_attachments_bucket(js, ServiceSettings())
        store = AttachmentStore(js, max_bytes=2_000_000)
        body = b"%PDF-1.7\n" + os.urandom(1_000_000)  # eight chunks of 128 KiB
        stored = await store.put("county-a", "关于整改情况的报告（盖章）.pdf", io.BytesIO(body))
        assert (stored.name, stored.size, stored.content_type) == (
            "关于整改情况的报告（盖章）.pdf",
            len(body),
            "application/pdf",
        )

        again, chunks = await store.open("county-a", stored.id)
        assert again == stored  # name and type from the object's metadata, digest from the server
        parts = [c async for c in chunks]
        assert b"".join(parts) == body and len(parts) == 8

        with pytest.raises(AttachmentNotFound):
            await store.open("county-b", stored.id)
        with pytest.raises(UnacceptableFile):
            await store.put("county-a", "程序.pdf", io.BytesIO(b"MZ\x90\0" * 10))
        with pytest.raises(ValueError, match="exceed the limit"):
            await store.put("county-a", "大.pdf", io.BytesIO(b"%PDF-1.7\n" + bytes(2_000_000)))
        names = [o.name for o in await (await js.object_store(provisioning.ATTACHMENTS_BUCKET)).list()]
        assert names == [f"county-a/{stored.id}"]
    finally:
        await nc.close()
