"""Read any supported file into a DuckDB temp table of text columns, in file order.

Formats by extension: ``.csv .tsv .txt .tab`` and unknown extensions are delimited text (DuckDB's
sniffer finds the delimiter), ``.xlsx .xlsm .xls`` (first sheet; legacy ``.xls`` too, read by calamine;
a "workbook" that is really text, as some platforms export, is read as text), ``.parquet``,
``.jsonl .ndjson .json`` (JSON Lines). Every column is read as text so that validation, not the reader,
decides what is wrong; the temp table keeps file order, so ``rowid - min(rowid) + 1`` is the row's
position in the file (rowids inside a transaction do not start at 0).

Platform reports put a preamble (title, shop, ``统计时间：…``) above the header: the header row is the
first of the file's first rows that is as wide as the widest and holds no number (see :func:`header_row`);
the rows above it are kept as ``RawTable.preamble`` (a report's date may be there).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from junshi.errors import IngestError
from junshi.ingest.encoding import file_sha256, head_text, prepare_text
from junshi.ingest.sqlfuncs import quote_str

EXCEL = {".xlsx", ".xlsm", ".xls"}
PARQUET = {".parquet", ".pq"}
JSONL = {".jsonl", ".ndjson", ".json"}
TEXT = {".csv", ".tsv", ".txt", ".tab"}
KNOWN = EXCEL | PARQUET | JSONL | TEXT
HEAD_ROWS = 30  # rows searched for the header below a preamble
_WORKBOOK_MAGIC = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0")  # xlsx (zip), xls (OLE2 compound file)
_DELIMITERS = (",", "\t", ";", "|")


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
    preamble: tuple[str, ...] = ()  # the rows above the header, cells joined by spaces

    @property
    def line(self) -> str:
        """SQL for the row's position in the file (1 = first data row) on the alias ``r``."""
        return f"(r.rowid - {self.base} + 1)"


@dataclass(frozen=True)
class Head:
    """A file's header and the preamble rows above it, read without loading the file."""

    columns: tuple[str, ...]
    preamble: tuple[str, ...]


def _filled(cell: object) -> bool:
    return cell is not None and str(cell).strip() != ""


def _numeric(cell: object) -> bool:
    if isinstance(cell, bool) or not _filled(cell):
        return False
    if isinstance(cell, int | float):
        return True
    try:
        float(str(cell).replace(",", ""))
    except ValueError:
        return False
    return True


def header_row(rows: Sequence[Sequence[object]]) -> int:
    """Index of the header among a file's first rows (0 when no row qualifies).

    The header is the first row with the most filled cells that holds no number: a preamble row (title,
    ``统计时间：…``) is narrower, a data row carries numbers. (A file whose header has blank names, as
    pandas writes an index, has wider data rows and keeps row 0.)
    """
    widths = [sum(map(_filled, r)) for r in rows]
    top = max(widths, default=0)
    for i, (r, w) in enumerate(zip(rows, widths, strict=True)):
        if w == top and not any(map(_numeric, r)):
            return i
    return 0


def _line(cells: Sequence[object]) -> str:
    return " ".join(str(c).strip() for c in cells if _filled(c))


def _split_text(text: str, delim: str | None, complete: bool) -> tuple[list[list[str]], list[int], str]:
    """The first rows of delimited ``text``, the physical line each ends on, and the delimiter used.

    Without ``delim`` the delimiter is the one that splits the most rows into the widest shape.
    ``complete``: ``text`` is the whole file (else its last row may be cut and is dropped).
    """
    best: tuple[tuple[bool, int, int], list[list[str]], list[int], str] | None = None
    for d in (delim,) if delim else _DELIMITERS:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=d)
        rows: list[list[str]] = []
        ends: list[int] = []
        try:
            for row in reader:
                rows.append(row)
                ends.append(reader.line_num)
                if len(rows) > HEAD_ROWS:
                    break
        except csv.Error:
            continue
        if not complete and len(rows) <= HEAD_ROWS and rows:
            rows, ends = rows[:-1], ends[:-1]
        widest = max((len(r) for r in rows), default=0)
        score = (widest > 1, sum(len(r) == widest for r in rows), widest)
        if best is None or score > best[0]:
            best = (score, rows[:HEAD_ROWS], ends[:HEAD_ROWS], d)
    if best is None:
        return [], [], delim or ","
    return best[1], best[2], best[3]


