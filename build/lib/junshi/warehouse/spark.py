"""The Spark engine: the canonical tables in a Spark session, read through Ibis's pyspark backend.

Optional (``pip install junshi[spark]``). Metric formulas are Ibis expressions, so the metric layer
runs unchanged here. ``SparkWarehouse("spark://local")`` starts (or reuses) a local session; tables
are read from the session's catalog, and canonical tables it lacks appear as empty views.
Timestamps are TIMESTAMP_NTZ (shop-local wall clock), as in DuckDB.
"""

from __future__ import annotations

import os
import sys
from typing import Any

import ibis
import pandas as pd
import pyarrow as pa

from junshi.errors import ConfigError
from junshi.schema import TABLES
from junshi.warehouse.base import SETTINGS, BaseWarehouse, default_settings

_SPARK_TYPES = {
    "VARCHAR": "STRING", "BIGINT": "BIGINT", "INTEGER": "INT", "DOUBLE": "DOUBLE", "BOOLEAN": "BOOLEAN",
    "DATE": "DATE", "TIMESTAMP": "TIMESTAMP_NTZ", "DECIMAL(18,2)": "DECIMAL(18,2)",
}


def spark_session(master: str = "local[2]") -> Any:
    """A Spark session for Junshi (reused when one is running): small shuffles, no UI, UTC session time.
    Python workers (the rollups' bitmaps) run this Python unless ``PYSPARK_PYTHON`` names the executors' own."""
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)  # read when the SparkContext starts
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:
        raise ConfigError(
            "The Spark engine needs pyspark.", "Spark 引擎需要 pyspark。",
            hint_en="pip install 'junshi[spark]' (and a Java 17+ runtime).",
            hint_zh="请 pip install 'junshi[spark]'（并安装 Java 17+）。",
        ) from exc
    return (
        SparkSession.builder.master(master).appName("junshi")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.default.parallelism", "4")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.timestampType", "TIMESTAMP_NTZ")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.driver.extraJavaOptions", "-Dlog4j.rootLogger=ERROR")
        .getOrCreate()
    )


def _compiler() -> Any:
    """Ibis's PySpark compiler with epoch seconds to the microsecond (``unix_timestamp`` drops the fraction
    that DuckDB's ``epoch`` keeps, so hours_to_ship and days_to_deliver would differ between the engines)."""
    from ibis.backends.sql.compilers.pyspark import PySparkCompiler
    from ibis.expr import datatypes as dt

    class Compiler(PySparkCompiler):  # type: ignore[misc]  # ibis ships no type hints
        def visit_ExtractEpochSeconds(self, op: Any, *, arg: Any) -> Any:
            return self.f.unix_micros(self.cast(arg, dt.timestamp)) / 1_000_000

    return Compiler()


def spark_backend(session: Any) -> Any:
    """An Ibis backend on ``session`` compiling with Junshi's rules (see :func:`_compiler`)."""
    backend = ibis.pyspark.connect(session)
    backend.compiler = _COMPILER.setdefault("pyspark", _compiler())
    return backend


_COMPILER: dict[str, Any] = {}


def spark_type(sql_type: str) -> str:
    """The Spark type of a canonical column's SQL type."""
    return _SPARK_TYPES[sql_type]


def spark_schema(table: str) -> str:
    """The DDL schema string of a canonical table for Spark."""
    return ", ".join(f"`{c.name}` {spark_type(c.type)}" for c in TABLES[table].columns)


class SparkWarehouse(BaseWarehouse):
    """A warehouse on Spark with the read capability only (write to DuckDB, then load or copy here).
    ``url``: ``spark://local``, ``spark://local[4]`` or a master URL.

    Load data with :meth:`load` (a pandas DataFrame per table) or :meth:`copy_from` (a DuckDB warehouse).
    """

    def __init__(self, url: str = "spark://local", *, session: Any = None) -> None:
        if not url.startswith("spark://"):
            raise ConfigError(f"Not a Spark URL: {url!r}.", f"不是 Spark 地址：{url!r}。",
                              hint_en="Use spark://local or spark://host:7077.",
                              hint_zh="请使用 spark://local 或 spark://host:7077。")
        rest = url.removeprefix("spark://")
        master = "local[2]" if rest in ("", "local") else rest if rest.startswith("local") else url
        self.url = url
        self.read_only = True
        self.engine = "spark"
        self.session = session if session is not None else spark_session(master)
        self.backend: Any = spark_backend(self.session)
        self._settings: dict[str, dict[str, str | None]] = {}
        self._views: set[str] = set()  # views this warehouse made, and those of them holding rows
        self._filled: set[str] = set()
        existing = {t.name for t in self.session.catalog.listTables()}
        for name in TABLES:
            if name not in existing:
                self.load(name, TABLES[name].ibis_schema().to_pyarrow().empty_table())

    def load(self, table: str, data: pa.Table | pd.DataFrame) -> None:
        """Make ``data`` (columns of the canonical table; missing ones become null) the table ``table``.

        Goes through Arrow, so rows never pass through Python workers.
        """
        schema = TABLES[table].ibis_schema().to_pyarrow()
        if isinstance(data, pd.DataFrame):
            data = pa.Table.from_pandas(data, preserve_index=False)
        if table == "shops":
            self._settings.clear()
        if data.num_rows == 0:
            if table in self._filled or table not in self._views:  # an empty view is cheap: no rows to ship
                self.session.createDataFrame([], schema=spark_schema(table)).createOrReplaceTempView(table)
                self._filled.discard(table)
                self._views.add(table)
            return
        columns = [data.column(n).cast(schema.field(n).type) if n in data.column_names
                   else pa.nulls(data.num_rows, schema.field(n).type) for n in schema.names]
        frame = pa.Table.from_arrays(columns, schema=schema).to_pandas()
        self.session.createDataFrame(frame, schema=spark_schema(table)).createOrReplaceTempView(table)
        self._filled.add(table)
        self._views.add(table)

    def copy_from(self, warehouse: BaseWarehouse, tables: list[str] | None = None) -> None:
        """Copy canonical tables (all by default) from another warehouse."""
        for name in tables or list(TABLES):
            self.load(name, warehouse.table(name).to_pyarrow())

    def shop_settings(self, shop_id: str) -> dict[str, str | None]:
        """name, platform, currency and timezone of a shop (read once: each Spark query costs a job)."""
        if shop_id not in self._settings:
            self._settings[shop_id] = self._read_settings(shop_id)
        return self._settings[shop_id]

    def _read_settings(self, shop_id: str) -> dict[str, str | None]:
        t = self.table("shops")
        rows = t.filter(t.shop_id == shop_id).to_pyarrow().to_pylist()
        return {k: rows[0][k] for k in SETTINGS} if rows else default_settings(shop_id)

    def has_table(self, name: str) -> bool:
        return bool(self.session.catalog.tableExists(name))

    def cursor(self) -> SparkWarehouse:
        """The same warehouse: a Spark session serves many threads."""
        return self

    def close(self) -> None:
        """Leave the Spark session running (it is shared and slow to start)."""
