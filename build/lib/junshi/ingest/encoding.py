"""Detect a text file's encoding and give DuckDB a UTF-8 copy when it is not UTF-8.

Tried in order: UTF-16 with BOM (Excel "Unicode text"), UTF-8 (with or without BOM; DuckDB reads
both), then GB18030 (a superset of GBK and GB2312, what Chinese platforms' Excel exports use).
GB18030 can decode almost any bytes, so a GB18030 guess is accepted only when the non-ASCII text is
mostly common Chinese (GB2312 characters); otherwise the file is refused rather than read as mojibake.
DuckDB's own GBK reader would need an extension downloaded at run time, so we transcode in Python.
"""

from __future__ import annotations

import codecs
import hashlib
import tempfile
from dataclasses import dataclass
from pathlib import Path

from junshi.errors import IngestError

CHUNK = 1 << 24
HEAD_BYTES = 1 << 16  # enough for a report's preamble, header and first rows
_GB2312_MIN_SHARE = 0.8


@dataclass(frozen=True)
class TextFile:
    """A file ready for DuckDB: ``path`` is UTF-8 (the original or a transcoded copy)."""

    path: Path
    encoding: str
    sha256: str


def file_sha256(path: Path) -> str:
    """SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _undecodable(path: Path) -> IngestError:
    return IngestError(
        f"Cannot tell the text encoding of {path}: it is neither UTF-8 nor GBK/GB18030 Chinese.",
        f"无法识别 {path} 的文本编码：既不是 UTF-8，也不是 GBK/GB18030 中文。",
        hint_en="Save the file as UTF-8 (in Excel: Save As > CSV UTF-8) and load it again.",
        hint_zh="请将文件另存为 UTF-8（Excel：另存为 > CSV UTF-8）后重新导入。",
    )


def _decodes(path: Path, encoding: str) -> tuple[bool, str]:
    """(whether the whole file decodes, sha256); streams in chunks so big files stay cheap."""
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    digest = hashlib.sha256()
    ok = True
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
            if ok:
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError:
                    ok = False
    if ok:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            ok = False
    return ok, digest.hexdigest()


def _plausible_chinese(text: str) -> bool:
    """True when the non-ASCII characters are mostly common (GB2312) Chinese characters or punctuation.

    Counted by the codecs in C, not per character in Python (a 200k-row file took a minute that way): ASCII
    characters are one byte in both encodings, a GB2312 character two bytes, others are dropped.
    """
    ascii_count = len(text.encode("ascii", "ignore"))
    wide = len(text) - ascii_count
    if not wide:
        return True
    common = (len(text.encode("gb2312", "ignore")) - ascii_count) // 2
    return common / wide >= _GB2312_MIN_SHARE


def prepare_text(path: Path, workdir: Path) -> TextFile:
    """The file as UTF-8 for DuckDB; non-UTF-8 files are transcoded into ``workdir``."""
    with path.open("rb") as f:
        head = f.read(4)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _transcode(path, "utf-16", workdir)
    ok, sha = _decodes(path, "utf-8")
    if ok:
        return TextFile(path, "utf-8-sig" if head.startswith(codecs.BOM_UTF8) else "utf-8", sha)
    return _transcode(path, "gb18030", workdir, sha)


def head_text(path: Path, size: int = HEAD_BYTES) -> tuple[str, bool]:
    """The start of a text file decoded as :func:`prepare_text` would, and whether it is the whole file."""
    with path.open("rb") as f:
        data = f.read(size + 1)
    complete = len(data) <= size
    data = data[:size]
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encodings: tuple[str, ...] = ("utf-16",)
    else:
        encodings = ("utf-8-sig", "gb18030")
    for encoding in encodings:
        try:
            return codecs.getincrementaldecoder(encoding)("strict").decode(data, final=complete), complete
        except UnicodeDecodeError:
            continue
    raise _undecodable(path)


def _transcode(path: Path, encoding: str, workdir: Path, sha: str | None = None) -> TextFile:
    try:
        text = path.read_bytes().decode(encoding)
    except UnicodeDecodeError as exc:
        raise _undecodable(path) from exc
    if encoding == "gb18030" and not _plausible_chinese(text):
        raise _undecodable(path)
    workdir.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(suffix=path.suffix or ".txt", dir=workdir)
    with open(fd, "w", encoding="utf-8", newline="") as out:
        out.write(text)
    return TextFile(Path(name), encoding, sha or file_sha256(path))