def _is_workbook(path: Path) -> bool:
    """True for a real .xlsx/.xls; a workbook-named web page (HTML) is refused; other text is read as text."""
    with path.open("rb") as f:
        head = f.read(1 << 16)
    if head[:4] in _WORKBOOK_MAGIC:
        return True
    if head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"<" and b"<table" in head.lower():
        raise IngestError(
            f"{path.name} is a web page (HTML) saved with a workbook's name, not a workbook.",
            f"{path.name} 是以表格文件名保存的网页（HTML），不是表格文件。",
            hint_en="Open it in Excel or WPS and save it as .xlsx (or CSV), then load that file.",
            hint_zh="请用 Excel 或 WPS 打开并另存为 .xlsx（或 CSV），再导入该文件。",
        )
    return False


def peek(path: Path, *, delim: str | None = None) -> Head:
    """The header (and preamble) of a file, reading only its start (for recognising what it is)."""
    suffix = path.suffix.lower()
    try:
        if suffix in EXCEL and _is_workbook(path):
            rows = _sheet_rows(path)[: HEAD_ROWS + 1]
            k = header_row(rows)
            return Head(tuple(_names(rows[k] if rows else [])), tuple(_line(r) for r in rows[:k] if _filled_row(r)))
        if suffix in PARQUET:
            return Head(tuple(pq.read_schema(path).names), ())
        text, complete = head_text(path)
        if suffix in JSONL:
            first = text.split("\n", 1)[0].strip()
            return Head(tuple(json.loads(first)) if first.startswith("{") else (), ())
        lines, _, _ = _split_text(text, "\t" if suffix == ".tsv" and delim is None else delim, complete)
    except IngestError:
        raise
    except (OSError, ValueError, pa.ArrowException) as exc:
        raise _unreadable(path, exc) from exc
    if all(len(r) <= 1 for r in lines):  # text in columns separated by spaces (CDNOW): its words
        lines = [r[0].split() if r else [] for r in lines]
    k = header_row(lines)
    return Head(tuple(lines[k]) if lines else (), tuple(_line(r) for r in lines[:k] if _filled_row(r)))


def _filled_row(row: Sequence[object]) -> bool:
    return any(map(_filled, row))


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
    """Fail with the file's malformed lines (line number, what is wrong, the text) if it has any; a file cut off
    in its last line (an incomplete download) is told as such."""
    bad = con.execute(  # DuckDB may reject a line once per column it could not fill: one entry per line here
        "SELECT line, arg_min(error_message, column_idx), arg_min(csv_line, column_idx) FROM _ji_rejects "
        "GROUP BY line ORDER BY line"
    ).fetchall()
    if not bad:
        return
    if len(bad) == 1 and _cut_off(path):
        raise IngestError(
            f"{path.name} ends in the middle of a row (line {bad[0][0]}): the file looks cut off. Nothing was loaded.",
            f"{path.name} 在一行中间结束（第 {bad[0][0]} 行）：文件似乎不完整。未导入任何数据。",
            hint_en="Download the export again (an interrupted download or a full disk cuts a file short).",
            hint_zh="请重新下载该报表（下载中断或磁盘已满会使文件不完整）。",
        )
    shown = "; ".join(f"line {line}: {msg} [{(text or '')[:80]}]" for line, msg, text in bad[:3])
    shown_zh = "；".join(f"第 {line} 行：{msg} [{(text or '')[:80]}]" for line, msg, text in bad[:3])
    raise IngestError(
        f"{path.name} has {len(bad)} malformed line(s) that cannot be split into columns: {shown}. "
        "Nothing was loaded.",
        f"{path.name} 有 {len(bad)} 行格式错误，无法拆分成列：{shown_zh}。未导入任何数据。",
        hint_en="Fix or delete those lines (often an unquoted delimiter inside a value), then load the file again.",
        hint_zh="请修正或删除这些行（常见原因是值里含有未加引号的分隔符），然后重新导入。",
    )


