"""One file from a ``multipart/form-data`` request, read as a stream with its own size limit.

An upload route does not let FastAPI parse the form: that would spool the whole body, however
large, before the route could refuse it. :func:`read_upload` reads the body chunk by chunk,
keeps the part named ``file`` in a spooled temporary file (memory up to 1 MB, then disk) and
stops with 413 as soon as the file passes the limit, or the body passes it by more than a
form's few headers could explain. This is an upload route's limit: the services' general
request-body limit (1 MB) must let its bodies through.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from tempfile import SpooledTemporaryFile
from typing import IO, TYPE_CHECKING, cast

from fastapi import HTTPException, Request
from python_multipart.multipart import MultipartParser, parse_options_header

if TYPE_CHECKING:
    from python_multipart.multipart import MultipartCallbacks

FIELD = "file"
FORM_OVERHEAD = 64 * 1024  # boundaries, part headers and a few small fields around the file
SPOOL_BYTES = 1 << 20
MAX_NAME = 200
_UNSAFE = re.compile(r"[\x00-\x1f\x7f\"\\/]")

# For a route's ``openapi_extra``: the request body FastAPI does not see.
OPENAPI_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": [FIELD],
                    "properties": {
                        FIELD: {
                            "type": "string",
                            "format": "binary",
                            "description": "the file, under its original name",
                        }
                    },
                }
            }
        },
    }
}


def megabytes(size: int) -> str:
    """20 MB, 1.5 MB, 256 KB: a limit as people say it (decimal, as a file manager shows sizes)."""
    return f"{size / 1_000_000:g} MB" if size >= 1_000_000 else f"{size / 1000:g} KB"


def too_large(limit: int, name: str | None = None) -> HTTPException:
    which = f"文件“{name}”" if name else "上传的文件"
    return HTTPException(413, f"{which}超过了 {megabytes(limit)} 的上限，未保存；请压缩或拆分后再上传")


def clean_name(raw: bytes) -> str:
    """The original file name as the person sees it: UTF-8 (what browsers send), else GB18030
    (older Windows tools); without a client's path, control characters or quotes; at most 200
    characters, the extension kept."""
    for codec in ("utf-8", "gb18030", "latin-1"):
        try:
            name = raw.decode(codec)
            break
        except UnicodeDecodeError:
            continue
    name = re.split(r"[\\/]", name)[-1]
    name = _UNSAFE.sub("", name).strip()
    if len(name) > MAX_NAME:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: MAX_NAME - len(ext) - 1] + dot + ext) if dot and len(ext) < 10 else name[:MAX_NAME]
    return name


def sha256(stream: IO[bytes]) -> str:
    """Hex digest of the seekable file ``stream``, left rewound."""
    stream.seek(0)
    digest = hashlib.sha256()
    while chunk := stream.read(1 << 20):
        digest.update(chunk)
    stream.seek(0)
    return digest.hexdigest()


@dataclass
class Upload:
    name: str
    file: SpooledTemporaryFile
    size: int


class _Form:
    """Callbacks of python-multipart's streaming parser: the ``file`` part goes to a spooled
    file, other parts are counted and dropped."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.upload: Upload | None = None
        self._headers: dict[bytes, bytes] = {}
        self._field = self._value = b""
        self._target: Upload | None = None
        self.complete = False  # the closing boundary came: a body cut short is not a file

    def callbacks(self) -> MultipartCallbacks:
        """Each ``on_…`` method answers the parser's event of that name."""
        return cast("MultipartCallbacks", {name: getattr(self, name) for name in dir(self) if name.startswith("on_")})

    def on_end(self) -> None:
        self.complete = True

    def on_part_begin(self) -> None:
        self._headers, self._target = {}, None

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._field += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._value += data[start:end]

    def on_header_end(self) -> None:
        self._headers[self._field.lower()] = self._value
        self._field = self._value = b""

    def on_headers_finished(self) -> None:
        _, options = parse_options_header(self._headers.get(b"content-disposition", b""))
        if options.get(b"name") != FIELD.encode() or b"filename" not in options:
            return
        if self.upload is not None:
            raise HTTPException(422, "一次只能上传一个文件")
        self.upload = self._target = Upload(
            clean_name(options[b"filename"]), SpooledTemporaryFile(max_size=SPOOL_BYTES), 0
        )

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self._target is None:
            return
        self._target.size += end - start
        if self._target.size > self.limit:
            raise too_large(self.limit, self._target.name)
        self._target.file.write(data[start:end])


async def read_upload(request: Request, limit: int) -> Upload:
    """The uploaded file (field ``file``), rewound; 413 past ``limit`` bytes, 422 when the
    request is not a form with one named file. The caller closes ``upload.file``."""
    ctype, params = parse_options_header(request.headers.get("content-type", ""))
    boundary = params.get(b"boundary")
    if ctype != b"multipart/form-data" or not boundary:
        raise HTTPException(422, "请以 multipart/form-data 表单上传文件（字段名 file）")
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit + FORM_OVERHEAD:
        raise too_large(limit)
    form = _Form(limit)
    parser = MultipartParser(boundary, form.callbacks())
    received = 0
    try:
        async for chunk in request.stream():
            received += len(chunk)
            if received > limit + FORM_OVERHEAD:
                raise too_large(limit, form.upload.name if form.upload else None)
            parser.write(chunk)
        parser.finalize()
    except HTTPException:
        if form.upload:
            form.upload.file.close()
        raise
    except Exception as error:  # python-multipart's parse errors: a malformed form
        if form.upload:
            form.upload.file.close()
        raise HTTPException(422, f"上传的表单格式有误，无法读取：{type(error).__name__}") from None
    if not form.complete:
        if form.upload:
            form.upload.file.close()
        raise HTTPException(422, "上传的内容不完整（表单没有结束），未保存；请重新上传")
    if form.upload is None:
        raise HTTPException(422, "表单中没有文件；请在字段 file 中选择要上传的文件")
    if not form.upload.name:
        form.upload.file.close()
        raise HTTPException(422, "上传的文件没有文件名")
    form.upload.file.seek(0)
    return form.upload
