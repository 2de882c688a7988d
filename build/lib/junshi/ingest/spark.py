"""``junshi ingest ... --db lake:PATH --engine spark``: files read, checked and quarantined by Spark.

The presets are declared once, as DuckDB SQL over the raw row (fields, rules, the SELECTs that write the
canonical tables); a Spark load runs the same declarations transpiled to Spark SQL by sqlglot (the SQL
translator Ibis is built on), with the typed-value parsers as Spark SQL functions that mirror the DuckDB
macros (:func:`junshi.ingest.sqlfuncs.spark_macros`). Rows never pass through the driver: the file is read
by ``spark.read.csv``, numbered in file order, checked, and written to the lake by the executors; the
driver receives counts and the first examples of each quarantine reason.

A run is one lake commit, as on DuckDB: the shop's rows of every table it wrote (old rows of the same keys
replaced), its quarantine (earlier rows of the same files replaced), its load records, the shop's settings
and the shop's rollups rebuilt on Spark. A failure, ``--strict`` with bad rows, or a killed process commits
nothing. Which presets Spark loads: :data:`SPARK_PRESETS` (the others are refused, naming DuckDB).
"""

from __future__ import annotations

import datetime as dt
import tempfile
import time
import uuid
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from junshi.errors import ConfigError, IngestError
from junshi.i18n import tr
from junshi.ingest.detect import Batch, plan
from junshi.ingest.encoding import head_text, prepare_text
from junshi.ingest.generic import load_generic
from junshi.ingest.loader import Field, Loader, Step, check_keys, check_select
from junshi.ingest.presets import Preset, get_preset
from junshi.ingest.readers import JSONL, TEXT, RawTable, _split_text, _text_preamble, expand
from junshi.ingest.report import Example, FileLoad, IngestReport, ReasonCount
from junshi.ingest.run import EXAMPLES, _check_table, check_strict, parse_mapping, settings_conflict
from junshi.ingest.sqlfuncs import spark_macros
from junshi.schema import FACT_TABLES, TABLES
from junshi.warehouse.base import default_settings
from junshi.warehouse.lake_spark import SparkLakeWarehouse, commit_frames
from junshi.warehouse.spark import spark_schema, spark_type

SPARK_PRESETS = ("online-retail",)
"""Presets a Spark load runs (besides loading without a preset, through the alias table: events, orders ...
exports). Each is tested to give the same rows and quarantine as a DuckDB load (tests/test_lake_ingest.py)."""

_LINE = "rowid"
"""The column numbering a raw row in file order (0 = first data row), named as DuckDB's row id so that the
presets' ``RawTable.line`` SQL is the same on both engines."""


def to_spark(sql: str) -> str:
    """A preset's DuckDB SQL as Spark SQL."""
    import sqlglot

    return str(sqlglot.transpile(sql, read="duckdb", write="spark")[0])


def _refuse(what: str) -> ConfigError:
    return ConfigError(
        f"{what} is not loaded by Spark; Spark loads {', '.join(SPARK_PRESETS)} and files without a preset "
        "(the alias table, e.g. events or orders CSV). DuckDB loads every preset, into the same lake.",
        f"Spark 不能导入{what}；Spark 可导入 {'、'.join(SPARK_PRESETS)} 及不带预设的文件（别名表，如行为或订单 CSV）。"
        "DuckDB 可导入所有预设，也能写入同一个湖仓。",
        hint_en="Leave out --engine spark (DuckDB loads it into the lake), or use one of the presets above.",
        hint_zh="去掉 --engine spark（由 DuckDB 导入湖仓），或使用上述预设之一。",
    )


