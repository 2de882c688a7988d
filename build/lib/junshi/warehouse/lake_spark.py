"""The lake on Spark: the files of the lake's newest commit as views of a Spark session, read through Ibis.

``junshi ... --db lake:PATH --engine spark`` (``JUNSHI_SPARK_MASTER``, default ``local[*]``): each table is
a view over ``spark.read.parquet`` of the files the catalog names, so Spark reads them in place on its
executors; the driver only plans and receives the query results. A warehouse has its own Spark session
(``newSession``: its own views, the one shared SparkContext), so two lakes never mix.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Collection
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from junshi.schema import SCHEMA_VERSION, TABLES
from junshi.warehouse import lake_catalog
from junshi.warehouse.lake_catalog import PARTITION_TIME, Catalog, DataFile, TableEntry
from junshi.warehouse.spark import SparkWarehouse, spark_backend, spark_schema, spark_session

MASTER_ENV = "JUNSHI_SPARK_MASTER"
DEFAULT_MASTER = "local[*]"
_INHERITED = ("spark.sql.shuffle.partitions", "spark.sql.adaptive.enabled", "spark.sql.session.timeZone",
              "spark.sql.timestampType")


def lake_session() -> Any:
    """The shared Spark session for lakes: ``JUNSHI_SPARK_MASTER`` (default ``local[*]``)."""
    return spark_session(os.environ.get(MASTER_ENV) or DEFAULT_MASTER)


class SparkLakeWarehouse(SparkWarehouse):
    """A lake (``lake:PATH``) read by Spark at its newest commit; read-only like every Spark warehouse.
    ``shops``: read only these shops' files (a command on one shop), else every shop's."""

    def __init__(self, url: str, *, session: Any = None, shops: Collection[str] | None = None) -> None:
        self.url = url
        self.root = lake_catalog.lake_root(url)
        self.read_only = True
        self.engine = "spark"
        parent = session if session is not None else lake_session()
        self.session = parent.newSession()
        for key in _INHERITED:  # a new session starts from the context's configuration, not the parent's
            self.session.conf.set(key, parent.conf.get(key))
        self.backend: Any = spark_backend(self.session)
        self._settings: dict[str, dict[str, str | None]] = {}
        self._views: set[str] = set()
        self._filled: set[str] = set()
        self.shops = frozenset(shops) if shops is not None else None
        self.catalog = lake_catalog.newest(self.root)
        self._show(self.catalog)

    def _show(self, catalog: Catalog) -> None:
        """Every table of ``catalog`` as a view over its files; canonical tables it lacks as empty views."""
        for name in TABLES:
            if name not in catalog.tables or not catalog.tables[name].files:
                self.load(name, TABLES[name].ibis_schema().to_pyarrow().empty_table())
        for name, entry in catalog.tables.items():
            if not entry.files:
                continue
            reader = self.session.read
            if name in TABLES:
                reader = reader.schema(spark_schema(name))
            files = self._needed(entry.files)
            frame = reader.parquet(*[str(self.root / f.path) for f in files or entry.files[:1]])
            if not files:
                frame = frame.where("false")  # this shop has none: the table's columns, no rows
            columns = TABLES[name].column_names if name in TABLES else [c for c, _t in entry.columns]
            frame.select(*columns).createOrReplaceTempView(name)  # never a column from a folder name
            self._views.add(name)
            self._filled.add(name)
        self._settings.clear()
        self.catalog = catalog

    def _needed(self, files: list[DataFile]) -> list[DataFile]:
        """The committed files the warehouse's shops read (every file when it reads every shop): Spark opens
        only those, from the catalog, without listing a folder."""
        return files if self.shops is None else [f for f in files if f.shop_id is None or f.shop_id in self.shops]

    def has_table(self, name: str) -> bool:
        return name in self._views or name in self.catalog.tables

    def refresh(self, *, force: bool = False) -> bool:
        """Read the newest commit if one was made since (or, with ``force``, make the views its files again);
        whether one was."""
        catalog = lake_catalog.newest(self.root)
        if catalog.commit == self.catalog.commit and not force:
            return False
        if force:  # a view may have been replaced by the caller: make every one again
            self._filled |= self._views
        self._show(catalog)
        return True

    def cursor(self) -> SparkLakeWarehouse:
        """The same warehouse: a Spark session serves many threads."""
        return self


def _partition_value(folder: str, prefix: str) -> str | None:
    """The value of a ``prefix=VALUE`` folder Spark wrote (Spark escapes like a URL; null: its default name)."""
    value = unquote(folder.removeprefix(prefix + "="))
    return None if value == "__HIVE_DEFAULT_PARTITION__" else value


def _entry_for(name: str, columns: list[tuple[str, str]], base: Catalog) -> tuple[str, list[tuple[str, str]]]:
    """The DDL and columns of a table Spark writes: the lake's own, else the declared canonical or rollup table."""
    from junshi.rollup.tables import TABLES as ROLLUP_TABLES

    if name in base.tables:
        return base.tables[name].ddl, base.tables[name].columns
    declared = {t.name: t for t in ROLLUP_TABLES} | TABLES
    if name in declared:
        spec = declared[name]
        return spec.create_sql(), [(c.name, c.type) for c in spec.columns]
    return f'CREATE TABLE "{name}" (' + ", ".join(f'"{c}" {t}' for c, t in columns) + ")", columns


