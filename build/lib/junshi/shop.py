"""The Python API: one shop in one warehouse. Every face (CLI, JSON API, dashboard) calls these methods."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal

from junshi.errors import ConfigError
from junshi.warehouse import BaseWarehouse, open_warehouse, resolve_db, writable

if TYPE_CHECKING:
    import ibis

    from junshi.analysis.advice import Advice
    from junshi.analysis.alerts import Alert
    from junshi.analysis.diagnosis import Diagnosis
    from junshi.customers import Customers
    from junshi.ingest import IngestReport
    from junshi.metrics import KpiResult


class Shop:
    """A shop's data and every analysis of it.

    >>> shop = junshi.connect("shop.duckdb")          # doctest: +SKIP
    >>> shop.table("orders").count().execute()         # doctest: +SKIP
    """

    def __init__(self, warehouse: BaseWarehouse, shop_id: str = "default", *, clean: bool = False) -> None:
        self.warehouse = warehouse.without_suspects() if clean else warehouse
        self.shop_id = shop_id

    def table(self, name: str) -> ibis.Table:
        """A canonical table of this shop as an Ibis table."""
        return self.warehouse.table(name, self.shop_id)

    @property
    def settings(self) -> dict[str, str | None]:
        """name, platform, currency and timezone of this shop."""
        return self.warehouse.shop_settings(self.shop_id)

    def configure(self, *, name: str | None = None, platform: str | None = None, currency: str | None = None,
                  timezone: str | None = None, times: Literal["shift", "keep"] | None = None
                  ) -> dict[str, str | None]:
        """Change the given settings; a new time zone over loaded data needs ``times`` ("shift" or "keep",
        see :func:`junshi.warehouse.shops.set_shop`). Returns the settings."""
        from junshi.warehouse.shops import set_shop

        return set_shop(writable(self.warehouse), self.shop_id, name=name, platform=platform, currency=currency,
                        timezone=timezone, times=times)

    def kpi(
        self,
        metrics: str | Sequence[str],
        by: str | Sequence[str] | None = None,
        start: dt.date | str | None = None,
        end: dt.date | str | None = None,
        filters: Mapping[str, Any] | None = None,
        compare: str | None = None,
    ) -> KpiResult:
        """Metrics (registry ids) by dimensions over ``start``..``end`` (inclusive), optionally compared
        with the ``previous`` period, a ``week`` or ``year`` before, or ``peer`` benchmarks.
        See :mod:`junshi.metrics` and docs/metrics.md."""
        from junshi.metrics import kpi

        return kpi(self.warehouse, self.shop_id, metrics, by, start, end, filters, compare)

    def ingest(
        self,
        paths: str | os.PathLike[str] | Sequence[str | os.PathLike[str]],
        preset: str | None = None,
        table: str | None = None,
        strict: bool = False,
        mapping: Mapping[str, str] | Sequence[str] | None = None,
        progress: Callable[[str], None] | None = None,
    ) -> IngestReport:
        """Load files or folders (atomically, idempotently); bad rows go to quarantine. See docs/ingest.md.

        ``mapping``: {source header: canonical column} or ["src=dst", ...]; ``progress`` gets each step."""
        from junshi.ingest import ingest

        many = [paths] if isinstance(paths, str | os.PathLike) else list(paths)
        maps = dict(mapping) if isinstance(mapping, Mapping) else mapping
        if self.warehouse.engine == "spark":  # a lake: read and checked by Spark
            from junshi.ingest.spark import ingest_spark
            from junshi.warehouse.lake_spark import SparkLakeWarehouse

            if isinstance(self.warehouse, SparkLakeWarehouse):
                return ingest_spark(self.warehouse, self.shop_id, [os.fspath(p) for p in many], preset=preset,
                                    table=table, strict=strict, mapping=maps, step=progress)
        return ingest(writable(self.warehouse), self.shop_id, [os.fspath(p) for p in many], preset=preset, table=table,
                      strict=strict, mapping=maps, step=progress)

    @property
    def customers(self) -> Customers:
        """Customer analyses: RFM, cohorts, repurchase, lifetime value, churn warning, audiences.
        See docs/customers.md."""
        from junshi.customers import Customers

        return Customers(self)

    def diagnose(self, date: dt.date | str | None = None, vs: dt.date | str | None = "week",
                 metric: str = "sales", depth: int = 3) -> Diagnosis:
        """Why ``metric`` (sales, refund_amount, gross_profit) moved on ``date`` against ``vs`` (week,
        previous or a date): exact factor effects, cells per dimension, drill-down path. docs/diagnosis.md."""
        from junshi.analysis.service import diagnose

        return diagnose(self, date, vs, metric, depth)

    def alerts(self, date: dt.date | str | None = None) -> list[Alert]:
        """The alerts of ``date`` (default: last day with sales), worst first. docs/diagnosis.md."""
        from junshi.analysis.service import alerts

        return alerts(self, date)

    def advise(self, date: dt.date | str | None = None) -> list[Advice]:
        """Recommendations (建议) for ``date``, most urgent first, each with its numbers. docs/diagnosis.md."""
        from junshi.analysis.service import recommendations

        return recommendations(self, date)

    def close(self) -> None:
        self.warehouse.close()

    def __enter__(self) -> Shop:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def connect(db: str | os.PathLike[str] | None = None, shop: str = "default", *, clean: bool = False,
            engine: str | None = None) -> Shop:
    """Open a warehouse (DuckDB file path or URL, ``lake:PATH`` (Parquet read in place), or ``spark://local``;
    default ``JUNSHI_DB`` or ./junshi.duckdb) at one shop; ``clean``: every figure without the suspect orders
    of ``junshi risk``. ``engine``: ``duckdb`` (default, or ``JUNSHI_ENGINE``) or ``spark`` (a lake read by
    Spark: ``JUNSHI_SPARK_MASTER``, default ``local[*]``; see docs/lake.md)."""
    from junshi.warehouse.lake_catalog import is_lake_url

    url = resolve_db(db)
    engine = engine or os.environ.get("JUNSHI_ENGINE") or "duckdb"
    if engine not in ("duckdb", "spark"):
        raise ConfigError(f"Unknown engine {engine!r}.", f"未知的引擎 {engine!r}。",
                          hint_en="Use --engine duckdb or --engine spark.",
                          hint_zh="请用 --engine duckdb 或 --engine spark。")
    if url.startswith("spark://"):
        from junshi.warehouse.spark import SparkWarehouse

        return Shop(SparkWarehouse(url), shop, clean=clean)
    if engine == "spark":
        if not is_lake_url(url):
            raise ConfigError(f"--engine spark reads a lake, and {url} is a DuckDB file.",
                              f"--engine spark 读取湖仓，而 {url} 是 DuckDB 文件。",
                              hint_en="Use --db lake:FOLDER (junshi.warehouse.lake.LakeWarehouse.copy_from copies a "
                                      "DuckDB file into a lake), or leave out --engine.",
                              hint_zh="请使用 --db lake:文件夹（LakeWarehouse.copy_from 可把 DuckDB 文件复制进湖仓），"
                                      "或去掉 --engine。")
        from junshi.warehouse.lake_spark import SparkLakeWarehouse

        return Shop(SparkLakeWarehouse(url, shops=[shop]), shop, clean=clean)
    return Shop(open_warehouse(url), shop, clean=clean)