class SparkLoader(Loader):
    """The loading machinery of :class:`Loader` on Spark: the same ``read``/``check``/``write`` the presets
    call, each a Spark DataFrame (temp view) instead of a DuckDB temp table. Nothing is written to the lake
    until :func:`ingest_spark` commits what :attr:`staged` and :attr:`quarantined` hold."""

    def __init__(self, warehouse: SparkLakeWarehouse, report: IngestReport, workdir: Path,
                 step: Step | None = None) -> None:  # no DuckDB connection: Loader's state only
        import itertools

        self.lake, self.session, self.report, self.workdir = warehouse, warehouse.session, report, workdir
        self.shop_id = report.shop_id
        self._step = step
        self._ids = itertools.count()
        self._temps: list[tuple[str, str]] = []
        self.files: dict[Path, FileLoad] = {}
        self._current: FileLoad | None = None
        self.staged: dict[str, Any] = {}
        self.quarantined: list[Any] = []
        self._kept: list[Any] = []

    def _cached(self, frame: Any) -> Any:
        """``frame`` kept once computed (read by several steps), until :meth:`drop_temps`."""
        self._kept.append(frame.cache())
        return frame

    def read(self, path: Path, *, rename: dict[str, str] | None = None, header: bool = True,
             columns: Sequence[str] | None = None, delim: str | None = None) -> RawTable:
        """Read a delimited text file with Spark (every column as text), numbered in file order."""
        from pyspark.sql import functions as F

        self.step(tr("reading {name}", "读取 {name}", name=path.name))
        if path.suffix.lower() not in TEXT or path.suffix.lower() in JSONL:
            raise _refuse(tr("the file {name} (CSV/TSV text only)", "文件 {name}（仅支持 CSV/TSV 文本）",
                             name=path.name))
        text = prepare_text(path, self.workdir)
        if delim is None and path.suffix.lower() == ".tsv":
            delim = "\t"
        if header and columns is None and _text_preamble(text.path, delim)[0]:
            raise _refuse(tr("a report with rows above its header ({name})", "表头上方有说明行的报表（{name}）",
                             name=path.name))
        head, complete = head_text(text.path)
        delim = delim or _split_text(head, None, complete)[2]
        names = self._header(text.path, delim) if header and columns is None else list(columns or [])
        corrupt = "_ji_corrupt"
        schema = ", ".join(f"`_ji_{i}` STRING" for i in range(len(names))) + f", {corrupt} STRING"
        frame = (self.session.read.schema(schema)
                 .option("header", header and columns is None).option("sep", delim).option("escape", '"')
                 .option("mode", "PERMISSIVE").option("columnNameOfCorruptRecord", corrupt)
                 .option("enforceSchema", True).csv(str(text.path)))
        # the row's position in the file, on the executors: Spark numbers the rows of each partition (a file's
        # splits, in file order) in its upper bits; the partitions' row counts give each one's first line
        frame = frame.withColumn("_ji_id", F.monotonically_increasing_id()).withColumn(
            "_ji_part", F.shiftright("_ji_id", 33))
        counts = dict(frame.groupBy("_ji_part").count().collect())
        starts, total = {}, 0
        for part in sorted(counts):
            starts[part], total = total, total + counts[part]
        first = F.create_map(*[F.lit(x) for kv in starts.items() for x in kv]) if starts else F.create_map()
        frame = frame.withColumn(_LINE, F.element_at(first, F.col("_ji_part"))
                                 + F.col("_ji_id").bitwiseAND((1 << 33) - 1))
        shown = dict(zip(names, names, strict=True))  # DuckDB's rename: a renamed header replaces the target
        for src, dst in (rename or {}).items():
            if src in shown and src != dst:
                shown.pop(dst, None)
                shown[src] = dst
        raw = self._cached(frame.select(
            *[F.col(f"_ji_{i}").alias(shown[n]) for i, n in enumerate(names) if n in shown], _LINE, corrupt))
        names = [shown[n] for n in names if n in shown]
        bad = raw.where(F.col(corrupt).isNotNull()).orderBy(_LINE).select(_LINE, corrupt).limit(3).collect()
        if bad:
            lines = "; ".join(f"line {r[0] + 1 + int(header)}: [{str(r[1])[:80]}]" for r in bad)
            raise IngestError(
                f"{path.name} has malformed line(s) that cannot be split into columns: {lines}. Nothing was loaded.",
                f"{path.name} 有格式错误的行，无法拆分成列：{lines}。未导入任何数据。",
                hint_en="Fix or delete those lines (often an unquoted delimiter inside a value, or a line break "
                        "inside a quoted value, which a Spark load does not split), then load the file again.",
                hint_zh="请修正或删除这些行（常见原因是值里含有未加引号的分隔符，或引号内的换行：Spark 导入不拆分它），"
                        "然后重新导入。",
            )
        name = self.temp_name("raw")
        raw.drop(corrupt).createOrReplaceTempView(name)
        return self.adopt(RawTable(name, path, tuple(names), total, text.encoding, text.sha256))

    def _header(self, path: Path, delim: str) -> list[str]:
        """The file's column names as DuckDB names them (blank: ``column{i}``; repeated: ``name_{i}``)."""
        import csv

        with path.open(encoding="utf-8-sig", newline="") as fh:
            first = next(csv.reader(fh, delimiter=delim), [])
        names: list[str] = []
        for i, h in enumerate(first):
            n = h if h.strip() else f"column{i}"
            names.append(n if n not in names else f"{n}_{i}")
        return names

    def adopt(self, raw: RawTable) -> RawTable:
        self._temps.append(("VIEW", raw.name))
        self.files[raw.source] = FileLoad(str(raw.source), raw.sha256, raw.encoding, rows_read=raw.rows)
        return raw

    def check(self, raw: RawTable, table: str, fields: Sequence[Field],
              rules: Sequence[tuple[str, str]] = (), *, where: str | None = None) -> str:
        """The same check as on DuckDB (the same SQL, transpiled); bad rows kept for the commit's quarantine."""
        from pyspark.sql import functions as F

        self.step(tr("checking {name} for {table}", "校验 {name}（{table}）", name=raw.source.name, table=table))
        checked = self._cached(self.session.sql(to_spark(check_select(raw, fields, rules, where))))
        ck = self.temp_name("ck")
        checked.createOrReplaceTempView(ck)
        self._temps.append(("VIEW", ck))
        rows = self.session.table(raw.name)
        as_json = F.to_json(F.struct(*[F.col(f"`{c}`") for c in raw.columns]), {"ignoreNullFields": "false"})
        bad = (checked.where(F.col("__reason").isNotNull()).select("__line", "__reason")
               .join(rows.select((F.col(_LINE) + 1).alias("__line"), as_json.alias("raw")), "__line")
               .select(F.lit(self.shop_id).alias("shop_id"), F.lit(table).alias("table_name"),
                       F.lit(str(raw.source)).alias("source_file"), F.col("__line").alias("source_line"),
                       F.col("__reason").alias("reason"), "raw", F.lit(self.report.run_id).alias("run_id")))
        bad = self._cached(bad)
        counts = checked.agg(F.count(F.lit(1)), F.count("__reason")).first()
        total, bad_n = (int(counts[0]), int(counts[1])) if counts else (0, 0)
        self.quarantined.append(bad)
        good = self.temp_name("good")
        checked.where(F.col("__reason").isNull()).drop("__reason").createOrReplaceTempView(good)
        self._temps.append(("VIEW", good))
        load = self.file(raw)
        load.rows_loaded += total - bad_n
        load.rows_quarantined += bad_n
        self._current = load
        return good

    def write(self, table: str, select_sql: str) -> int:
        """Stage the rows of ``select_sql`` (canonical column names; others NULL) for ``table``, by key."""
        from pyspark.sql import functions as F

        self.step(tr("writing {table}", "写入 {table}", table=table))
        spec = TABLES[table]
        frame = self.session.sql(to_spark(select_sql))
        unknown = set(frame.columns) - set(spec.column_names)
        if unknown:
            raise ValueError(f"{table} has no columns {sorted(unknown)}")
        rows = frame.select(*[
            F.lit(self.shop_id).alias("shop_id") if c.name == "shop_id"
            else (F.col(f"`{c.name}`") if c.name in frame.columns else F.lit(None))
            .cast(spark_type(c.type)).alias(c.name)
            for c in spec.columns])
        rows = self._cached(rows)
        keys = list(spec.key)
        required = [c.name for c in spec.columns if c.required]
        missing = rows.where(" OR ".join(f"`{c}` IS NULL" for c in required)).count() if required else 0
        total = int(rows.count())
        check_keys(table, total - rows.select(*keys).distinct().count(), missing)
        before = self.staged.get(table)
        self.staged[table] = rows if before is None else \
            before.join(rows.select(*keys), keys, "left_anti").unionByName(rows)
        self.report.tables[table] = self.report.tables.get(table, 0) + total
        if self._current is not None and table not in self._current.tables:
            self._current.tables.append(table)
        return total

    def drop_temps(self) -> None:
        for _kind, name in reversed(self._temps):
            self.session.catalog.dropTempView(name)
        self._temps.clear()
        for frame in self._kept:
            frame.unpersist()
        self._kept.clear()


