"""What an uploaded file really is, from its content (magic bytes and, for the zip and OLE
containers, what they hold), never from the name or the type the browser claims.

The kinds are those the supervision offices exchange: 盖章扫描件 (PDF, OFD, JPG, PNG) and
office documents (DOC/DOCX, XLS/XLSX). The file's extension has to agree with its content:
the file is downloaded under its original name, and one that opens in the wrong program (or
in none) helps nobody.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from typing import BinaryIO


@dataclass(frozen=True)
class Kind:
    label: str  # as users call it
    content_type: str
    extensions: tuple[str, ...]


PDF = Kind("PDF", "application/pdf", ("pdf",))
OFD = Kind("OFD", "application/ofd", ("ofd",))
DOC = Kind("DOC", "application/msword", ("doc",))
DOCX = Kind("DOCX", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", ("docx",))
XLS = Kind("XLS", "application/vnd.ms-excel", ("xls",))
XLSX = Kind("XLSX", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ("xlsx",))
JPG = Kind("JPG", "image/jpeg", ("jpg", "jpeg"))
PNG = Kind("PNG", "image/png", ("png",))
KINDS = (PDF, OFD, DOC, DOCX, XLS, XLSX, JPG, PNG)
ALLOWED = "、".join(k.label for k in KINDS)

_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP = b"PK\x03\x04"
# Names of the streams in an OLE compound file's directory (UTF-16LE) that tell Word from Excel.
_WORD_STREAM = "WordDocument".encode("utf-16-le")
_EXCEL_STREAMS = ("Workbook".encode("utf-16-le"), "Book\0".encode("utf-16-le"))
_SCAN_CHUNK = 1 << 20


class UnacceptableFile(ValueError):
    """The file is refused; the message (Chinese) names the file and says what was wrong."""


def extension(name: str) -> str:
    return name.rsplit(".", 1)[1].lower() if "." in name else ""


def detect(stream: BinaryIO) -> Kind | None:
    """The kind of the seekable file ``stream`` from its content, or None when it is none of ours."""
    stream.seek(0)
    head = stream.read(1024)
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\xff\xd8\xff"):
        return JPG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(_ZIP):
        return _zip_kind(stream)
    if head.startswith(_OLE):
        return _ole_kind(stream)
    return None


def _zip_kind(stream: BinaryIO) -> Kind | None:
    try:
        names = zipfile.ZipFile(stream).namelist()
    except zipfile.BadZipFile:
        return None
    if "OFD.xml" in names:
        return OFD
    if any(n.startswith("word/") for n in names):
        return DOCX
    if any(n.startswith("xl/") for n in names):
        return XLSX
    return None


def _ole_kind(stream: BinaryIO) -> Kind | None:
    """DOC or XLS by the streams the compound file's directory names (scanned, so that a
    directory anywhere in the file is found without following the FAT chain)."""
    stream.seek(0)
    tail = b""
    while chunk := stream.read(_SCAN_CHUNK):
        window = tail + chunk
        if _WORD_STREAM in window:
            return DOC
        if any(s in window for s in _EXCEL_STREAMS):
            return XLS
        tail = window[-32:]
    return None


def check(name: str, stream: BinaryIO) -> Kind:
    """The file's kind, or :class:`UnacceptableFile` saying what is wrong with it."""
    stream.seek(0, 2)
    if stream.tell() == 0:
        raise UnacceptableFile(f"文件“{name}”是空文件，请重新选择")
    kind = detect(stream)
    stream.seek(0)
    ext = extension(name)
    if kind is None:
        raise UnacceptableFile(f"文件“{name}”的内容不是允许的类型；只能上传 {ALLOWED} 文件")
    if ext not in kind.extensions:
        shown = f"扩展名为 .{ext}" if ext else "没有扩展名"
        raise UnacceptableFile(
            f"文件“{name}”{shown}，但内容是 {kind.label} 文件；请改为 .{kind.extensions[0]} 后再上传"
        )
    return kind
