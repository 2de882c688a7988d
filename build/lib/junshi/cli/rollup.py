"""``junshi rollup``: the shop's rollups (exact daily aggregates): refresh them, or ``--rebuild`` them whole."""

from typing import Annotated

import typer

from junshi.cli.app import app
from junshi.cli.options import DbOption, Engine, EngineOption, ShopOption, open_shop
from junshi.cli.output import console
from junshi.i18n import tr


@app.command("rollup")
def rollup_command(
    rebuild: Annotated[
        bool, typer.Option("--rebuild", help="Recompute every day from the raw rows (else only days that changed).")
    ] = False,
    db: DbOption = None,
    shop: ShopOption = "default",
    engine: EngineOption = Engine.duckdb,
) -> None:
    """Bring the rollups (exact daily aggregates the metric layer reads) up to date with the raw rows.

    Every load refreshes them itself; run this after changing the warehouse by other means, or with
    --rebuild to recompute them all. With --engine spark (a lake) Spark rebuilds them whole.
    """
    from junshi import rollup

    if engine == Engine.spark:
        _rebuild_on_spark(db, shop)
        return
    from junshi.warehouse import writable

    with open_shop(db, shop, write=True) as s, writable(s.warehouse).transaction() as con:
        report = rollup.rebuild(con, s.shop_id) if rebuild else rollup.refresh(con, s.shop_id)
    for table, days in sorted(report.days.items()):
        span = f"{days[0]} .. {days[-1]}" if days else "-"
        console().print(tr("{table}: {n} days recomputed ({span})", "{table}：重算 {n} 天（{span}）",
                           table=table, n=len(days), span=span))
    if not report.days:
        console().print(tr("The rollups were up to date.", "日汇总已是最新。"))
    console().print(tr("Done in {s} s.", "用时 {s} 秒。", s=report.seconds))


def _rebuild_on_spark(db: str | None, shop: str) -> None:
    """Rebuild the shop's rollups on Spark over a lake and commit them (one catalog)."""
    import time

    from junshi.errors import ConfigError
    from junshi.rollup.spark import rebuild
    from junshi.warehouse.lake_spark import SparkLakeWarehouse

    clock = time.perf_counter()
    with open_shop(db, shop, engine=Engine.spark) as s:
        if not isinstance(s.warehouse, SparkLakeWarehouse):
            raise ConfigError("junshi rollup --engine spark writes the rollups into a lake.",
                              "junshi rollup --engine spark 把日汇总写入湖仓。",
                              hint_en="Use --db lake:FOLDER.", hint_zh="请使用 --db lake:文件夹。")
        committed = rebuild(s.warehouse, [s.shop_id])
    console().print(tr("Rollups rebuilt on Spark: lake commit {n}.", "已在 Spark 上重建日汇总：湖仓提交 {n}。",
                       n=committed.commit))
    console().print(tr("Done in {s} s.", "用时 {s} 秒。", s=round(time.perf_counter() - clock, 3)))
