"""The loading machinery shared by every preset: read, check (typed columns + reasons), quarantine, write.

All heavy work is DuckDB SQL on temp tables inside the run's one transaction:

1. :meth:`Loader.read` reads a file into a temp table of text columns, in file order.
2. :meth:`Loader.check` turns text into typed columns and evaluates the rules into a ``__reason``
   column; rows with a reason go to ``quarantine`` (with the raw row as JSON), the rest are returned
   as a relation of good rows.
3. :meth:`Loader.write` writes a SELECT (over good rows) into a canonical table by key (upsert).
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb

from junshi import rollup
from junshi.errors import IngestError
from junshi.i18n import tr
from junshi.ingest.readers import RawTable, read_raw
from junshi.ingest.report import FileLoad, IngestReport
from junshi.ingest.sqlfuncs import quote_ident, quote_str, typed
from junshi.schema import TABLES
from junshi.warehouse import Writable

Step = Callable[[str], None]


@dataclass(frozen=True)
class Field:
    """A typed column made from text: ``expr`` is SQL over the raw row ``r``; ``type`` a schema SQL type."""

    name: str
    type: str
    expr: str
    required: bool = False
    trim: bool = True  # False: keep text as read (faster on big files whose ids carry no spaces)


_KIND = {"TIMESTAMP": "not a date/time", "DATE": "not a date/time", "BOOLEAN": "not true/false",
         "INTEGER": "not a whole number", "BIGINT": "not a whole number", "DOUBLE": "not a number"}


def parse_rules(fields: Sequence[Field]) -> list[tuple[str, str]]:
    """Rules: required fields must be present, and text that is there must parse as its type."""
    rules = []
    for f in fields:
        col = quote_ident(f.name)
        empty = f"(__t_{f.name} IS NULL OR trim(__t_{f.name}) = '')"
        if f.type != "VARCHAR":
            kind = "not a number" if f.type.startswith("DECIMAL") else _KIND[f.type]
            rules.append((f"{col} IS NULL AND NOT {empty}", f"{kind}: {f.name}"))
        if f.required:
            rules.append((f"{col} IS NULL AND {empty}", f"missing value: {f.name}"))
    return rules


def check_select(raw: RawTable, fields: Sequence[Field], rules: Sequence[tuple[str, str]],
                 where: str | None) -> str:
    """The SELECT (DuckDB SQL) of ``raw``'s rows as ``__line``, the typed ``fields`` and ``__reason`` (the broken
    rules, NULL for a good row): what :meth:`Loader.check` keeps, and what a Spark load runs transpiled."""
    inner = ", ".join(
        [f"{raw.line} AS __line"]
        + [f"{f.expr} AS {quote_ident('__t_' + f.name)}" for f in fields]
    )
    typed_cols = ", ".join(f"{typed(f.type, quote_ident('__t_' + f.name), trim=f.trim)} AS {quote_ident(f.name)}"
                           for f in fields)
    all_rules = list(dict.fromkeys([*parse_rules(fields), *rules]))
    reason = "NULLIF(concat_ws('; ', " + ", ".join(
        f"CASE WHEN {cond} THEN {quote_str(why)} END" for cond, why in all_rules) + "), '')" \
        if all_rules else "CAST(NULL AS VARCHAR)"
    keep = ", ".join(["__line", *(quote_ident(f.name) for f in fields)])
    return (f"SELECT {keep}, {reason} AS __reason FROM ("
            f"SELECT __line, {', '.join(quote_ident('__t_' + f.name) for f in fields)}, {typed_cols} FROM ("
            f"SELECT {inner} FROM {raw.name} r {'WHERE ' + where if where else ''}) t0) c")


def check_keys(table: str, dups: int, missing: int) -> None:
    """Refuse rows for ``table`` with ``dups`` repeated keys or ``missing`` rows lacking a required value."""
    if dups or missing:
        raise IngestError(
            f"The rows for {table} have {dups} repeated keys and {missing} rows missing required values.",
            f"{table} 的数据有 {dups} 个重复主键、{missing} 行缺少必填值。",
            hint_en="Check the mapping of the key columns (--map) or report this as a bug.",
            hint_zh="请检查主键列的映射（--map），或将此问题报告为缺陷。",
        )


class Loader:
    """One run's loading state on the (transaction-holding) connection ``con``."""

    def __init__(self, warehouse: Writable, con: duckdb.DuckDBPyConnection, report: IngestReport,
                 workdir: Path, step: Step | None = None) -> None:
        self.warehouse, self.con, self.report, self.workdir = warehouse, con, report, workdir
        self.shop_id = report.shop_id
        self._step = step
        self._ids = itertools.count()
        self._temps: list[tuple[str, str]] = []
        self.files: dict[Path, FileLoad] = {}
        self._current: FileLoad | None = None  # the file whose rows the next writes come from
        self.days: set[dt.date] = set()  # the days the rows written, replaced or deleted count on (rollup.days_of)

    def step(self, text: str) -> None:
        if self._step is not None:
            self._step(text)

    def temp_name(self, kind: str) -> str:
        return f"_ji_{kind}_{next(self._ids)}"

    def read(self, path: Path, *, rename: dict[str, str] | None = None, header: bool = True,
             columns: Sequence[str] | None = None, delim: str | None = None) -> RawTable:
        """Read a file (replacing the quarantine rows an earlier load of it left); ``rename`` headers."""
        self.step(tr("reading {name}", "读取 {name}", name=path.name))
        name = self.temp_name("raw")
        raw = read_raw(self.con, path, name, self.workdir, header=header, columns=columns, delim=delim)
        for src, dst in (rename or {}).items():
            if src in raw.columns and src != dst:
                if dst in raw.columns:
                    self.con.execute(f"ALTER TABLE {name} DROP COLUMN {quote_ident(dst)}")
                self.con.execute(f"ALTER TABLE {name} RENAME COLUMN {quote_ident(src)} TO {quote_ident(dst)}")
        if rename:
            cols = tuple(r[0] for r in self.con.execute(f"DESCRIBE {name}").fetchall())
            raw = RawTable(name, raw.source, cols, raw.rows, raw.encoding, raw.sha256, raw.base)
        return self.adopt(raw)

    def adopt(self, raw: RawTable) -> RawTable:
        """Take a file read into the temp table ``raw.name`` into the run (by :meth:`read`, or by a preset
        that reads nested data itself): the table is dropped at the end, the file's earlier quarantine rows
        are replaced and its rows counted."""
        self._temps.append(("TABLE", raw.name))
        self.con.execute("DELETE FROM quarantine WHERE shop_id = ? AND source_file = ?",
                         [self.shop_id, str(raw.source)])
        self.files[raw.source] = FileLoad(str(raw.source), raw.sha256, raw.encoding, rows_read=raw.rows)
        return raw

    def file(self, raw: RawTable) -> FileLoad:
        return self.files[raw.source]

    def check(self, raw: RawTable, table: str, fields: Sequence[Field],
              rules: Sequence[tuple[str, str]] = (), *, where: str | None = None) -> str:
        """Typed columns of ``raw`` and their rules; quarantine the rows that break one.

        ``rules`` are (condition over the typed columns, reason) pairs; window functions are allowed.
        ``where`` (over ``r``) selects the rows this check is about; others are left for another check.
        Returns the name of a temp table of the good rows: ``__line`` plus the typed columns.
        """
        self.step(tr("checking {name} for {table}", "校验 {name}（{table}）", name=raw.source.name, table=table))
        ck = self.temp_name("ck")
        # the row counts come back from the statements themselves (each extra query costs its planning time)
        checked = self.con.execute(
            f"CREATE TEMP TABLE {ck} AS {check_select(raw, fields, rules, where)}"
        ).fetchall()[0][0]
        self._temps.append(("TABLE", ck))
        bad_n = self.con.execute(
            "INSERT INTO quarantine (shop_id, table_name, source_file, source_line, reason, raw, run_id) "
            f"SELECT ?, ?, ?, c.__line, c.__reason, CAST(to_json(r) AS VARCHAR), ? FROM {ck} c "
            f"JOIN {raw.name} r ON {raw.line} = c.__line WHERE c.__reason IS NOT NULL",
            [self.shop_id, table, str(raw.source), self.report.run_id],
        ).fetchall()[0][0]
        good_n = int(checked) - int(bad_n)
        good = self.temp_name("good")
        self.con.execute(f"CREATE TEMP VIEW {good} AS SELECT * EXCLUDE (__reason) FROM {ck} WHERE __reason IS NULL")
        self._temps.append(("VIEW", good))
        load = self.file(raw)
        load.rows_loaded += int(good_n)
        load.rows_quarantined += int(bad_n)
        self._current = load
        return good

    def write(self, table: str, select_sql: str) -> int:
        """Upsert the rows of ``select_sql`` (canonical column names; others NULL) into ``table``."""
        self.step(tr("writing {table}", "写入 {table}", table=table))
        spec = TABLES[table]
        src = f"({select_sql}) _ji_src"  # no temp view: one statement less per write
        have = {r[0] for r in self.con.execute(f"DESCRIBE {select_sql}").fetchall()}
        unknown = have - set(spec.column_names)
        if unknown:
            raise ValueError(f"{table} has no columns {sorted(unknown)}")
        cols = ", ".join(
            f"{quote_str(self.shop_id)} AS shop_id" if c.name == "shop_id"
            else f"CAST({quote_ident(c.name)} AS {c.type}) AS {quote_ident(c.name)}" if c.name in have
            else f"CAST(NULL AS {c.type}) AS {quote_ident(c.name)}"
            for c in spec.columns
        )
        name = quote_ident(table)
        present = self.con.execute(f"SELECT count(*) FROM (SELECT 1 FROM {name} WHERE shop_id = ? LIMIT 1)",
                                   [self.shop_id]).fetchall()[0][0]
        if present:  # replace rows by key (Warehouse.upsert) from a staged copy
            st = self.temp_name("st")
            self.con.execute(f"CREATE TEMP TABLE {st} AS SELECT {cols} FROM {src}")
            self._temps.append(("TABLE", st))
            self._check_keys(table, st)
            keys = " AND ".join(f"t.{k} IS NOT DISTINCT FROM s.{k}" for k in map(quote_ident, spec.key))
            replaced = f"(SELECT t.* FROM {name} t SEMI JOIN {st} s ON {keys})"
            self.days |= rollup.days_of(self.con, table, replaced) | rollup.days_of(self.con, table, st)
            n = self.warehouse.upsert(self.con, table, st)
        else:  # nothing of this shop to replace yet: a plain append is the same upsert, faster
            n = int(self.con.execute(f"INSERT INTO {name} SELECT {cols} FROM {src}").fetchall()[0][0])
            written = f"(SELECT * FROM {name} WHERE shop_id = {quote_str(self.shop_id)})"
            self._check_keys(table, written)
            self.days |= rollup.days_of(self.con, table, written)
        self.report.tables[table] = self.report.tables.get(table, 0) + n
        if self._current is not None and table not in self._current.tables:
            self._current.tables.append(table)
        return n

    def _check_keys(self, table: str, rows: str) -> None:
        """Refuse rows with repeated keys or missing required values (a mapping error, never silently kept)."""
        spec = TABLES[table]
        keys = ", ".join(quote_ident(k) for k in spec.key)
        nulls = " OR ".join(f"{quote_ident(c.name)} IS NULL" for c in spec.columns if c.required)
        dups, missing = self.con.execute(
            f"SELECT (SELECT count(*) FROM (SELECT {keys} FROM {rows} GROUP BY ALL HAVING count(*) > 1)), "
            f"(SELECT count(*) FROM {rows} WHERE {nulls})"
        ).fetchall()[0]
        check_keys(table, int(dups), int(missing))

    def delete(self, table: str, where: str) -> None:
        """Delete the shop's rows of ``table`` that match SQL ``where`` (the days they counted on are noted)."""
        rows = f"(SELECT * FROM {quote_ident(table)} WHERE shop_id = {quote_str(self.shop_id)} AND {where})"
        self.days |= rollup.days_of(self.con, table, rows)
        self.con.execute(f"DELETE FROM {quote_ident(table)} WHERE shop_id = {quote_str(self.shop_id)} AND {where}")

    def drop_temps(self) -> None:
        for kind, name in reversed(self._temps):
            self.con.execute(f"DROP {kind} IF EXISTS {name}")
        self._temps.clear()