def _settings(wh: SparkLakeWarehouse, shop_id: str, preset: Preset | None) -> dict[str, str | None]:
    """The shop's settings after this load (the preset's currency and time zone), as DuckDB's load sets them."""
    from pyspark.sql import functions as F

    known = shop_id in {r[0] for r in wh.session.table("shops").select("shop_id").collect()}
    have = wh.shop_settings(shop_id) if known else default_settings(shop_id)
    if preset is None:
        return have
    if not known:
        return {**have, "platform": preset.platform, "currency": preset.currency or "CNY",
                "timezone": preset.timezone or "Asia/Shanghai"}
    want: dict[str, str | None] = {"currency": preset.currency or have["currency"],
                                   "timezone": preset.timezone or have["timezone"]}
    if want["currency"] != have["currency"] or want["timezone"] != have["timezone"]:
        if any(wh.session.table(t).where(F.col("shop_id") == shop_id).limit(1).count() for t in FACT_TABLES):
            raise settings_conflict(shop_id, have, want, preset)
        return {**have, **want, "platform": have["platform"] or preset.platform}
    return have


def _summarise(quarantine: Any, report: IngestReport) -> None:
    """The run's quarantine by table and reason, with the first examples (the same summary as on DuckDB)."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    order = Window.partitionBy("table_name", "reason").orderBy("source_file", "source_line")
    rows = (quarantine.withColumn("n", F.count(F.lit(1)).over(Window.partitionBy("table_name", "reason")))
            .withColumn("k", F.row_number().over(order)).where(F.col("k") <= EXAMPLES)
            .orderBy(F.col("n").desc(), "table_name", "reason", "k").collect())
    by: dict[tuple[str, str], ReasonCount] = {}
    for r in rows:
        item = by.setdefault((r.table_name, r.reason), ReasonCount(r.table_name, r.reason, int(r.n)))
        item.examples.append(Example(r.source_file, int(r.source_line), r.raw))
    report.quarantined = list(by.values())


def _frame(session: Any, table: str, rows: list[tuple[Any, ...]]) -> Any:
    return session.createDataFrame(rows, spark_schema(table))


def _merged(wh: SparkLakeWarehouse, table: str, new: Any, shop_id: str, *, drop: Any = None) -> Any:
    """The shop's rows of ``table`` after this load: its committed rows, less those ``new`` replaces by key
    (or those ``drop`` selects), plus ``new``."""
    from pyspark.sql import functions as F

    keys = list(TABLES[table].key)
    old = wh.session.table(table).where(F.col("shop_id") == shop_id)
    old = old.join(new.select(*keys), keys, "left_anti") if drop is None else old.where(~drop)
    return old.unionByName(new)


def ingest_spark(warehouse: SparkLakeWarehouse, shop_id: str, paths: Sequence[str | Path], *,
                 preset: str | None = None, table: str | None = None, strict: bool = False,
                 mapping: Iterable[str] | dict[str, str] | None = None, step: Step | None = None) -> IngestReport:
    """Load ``paths`` into ``shop_id`` of a lake with Spark, in one commit (see the module's note)."""
    from pyspark.sql import functions as F

    from junshi.rollup.spark import rollup_frames

    chosen = get_preset(preset) if preset else None
    _check_table(table)
    maps = parse_mapping(mapping)
    files = expand(paths)
    clock = time.perf_counter()
    started = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    report = IngestReport(uuid.uuid4().hex[:16], shop_id, chosen.name if chosen else None, strict)
    batches = [Batch(chosen, files)] if chosen is not None or table is not None or maps else plan(files)
    for batch in batches:
        if batch.preset is not None and batch.preset.name not in SPARK_PRESETS:
            raise _refuse(tr("the preset {name}", "预设 {name}", name=batch.preset.name))
    wh, session = warehouse, warehouse.session
    settings = _settings(wh, shop_id, chosen)
    session.conf.set("spark.sql.legacy.timeParserPolicy", "CORRECTED")  # a text that fails a pattern is NULL
    for sql in spark_macros(str(settings["timezone"])):
        session.sql(sql)
    with tempfile.TemporaryDirectory(prefix="junshi-ingest-") as tmp:
        loader = SparkLoader(wh, report, Path(tmp), step)
        kept: list[Any] = []  # the rollups' intermediate frames, persisted until the commit
        try:
            for batch in batches:
                for path in batch.files:
                    if batch.preset is None:
                        load_generic(loader, path, table, maps)
                if batch.preset is not None:
                    batch.preset.load(loader, batch.files, maps)
                    for path in batch.files:
                        if (load := loader.files.get(path)) is not None and load.preset is None:
                            load.preset = batch.preset.name
                            load.kind = batch.kinds[path].name if path in batch.kinds else None
            report.files = list(loader.files.values())
            quarantine = _frame(session, "quarantine", [])
            for bad in loader.quarantined:
                quarantine = quarantine.unionByName(bad)
            _summarise(quarantine, report)
            check_strict(report)
            finished = dt.datetime.now(dt.UTC).replace(tzinfo=None)
            frames = {name: _merged(wh, name, rows, shop_id) for name, rows in loader.staged.items()}
            frames["quarantine"] = _merged(wh, "quarantine", quarantine, shop_id,
                                           drop=F.col("source_file").isin([f.source_file for f in report.files]))
            frames["loads"] = _merged(wh, "loads", _frame(session, "loads", [
                (shop_id, report.run_id, f.source_file, f.sha256, f.preset or report.preset, ",".join(f.tables),
                 f.rows_loaded, f.rows_quarantined, started, finished) for f in report.files]), shop_id)
            frames["shops"] = _frame(session, "shops", [(shop_id, *(settings[k] for k in
                                                                    ("name", "platform", "currency", "timezone")))])
            for name, frame in frames.items():  # the rollups below read the shop's rows after this load
                frame.createOrReplaceTempView(name)
            if step is not None:
                step(tr("updating the rollups", "更新日汇总"))
            frames |= rollup_frames(wh, [shop_id], kept)
            commit_frames(Path(wh.root), frames, operation="load", shops={shop_id})
        finally:
            for frame in kept:
                frame.unpersist()
            loader.drop_temps()
            wh.refresh(force=True)
    report.committed = True
    report.seconds = round(time.perf_counter() - clock, 3)
    return report
