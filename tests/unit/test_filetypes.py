"""An upload's kind comes from its content: the magic bytes, and what a zip or an OLE compound
file holds; the name has to agree with it."""

from __future__ import annotations

import io
import zipfile

import pytest

from duban_common import filetypes
from duban_common.filetypes import UnacceptableFile
from duban_common.uploads import clean_name, megabytes

OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504


def zipped(*names: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for n in names:
            z.writestr(n, "<x/>")
    return out.getvalue()


def ole(stream: str, at: int = 3 * 512) -> bytes:
    """An OLE header and, ``at`` bytes in, a directory entry naming ``stream``."""
    body = bytearray(OLE + b"\0" * (at + 1024))
    entry = stream.encode("utf-16-le") + b"\0\0"
    body[at : at + len(entry)] = entry
    return bytes(body)


@pytest.mark.parametrize(
    "content,kind",
    [
        (b"%PDF-1.7\n...", filetypes.PDF),
        (b"\xff\xd8\xff\xe0\0\x10JFIF", filetypes.JPG),
        (b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", filetypes.PNG),
        (zipped("OFD.xml", "Doc_0/Document.xml"), filetypes.OFD),
        (zipped("[Content_Types].xml", "word/document.xml"), filetypes.DOCX),
        (zipped("[Content_Types].xml", "xl/workbook.xml"), filetypes.XLSX),
        (ole("WordDocument"), filetypes.DOC),
        (ole("Workbook"), filetypes.XLS),
        (ole("Book"), filetypes.XLS),  # Excel 5/95
        (ole("WordDocument", at=(1 << 20) - 6), filetypes.DOC),  # the name across two read chunks
    ],
)
def test_the_kind_comes_from_the_content(content, kind):
    assert filetypes.detect(io.BytesIO(content)) is kind


@pytest.mark.parametrize(
    "content",
    [
        b"MZ\x90\0",
        b"<html>",
        zipped("readme.txt"),
        b"PK\x03\x04 not really a zip",
        ole("PowerPoint Document"),
        b"GIF89a",
    ],
)
def test_anything_else_is_none_of_ours(content):
    assert filetypes.detect(io.BytesIO(content)) is None


def test_check_names_the_file_and_what_is_wrong():
    assert filetypes.check("整改报告.PDF", io.BytesIO(b"%PDF-1.4")) is filetypes.PDF  # the extension in any case
    assert filetypes.check("现场.jpeg", io.BytesIO(b"\xff\xd8\xff\xe0")) is filetypes.JPG
    with pytest.raises(
        UnacceptableFile,
        match="文件“报告.pdf”的内容不是允许的类型；只能上传 PDF、OFD、DOC、DOCX、XLS、XLSX、JPG、PNG 文件",
    ):
        filetypes.check("报告.pdf", io.BytesIO(b"MZ\x90\0"))
    with pytest.raises(
        UnacceptableFile, match="文件“报告.doc”扩展名为 .doc，但内容是 DOCX 文件；请改为 .docx 后再上传"
    ):
        filetypes.check("报告.doc", io.BytesIO(zipped("word/document.xml")))
    with pytest.raises(UnacceptableFile, match="文件“扫描件”没有扩展名，但内容是 PDF 文件"):
        filetypes.check("扫描件", io.BytesIO(b"%PDF-1.4"))
    with pytest.raises(UnacceptableFile, match="是空文件"):
        filetypes.check("空.pdf", io.BytesIO(b""))


def test_the_original_name_is_kept_without_a_path_or_control_characters():
    assert clean_name("住建局整改报告（盖章）.pdf".encode()) == "住建局整改报告（盖章）.pdf"
    assert clean_name("C:\\fakepath\\报告.pdf".encode()) == "报告.pdf"
    assert clean_name("报告.pdf".encode("gb18030")) == "报告.pdf"  # older Windows tools
    assert clean_name(b'a\r\nb"c.pdf') == "abc.pdf"
    long = clean_name(("很长" * 200 + ".docx").encode())
    assert len(long) == 200 and long.endswith(".docx")


def test_limits_read_as_people_say_them():
    assert [megabytes(n) for n in (20_000_000, 1_500_000, 256_000)] == ["20 MB", "1.5 MB", "256 KB"]