def _cut_off(path: Path) -> bool:
    """Whether the file does not end with a line break (its last row was cut short)."""
    with path.open("rb") as f:
        if f.seek(0, 2) == 0:
            return False
        f.seek(-1, 2)
        return f.read(1) not in (b"\n", b"\r")


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
    preamble: tuple[str, ...] = ()
    known: tuple[tuple[str, ...], int] | None = None  # (columns, rows) when known without asking DuckDB
    try:
        if suffix in EXCEL and _is_workbook(path):
            sha = file_sha256(path)
            try:
                table, preamble = _excel_table(path)
            except Exception as exc:  # calamine raises its own errors (and zip/OLE ones) on damaged workbooks
                raise _unreadable(path, exc) from exc
            con.register("_ji_arrow", table)
            con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT * FROM _ji_arrow")
            con.unregister("_ji_arrow")
            if len({c.lower() for c in table.column_names}) == table.num_columns:  # else DuckDB renames some
                known = tuple(table.column_names), table.num_rows
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
                if suffix == ".tsv" and delim is None:
                    delim = "\t"
                opts = ["all_varchar=true", f"header={'true' if header else 'false'}"]
                if header and columns is None:
                    skip, preamble, found = _text_preamble(text.path, delim)
                    if skip:  # a report's title rows: skip them, with the delimiter of the rows below
                        opts.append(f"skip={skip}")
                        delim = found
                if columns is not None:
                    opts.append("columns={" + ", ".join(f"{quote_str(c)}: 'VARCHAR'" for c in columns) + "}")
                if delim is not None:
                    opts.append(f"delim={quote_str(delim)}")
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
    if known is not None:  # a new table's rows are numbered from 0
        return RawTable(name, path, known[0], known[1], encoding, sha, 0, preamble)
    cols = tuple(r[0] for r in con.execute(f"DESCRIBE {name}").fetchall())
    count, base = con.execute(f"SELECT count(*), coalesce(min(rowid), 0) FROM {name}").fetchall()[0]
    return RawTable(name, path, cols, int(count), encoding, sha, int(base), preamble)


def _text_preamble(path: Path, delim: str | None) -> tuple[int, tuple[str, ...], str | None]:
    """(lines above the header, the preamble rows' text, the delimiter) of a UTF-8 text file."""
    text, complete = head_text(path)
    rows, ends, found = _split_text(text, delim, complete)
    k = header_row(rows)
    if k == 0:
        return 0, (), delim
    return ends[k - 1], tuple(_line(r) for r in rows[:k] if _filled_row(r)), found


def _cell(value: object) -> str | None:
    """A workbook cell as text: whole numbers without ``.0`` (12-digit item ids stay ids), times in ISO."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return _cell(value.total_seconds())
    return str(value)


def _sheet_rows(path: Path) -> list[list[object]]:
    """The first sheet's rows as calamine gives them (a well-kept Rust reader of .xls and .xlsx)."""
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_path(str(path))
    try:
        if not book.sheet_names:
            raise ValueError("the workbook has no sheet")
        rows: list[list[object]] = [list(r) for r in book.get_sheet_by_index(0).to_python(skip_empty_area=False)]
    finally:
        book.close()
    return rows


def _names(head: Sequence[object]) -> list[str]:
    names: list[str] = []
    for i, h in enumerate(head):
        n = (_cell(h) or "").strip() or f"column{i}"
        names.append(n if n not in names else f"{n}_{i}")
    return names


def _excel_table(path: Path) -> tuple[pa.Table, tuple[str, ...]]:
    """The first sheet of a workbook as a table of text columns, and the preamble above its header."""
    rows = _sheet_rows(path)
    k = header_row(rows[: HEAD_ROWS + 1])
    if not rows or not _filled_row(rows[k]):
        raise ValueError("the first sheet is empty")
    names = _names(rows[k])
    data: list[list[str | None]] = [[] for _ in names]
    for r in rows[k + 1:]:
        if not _filled_row(r):
            continue
        for i in range(len(names)):
            data[i].append(_cell(r[i]) if i < len(r) else None)
    table = pa.table({n: pa.array(col, pa.string()) for n, col in zip(names, data, strict=True)})
    return table, tuple(_line(r) for r in rows[:k] if _filled_row(r))
