"""What the platform report presets (sycm, alimama, jd-shangzhi) share: cells, total rows, the period.

Report cells are cleaned in SQL before typing: Excel's ``="..."`` and tab protection removed, ``-``
(and ``--``, ``—``, ``N/A``) is none, ``"1,234.50"`` is money as usual, ``"3.25%"`` becomes 0.0325 where
a share is stored (rates derived from stored counts, such as 支付转化率, are never stored), and an id
written as ``650123456789.0`` loses its ``.0``; an id a spreadsheet turned into ``6.50123E+11`` cannot be
recovered and is quarantined. Rows whose cell reads 合计 / 总计 / 汇总 are the report's totals: skipped.

The period of a row: a date column (``2026-03-01``, or a range ``2026-03-01 ~ 2026-03-07``); else a
preamble line such as ``统计时间：2026-03-01 ~ 2026-03-07``; else the dates in the file name
(``…_2026-03-01_2026-03-07.xls``). A range is one row covering its days (``days`` = 7): the platform's
own figure for the period. No date anywhere: the file is refused.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from junshi.errors import IngestError
from junshi.ingest.aliases import normalise
from junshi.ingest.loader import Field, Loader
from junshi.ingest.presets.base import FileKind, best_kind, not_a_kind
from junshi.ingest.readers import RawTable
from junshi.ingest.sqlfuncs import quote_ident, quote_str
from junshi.schema import TABLES

# A day: 2026-03-01, 2026/3/1, 2026.03.01, 2026年3月1日 or 20260301 (same text in Python and DuckDB regexps).
DAY = r"(?:19|20)\d\d(?:[-/.年]\d{1,2}[-/.月]\d{1,2}日?|[01]\d[0-3]\d)"
PERIOD_LABEL = re.compile(r"统计(?:时间|日期|周期)|日期范围|时间范围|数据周期|报表时间")
NONE_TEXT = ("-", "--", "—", "N/A", "n/a")
TOTAL_TEXT = ("合计", "总计", "汇总", "全部合计", "总体")
NULL = "CAST(NULL AS VARCHAR)"
_CLEAN = quote_str('^=?"|"$|^(' + "|".join(re.escape(n) for n in NONE_TEXT) + ")$")


def header(raw: RawTable, *names: str) -> str | None:
    """The first of ``names`` the file has (compared after normalising), as the file spells it."""
    have = {normalise(c): c for c in raw.columns}
    for n in names:
        if normalise(n) in have:
            return have[normalise(n)]
    return None


def cell(raw: RawTable, *names: str, alias: str = "r") -> str:
    """SQL text of the first column of ``names`` present: Excel protection removed, ``-`` as none."""
    h = header(raw, *names)
    if h is None:
        return NULL
    # one regexp (cheap to plan): Excel's ="..." protection removed, a whole cell of NONE_TEXT emptied
    return f"NULLIF(regexp_replace(trim({alias}.{quote_ident(h)}, ' \t\u3000'), {_CLEAN}, '', 'g'), '')"


def share(raw: RawTable, *names: str) -> str:
    """SQL text of a share: ``"45.20%"`` -> ``0.452``; a plain number is taken as given (0-1)."""
    c = cell(raw, *names)
    if c == NULL:
        return NULL
    return (f"(CASE WHEN regexp_full_match({c}, '\\s*[+-]?[\\d,]*\\.?\\d+\\s*%\\s*') THEN "
            f"CAST(CAST(regexp_replace({c}, '[%,\\s]', '', 'g') AS DOUBLE) / 100 AS VARCHAR) ELSE {c} END)")


def item_id(raw: RawTable, *names: str) -> str:
    """SQL text of an id: ``650123456789.0`` -> ``650123456789`` (a workbook's number cell)."""
    c = cell(raw, *names)
    return NULL if c == NULL else f"regexp_replace({c}, '^(\\d+)\\.0+$', '\\1')"


def id_rules(field: str) -> list[tuple[str, str]]:
    """Quarantine an id a spreadsheet turned into scientific notation (its digits are lost)."""
    return [(f"regexp_full_match({field}, '\\d(\\.\\d+)?[eE][+]?\\d+')", f"id in scientific notation: {field}")]


def not_total(raw: RawTable) -> str:
    """SQL condition over ``r``: the row is not a total row (合计 / 总计 / 汇总 in any cell)."""
    cells = ", ".join(f"trim(r.{quote_ident(c)})" for c in raw.columns)
    totals = ", ".join(quote_str(t) for t in TOTAL_TEXT)
    return f"NOT list_has_any([{cells}], [{totals}])"


def hint(raw: RawTable, pattern: str) -> re.Match[str] | None:
    """The first match of ``pattern`` in the preamble lines, else in the file name."""
    for text in (*raw.preamble, raw.source.name):
        if m := re.search(pattern, text):
            return m
    return None


def _no_date(raw: RawTable, wanted: Sequence[str]) -> IngestError:
    return IngestError(
        f"{raw.source.name}: the report's date cannot be found: no date column ({', '.join(wanted)}), no "
        "统计时间 line above the header and no date in the file name. Nothing was loaded.",
        f"{raw.source.name}：找不到报表日期：没有日期列（{'、'.join(wanted)}），表头上方没有"
        "“统计时间”行，文件名中也没有日期。未导入任何数据。",
        hint_en="Download the report again with its date in the file name (…_2026-03-01_2026-03-01.xls) or "
                "add a 统计日期 column.",
        hint_zh="请重新下载报表（文件名带日期，如 …_2026-03-01_2026-03-01.xls），或加一列“统计日期”。",
    )


def period_fields(raw: RawTable, *date_headers: str) -> list[Field]:
    """Fields ``date`` (first day) and ``last_day`` of each row, from a column, the preamble or the file name."""
    col = header(raw, *date_headers)
    if col is not None:
        text = cell(raw, col)
    else:
        lines = [ln for ln in raw.preamble if PERIOD_LABEL.search(ln) and re.search(DAY, ln)]
        source = lines[0] if lines else raw.source.stem if re.search(DAY, raw.source.stem) else None
        if source is None:
            raise _no_date(raw, date_headers)
        text = quote_str(source)
    days = f"regexp_extract_all({text}, {quote_str(DAY)})"
    return [Field("date", "DATE", f"coalesce({days}[1], {text})", required=True),
            Field("last_day", "DATE", f"coalesce({days}[-1], {text})")]


DAYS_SQL = "date_diff('day', date, coalesce(last_day, date)) + 1"
PERIOD_RULES = [("last_day < date", "period ends before it starts")]


def measure_fields(raw: RawTable, table: str, measures: Mapping[str, Sequence[str]]) -> list[Field]:
    """Typed fields for the measure columns of ``table`` the file has (``1,800`` is 1800; ``bounce_rate`` a share)."""
    out = []
    for col, names in measures.items():
        if header(raw, *names) is None:
            continue
        kind = TABLES[table].column(col).type
        text = share(raw, *names) if col == "bounce_rate" else f"replace({cell(raw, *names)}, ',', '')"
        out.append(Field(col, kind, text))
    return out


def measure_rules(fields: Sequence[Field]) -> list[tuple[str, str]]:
    """Counts and amounts of a report are never negative."""
    return [(f"{quote_ident(f.name)} < 0", f"negative value: {f.name}") for f in fields]


def duplicate_rule(key: Sequence[str]) -> tuple[str, str]:
    """A later row of the same file with the same key wins (as in every load)."""
    part = ", ".join(quote_ident(k) for k in key)
    return f"row_number() OVER (PARTITION BY {part} ORDER BY __line DESC) > 1", "duplicate key"


def merge_products(loader: Loader, new: str) -> None:
    """Upsert ``new`` (a SELECT of product_id and some products columns) keeping what is stored.

    A report knows a product's name (and maybe category), not its price or cost: the stored values of
    the columns it lacks, or leaves empty, are kept instead of being replaced by nothing.
    """
    have = {r[0] for r in loader.con.execute(f"DESCRIBE {new}").fetchall()}
    cols = [c for c in TABLES["products"].column_names if c not in ("shop_id", "product_id")]
    pick = ", ".join(f"coalesce(n.{c}, p.{c}) AS {c}" if c in have else f"p.{c}" for c in cols)
    loader.write("products", f"""SELECT n.product_id, {pick} FROM ({new}) n LEFT JOIN products p
        ON p.shop_id = {quote_str(loader.shop_id)} AND p.product_id = n.product_id""")


def taken_as(loader: Loader, raw: RawTable, preset: str, kind: FileKind) -> None:
    """Record what the file was taken as (shown in the run's report)."""
    load = loader.file(raw)
    load.preset, load.kind = preset, kind.name


def finish(loader: Loader, raw: RawTable, fields: Sequence[Field]) -> None:
    """Report the rows skipped (totals) and the columns no field read."""
    load = loader.file(raw)
    load.rows_skipped = load.rows_read - load.rows_loaded - load.rows_quarantined
    used = " ".join(f.expr for f in fields)
    load.ignored_columns = [c for c in raw.columns if f"r.{quote_ident(c)}" not in used]


def kind_of(raw: RawTable, kinds: Sequence[FileKind], preset: str) -> FileKind:
    """The kind of ``raw`` among a preset's ``kinds``; fail naming each kind's missing headers."""
    kind = best_kind(kinds, raw.columns, raw.source.name)
    if kind is None:
        raise not_a_kind(raw.source, raw.columns, [(preset, k) for k in kinds])
    return kind


def load_daily(loader: Loader, raw: RawTable, table: str, dims: list[Field], measures: Mapping[str, Sequence[str]],
               date_headers: tuple[str, ...], *, extra: tuple[Field, ...] = (), where: str | None = None) -> str:
    """Check and write ``raw``'s rows into a daily ``table`` keyed by ``dims``; returns the good rows.

    ``extra`` fields are checked and kept in the good rows but not written (a product's name).
    """
    period = period_fields(raw, *date_headers)
    values = measure_fields(raw, table, measures)
    names = [d.name for d in dims]
    rules = [*PERIOD_RULES, *measure_rules(values), duplicate_rule(["date", "last_day", *names])]
    if "product_id" in names:
        rules += id_rules("product_id")
    fields = [*period, *dims, *extra, *values]
    good = loader.check(raw, table, fields, rules, where=not_total(raw) + (f" AND {where}" if where else ""))
    cols = "".join(f", {quote_ident(f.name)}" for f in [*dims, *values])
    loader.write(table, f"SELECT date, {DAYS_SQL} AS days{cols} FROM {good}")
    finish(loader, raw, fields)
    return good
