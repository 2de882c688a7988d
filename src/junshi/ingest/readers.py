"""Read any supported file into a DuckDB temp table of text columns, in file order.

Formats by extension: ``.csv .tsv .txt .tab`` and unknown extensions are delimited text (DuckDB's
sniffer finds the delimiter), ``.xlsx .xlsm`` (first sheet), ``.parquet``, ``.jsonl .ndjson .json``
(JSON Lines). Every column is read as text so that validation, not the reader, decides what is wrong;
the temp table keeps file order, so ``rowid - min(rowid) + 1`` is the row's position in the file
(rowids inside a transaction do not start at 0).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa

from junshi.errors import IngestError
from junshi.ingest.encoding import file_sha256, prepare_text
from junshi.ingest.sqlfuncs import quote_str

EXCEL = {".xlsx", ".xlsm"}
PARQUET = {".parquet", ".pq"}
JSONL = {".jsonl", ".ndjson", ".json"}
TEXT = {".csv", ".tsv", ".txt", ".tab"}
KNOWN = EXCEL | PARQUET | JSONL | TEXT


@dataclass(frozen=True)
class RawTable:
    """A file read into the temp table ``name`` (text columns ``columns``, ``rows`` rows)."""

    name: str
    source: Path
    columns: tuple[str, ...]
    rows: int
    encoding: str
    sha256: str
    base: int = 0

    @property
    def line(self) -> str:
        """SQL for the row's position in the file (1 = first data row) on the alias ``r``."""
        return f"(r.rowid - {self.base} + 1)"


def expand(paths: Iterable[str | Path]) -> list[Path]:
    """Files to load: each file given, and every supported file in each folder given (sorted)."""
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            out.extend(sorted(f for f in p.iterdir() if f.is_file() and f.suffix.lower() in KNOWN
                              and not f.name.startswith(".")))
        elif p.is_file():
            out.append(p)
        else:
            raise IngestError(
                f"No such file or folder: {p}", f"文件或文件夹不存在：{p}",
                hint_en="Check the path.", hint_zh="请检查路径。",
            )
    seen: set[Path] = set()
    unique = []
    for f in out:
        r = f.resolve()
        if r not in seen:
            seen.add(r)
            unique.append(r)
    if not unique:
        raise IngestError(
            "No loadable files were given.", "没有可导入的文件。",
            hint_en="Give CSV, TSV, XLSX, Parquet or JSON Lines files, or a folder holding them.",
            hint_zh="请给出 CSV、TSV、XLSX、Parquet 或 JSON Lines 文件，或包含它们的文件夹。",
        )
    return unique


def _unreadable(path: Path, exc: Exception) -> IngestError:
    detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return IngestError(
        f"Cannot read {path}: {detail}",
        f"无法读取 {path}：{detail}",
        hint_en="Check that the file is a complete CSV/TSV, XLSX, Parquet or JSON Lines export.",
        hint_zh="请确认文件是完整的 CSV/TSV、XLSX、Parquet 或 JSON Lines 导出文件。",
    )


def _refuse_malformed_lines(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """Fail with the file's malformed lines (line number, what is wrong, the text) if it has any."""
    bad = con.execute(
        "SELECT line, error_message, csv_line FROM _ji_rejects ORDER BY line"
    ).fetchall()
    if not bad:
        return
    shown = "; ".join(f"line {line}: {msg} [{(text or '')[:80]}]" for line, msg, text in bad[:3])
    shown_zh = "；".join(f"第 {line} 行：{msg} [{(text or '')[:80]}]" for line, msg, text in bad[:3])
    raise IngestError(
        f"{path.name} has {len(bad)} malformed line(s) that cannot be split into columns: {shown}. "
        "Nothing was loaded.",
        f"{path.name} 有 {len(bad)} 行格式错误，无法拆分成列：{shown_zh}。未导入任何数据。",
        hint_en="Fix or delete those lines (often an unquoted delimiter inside a value), then load the file again.",
        hint_zh="请修正或删除这些行（常见原因是值里含有未加引号的分隔符），然后重新导入。",
    )


def read_raw(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    name: str,
    workdir: Path,
    *,
    header: bool = True,
    columns: Sequence[str] | None = None,
    delim: str | None = None,
) -> RawTable:
    """Read ``path`` into the temp table ``name``; ``columns`` names a headerless file's columns."""
    suffix = path.suffix.lower()
    encoding = "binary"
    try:
        if suffix in EXCEL:
            sha = file_sha256(path)
            try:
                table = _excel_table(path)
            except Exception as exc:  # openpyxl raises zip, XML and its own errors on damaged workbooks
                raise _unreadable(path, exc) from exc
            con.register("_ji_arrow", table)
            con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT * FROM _ji_arrow")
            con.unregister("_ji_arrow")
        elif suffix in PARQUET:
            sha = file_sha256(path)
            con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT COLUMNS(*)::VARCHAR "
                        f"FROM read_parquet({quote_str(str(path))})")
        else:
            text = prepare_text(path, workdir)
            sha, encoding = text.sha256, text.encoding
            if suffix in JSONL:
                src = f"read_json({quote_str(str(text.path))}, format='newline_delimited')"
                con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT COLUMNS(*)::VARCHAR FROM {src}")
            else:
                opts = ["all_varchar=true", f"header={'true' if header else 'false'}"]
                if columns is not None:
                    opts.append("columns={" + ", ".join(f"{quote_str(c)}: 'VARCHAR'" for c in columns) + "}")
                if delim is not None:
                    opts.append(f"delim={quote_str(delim)}")
                if suffix == ".tsv" and delim is None:
                    opts.append("delim='\\t'")
                # rows DuckDB cannot split (wrong number of fields, broken quotes) are collected, not
                # allowed to derail the sniffer, and then refused by name below
                opts += ["store_rejects=true", "ignore_errors=true",
                         "rejects_table='_ji_rejects'", "rejects_scan='_ji_reject_scans'"]
                src = f"read_csv({quote_str(str(text.path))}, {', '.join(opts)})"
                con.execute("DROP TABLE IF EXISTS _ji_rejects; DROP TABLE IF EXISTS _ji_reject_scans")
                con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT * FROM {src}")
                _refuse_malformed_lines(con, path)
    except (IngestError, duckdb.InterruptException):
        raise
    except (duckdb.Error, OSError, ValueError, KeyError, pa.ArrowException) as exc:
        raise _unreadable(path, exc) from exc
    cols = tuple(r[0] for r in con.execute(f"DESCRIBE {name}").fetchall())
    count, base = con.execute(f"SELECT count(*), coalesce(min(rowid), 0) FROM {name}").fetchall()[0]
    return RawTable(name, path, cols, int(count), encoding, sha, int(base))


def _cell(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _excel_table(path: Path) -> pa.Table:
    """The first sheet of a workbook as a table of text columns (first row = headers)."""
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        rows = book.worksheets[0].iter_rows(values_only=True)
        head = next(rows, None)
        if head is None:
            raise ValueError("the first sheet is empty")
        names: list[str] = []
        for i, h in enumerate(head):
            n = _cell(h) or f"column{i}"
            names.append(n if n not in names else f"{n}_{i}")
        data: list[list[str | None]] = [[] for _ in names]
        for r in rows:
            if all(v is None for v in r):
                continue
            for i in range(len(names)):
                data[i].append(_cell(r[i]) if i < len(r) else None)
    finally:
        book.close()
    return pa.table({n: pa.array(col, pa.string()) for n, col in zip(names, data, strict=True)})