def commit_frames(root: Path, frames: dict[str, Any], *, operation: str, shops: set[str] | None = None,
                  clustered: bool = False) -> Catalog:
    """Write Spark DataFrames (rows of lake tables) as Parquet on the executors, then commit them in one catalog.

    Each frame replaces the partitions (shop x month) it has rows for; with ``shops``, every partition of those
    shops (a rebuild: an empty frame clears them). The files go to a folder of their own under the table; a failure
    or a lost race (LakeConflict) removes them. Only file footers (row counts) are read on the driver.
    ``clustered``: each Spark partition of the frames already holds its rows grouped by shop x month (a
    generator's ordered ranges), so they are written as they are, without a shuffle (a file or two per task
    instead of one per lake partition)."""
    import pyarrow.parquet as pq
    from pyspark.sql import functions as F

    base = lake_catalog.newest(root)
    tables = dict(base.tables)
    stages: list[Path] = []
    try:
        for name, frame in frames.items():
            time = PARTITION_TIME.get(name) if PARTITION_TIME.get(name) in frame.columns else None
            stage = Path(name) / f"spark-{uuid.uuid4().hex}"
            stages.append(root / stage)
            month = F.date_format(F.col(time), "yyyy-MM") if time else F.lit(None).cast("string")
            frame = frame.withColumn("_shop", F.col("shop_id")).withColumn("_month", month)
            if not clustered:
                frame = frame.repartition("_shop", "_month")
            frame.write.partitionBy("_shop", "_month").parquet(str(root / stage))
            files = []
            for path in sorted((root / stage).rglob("*.parquet")):
                shop, month_folder = path.parent.parent.name, path.parent.name
                files.append(DataFile(path.relative_to(root).as_posix(), _partition_value(shop, "_shop"),
                                      _partition_value(month_folder, "_month"), pq.read_metadata(path).num_rows))
            keys = {(f.shop_id, f.month) for f in files}
            old = base.tables[name].files if name in base.tables else []
            kept = [f for f in old if f.shop_id not in shops] if shops is not None else \
                [f for f in old if (f.shop_id, f.month) not in keys]
            ddl, columns = _entry_for(name, [(c, t) for c, t in frame.dtypes], base)
            tables[name] = TableEntry(ddl, columns, time, kept + files)
        return lake_catalog.commit(root, base, tables, base.schema_version or SCHEMA_VERSION, operation)
    except BaseException:
        for stage_dir in stages:
            shutil.rmtree(stage_dir, ignore_errors=True)
        raise
