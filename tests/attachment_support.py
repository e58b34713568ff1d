"""Files of each kind and a look into the Object Store, for the attachment tests."""

from __future__ import annotations

import io

from docx import Document
from nats.js.errors import NotFoundError
from PIL import Image
from reportlab.pdfgen import canvas

from duban_common.provisioning import ATTACHMENTS_BUCKET


def unit(code: str) -> dict:
    return {"X-Duban-Role": "unit", "X-Duban-Unit": code}


def pdf_bytes() -> bytes:
    out = io.BytesIO()
    c = canvas.Canvas(out)
    c.drawString(72, 720, "Rectification report")
    c.save()
    return out.getvalue()


def jpg_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(out, "JPEG")
    return out.getvalue()


def docx_bytes() -> bytes:
    out = io.BytesIO()
    d = Document()
    d.add_paragraph("关于老旧小区改造进展情况的报告")
    d.save(out)
    return out.getvalue()


async def objects(js, tenant: str) -> list[str]:
    """Names of the tenant's objects in the Object Store."""
    store = await js.object_store(ATTACHMENTS_BUCKET)
    try:
        return [o.name for o in await store.list() if o.name.startswith(f"{tenant}/")]
    except NotFoundError:  # an empty bucket
        return []
