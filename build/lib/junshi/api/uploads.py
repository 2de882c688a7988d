"""Uploads: a size limit on every request body and a type check of every uploaded file.

The client's file name never chooses where a file goes: it is reduced to a bare name (no folders, no
leading dots, no control characters), its type is checked, and the file is written into a fresh
sub-folder with a random name of a private temporary folder, so the load report shows the name.
"""

from __future__ import annotations

import re
import tempfile
import uuid
from pathlib import Path, PurePosixPath, PureWindowsPath

from fastapi import UploadFile
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from junshi.api.errors import UploadTooLarge, error_response
from junshi.errors import IngestError

DEFAULT_MAX_UPLOAD_BYTES = 200 * 1024 * 1024
TEXT_TYPES = frozenset({".csv", ".tsv", ".txt", ".jsonl", ".ndjson"})
BINARY_MAGIC = {".xlsx": b"PK\x03\x04", ".xls": b"\xd0\xcf\x11\xe0", ".parquet": b"PAR1"}  # xls: OLE2 (生意参谋)
ALLOWED = TEXT_TYPES | BINARY_MAGIC.keys()
CHUNK = 1024 * 1024


def _too_large(limit: int) -> UploadTooLarge:
    mb = limit / 1024 / 1024
    return UploadTooLarge(
        f"The upload is larger than the limit of {mb:g} MB.",
        f"上传内容超过了 {mb:g} MB 的上限。",
        hint_en="Split the file, or load it from the command line with `junshi ingest`.",
        hint_zh="请拆分文件，或在命令行用 `junshi ingest` 导入。",
    )


class BodyLimit:
    """ASGI middleware: refuse request bodies over ``max_bytes`` (declared or streamed) with 413."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            exc = _too_large(self.max_bytes)
            response = error_response(request, 413, type(exc).__name__, (exc.en, exc.hint_en), (exc.zh, exc.hint_zh))
            await response(scope, receive, send)
            return
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise _too_large(self.max_bytes)
            return message

        await self.app(scope, limited, send)


def display_name(filename: str | None) -> str:
    """The client's file name reduced to a harmless label (no folders, no control characters)."""
    base = PureWindowsPath(PurePosixPath(filename or "upload").name).name
    clean = re.sub(r"[\x00-\x1f\x7f/\\:]", "", base).strip().lstrip(".") or "upload"
    return clean[-120:]


def _bad_type(name: str, why_en: str, why_zh: str) -> IngestError:
    allowed = ", ".join(sorted(ALLOWED))
    return IngestError(
        f"{name}: {why_en}",
        f"{name}：{why_zh}",
        hint_en=f"Upload one of: {allowed}.",
        hint_zh=f"请上传以下格式之一：{allowed}。",
    )


def check_type(name: str, head: bytes) -> str:
    """The file's extension when its name and first bytes agree on an accepted type."""
    suffix = PurePosixPath(name.lower()).suffix
    if suffix not in ALLOWED:
        raise _bad_type(name, "this file type is not accepted.", "不支持该文件类型。")
    magic = BINARY_MAGIC.get(suffix)
    if magic is not None:
        if not head.startswith(magic):
            raise _bad_type(name, f"the content is not a {suffix} file.", f"文件内容不是 {suffix} 格式。")
    elif b"\x00" in head or any(head.startswith(m) for m in BINARY_MAGIC.values()):
        raise _bad_type(name, "the content is binary, not text.", "文件内容是二进制数据，不是文本。")
    return suffix


async def save_upload(upload: UploadFile, folder: Path, max_bytes: int) -> Path:
    """Write an uploaded file into a fresh sub-folder of ``folder`` under its cleaned name; return the path."""
    name = display_name(upload.filename)
    head = await upload.read(64 * 1024)
    if not head:
        raise _bad_type(name, "the file is empty.", "文件为空。")
    check_type(name, head)
    target = folder / uuid.uuid4().hex / name
    target.parent.mkdir()
    size = len(head)
    with target.open("wb") as out:
        out.write(head)
        while chunk := await upload.read(CHUNK):
            size += len(chunk)
            if size > max_bytes:
                raise _too_large(max_bytes)
            out.write(chunk)
    return target


def upload_folder() -> tempfile.TemporaryDirectory[str]:
    """A private temporary folder for one request's uploads (removed afterwards)."""
    return tempfile.TemporaryDirectory(prefix="junshi-upload-")
