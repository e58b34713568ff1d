"""Downloads named as offices file them: 「督办〔2026〕17号-关于…的交办单.docx」, sent with an
RFC 6266 Content-Disposition whose ``filename*`` (RFC 5987, UTF-8) carries the Chinese name and
whose plain ``filename`` an old client can fall back to."""

from __future__ import annotations

import re
from urllib.parse import quote

MEDIA = {"docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "pdf": "application/pdf"}
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]+')
MAX_STEM = 120  # characters; file systems allow 255 bytes, a Chinese character takes 3


def file_name(number: str, title: str, fmt: str) -> str:
    stem = _UNSAFE.sub("", f"{number}-{title}").strip(" .")
    return f"{stem[:MAX_STEM]}.{fmt}"


def content_disposition(number: str, title: str, fmt: str, fallback: str = "document") -> str:
    name = file_name(number, title, fmt)
    ascii_name = re.sub(r"[^A-Za-z0-9._-]+", "-", fallback).strip("-") or "document"
    return f"attachment; filename=\"{ascii_name}.{fmt}\"; filename*=UTF-8''{quote(name, safe='')}"
