"""Load a file without a preset: match its headers to one canonical table through the alias table."""

from __future__ import annotations

from pathlib import Path

from junshi.errors import ConfigError, IngestError
from junshi.ingest.aliases import ALIASES, DERIVABLE, match_headers
from junshi.ingest.loader import Field, Loader
from junshi.ingest.rules import event_type_sql, table_rules
from junshi.ingest.sqlfuncs import quote_ident
from junshi.schema import TABLES


def _required(table: str) -> list[str]:
    return [c.name for c in TABLES[table].columns
            if c.required and c.name != "shop_id" and c.name not in DERIVABLE.get(table, ())]


def missing_columns_error(source: str, table: str | None, headers: list[str], matched: dict[str, str]) -> IngestError:
    """The file lacks the required columns of ``table`` (or of every table when ``table`` is None)."""
    if table is None:
        expected_en = "; ".join(f"{t}: {', '.join(_required(t))}" for t in ALIASES)
        expected_zh = expected_en
    else:
        need = [c for c in _required(table) if c not in matched]
        expected_en = f"{table} needs {', '.join(_required(table))} (missing {', '.join(need)})"
        expected_zh = f"{table} 需要 {', '.join(_required(table))}（缺少 {', '.join(need)}）"
    found = ", ".join(headers) or "-"
    return IngestError(
        f"No usable columns in {source}. Expected {expected_en}. Found: {found}.",
        f"{source} 中没有可用的列。应有 {expected_zh}。实际列：{found}。",
        hint_en="Rename the headers, map them with --map SOURCE=COLUMN, choose --table, or use a --preset.",
        hint_zh="请修改表头、用 --map 源列=目标列 指定映射、用 --table 指定数据表，或使用 --preset 预设。",
    )


def guess_table(headers: list[str], mapping: dict[str, str]) -> str | None:
    """The canonical table whose required columns all match and that matches the most headers."""
    best: tuple[int, str] | None = None
    for table in ALIASES:
        matched = match_headers(table, headers, mapping)
        if all(c in matched for c in _required(table)) and (best is None or len(matched) > best[0]):
            best = (len(matched), table)
    return best[1] if best else None


def load_generic(loader: Loader, path: Path, table: str | None, mapping: dict[str, str]) -> None:
    """Load one file into one canonical table (``table`` or the best match of its headers)."""
    raw = loader.read(path)
    headers = list(raw.columns)
    target = table or guess_table(headers, mapping)
    if target is None:
        raise missing_columns_error(str(path), None, headers, {})
    for dst in mapping.values():
        tbl, _, col = dst.rpartition(".")
        owner = tbl or target
        if owner not in TABLES or col not in TABLES[owner].column_names:
            raise ConfigError(
                f"--map target {dst!r} is not a column of {owner}.", f"--map 目标 {dst!r} 不是 {owner} 的列。",
                hint_en=f"Columns of {target}: " + ", ".join(TABLES[target].column_names[1:]),
                hint_zh=f"{target} 的列：" + "、".join(TABLES[target].column_names[1:]),
            )
    cols = match_headers(target, headers, mapping)
    if any(c not in cols for c in _required(target)):
        raise missing_columns_error(str(path), target, headers, cols)
    spec = TABLES[target]
    fields = []
    for col, header in cols.items():
        c = spec.column(col)
        expr = f"r.{quote_ident(header)}"
        if col == "event_type":
            expr = event_type_sql(expr)
        fields.append(Field(col, c.type, expr, required=c.required))
    rules = table_rules(target, cols)
    derived = [c for c in DERIVABLE.get(target, ()) if c not in cols]
    if not derived:
        part = ", ".join(quote_ident(k) for k in spec.key if k != "shop_id")
        rules.append((f"row_number() OVER (PARTITION BY {part} ORDER BY __line DESC) > 1", "duplicate key"))
    good = loader.check(raw, target, fields, rules)
    select = [quote_ident(c) for c in cols]
    if "line_no" in derived:
        select.append("row_number() OVER (PARTITION BY order_id ORDER BY __line) AS line_no")
    loader.write(target, f"SELECT {', '.join(select)} FROM {good}")
    loader.file(raw).ignored_columns = [h for h in headers if h not in cols.values()]
