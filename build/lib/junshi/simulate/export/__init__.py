"""A shop written out as the files its seller downloads from the platform (``junshi simulate --as``).

>>> export_shop("demo.duckdb", "taobao-files")   # doctest: +SKIP

``taobao``: 生意参谋 整体看板 / 店铺来源 / 商品效果 (.xlsx), the 已卖出的宝贝 order and item reports and the
直通车 / 万相台 plan reports (GBK CSV); a folder that ``junshi ingest FOLDER`` loads as it is.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from junshi.errors import ConfigError
from junshi.shop import Shop
from junshi.simulate.export.ads import write_ad_reports
from junshi.simulate.export.orders import write_order_reports
from junshi.simulate.export.sycm import write_overview, write_overview_periods, write_products, write_sources
from junshi.warehouse import Warehouse

PLATFORMS = ("taobao",)
"""What ``--as`` accepts: the platforms whose files can be written."""


def check_platform(platform: str) -> str:
    """``platform`` if files can be written for it, else a ConfigError naming the choices."""
    if platform not in PLATFORMS:
        raise ConfigError(f"--as must be one of {', '.join(PLATFORMS)}, not {platform!r}.",
                          f"--as 须为 {'、'.join(PLATFORMS)} 之一，而不是 {platform!r}。",
                          hint_en="Use --as taobao (生意参谋, order and ad reports).",
                          hint_zh="请使用 --as taobao（生意参谋、订单报表和推广报表）。")
    return platform


def export_shop(db: str | os.PathLike[str], folder: str | os.PathLike[str], *, shop: str = "default",
                platform: str = "taobao", start: dt.date | None = None, end: dt.date | None = None) -> list[Path]:
    """Write shop ``shop`` of warehouse ``db`` into ``folder`` as ``platform``'s export files; return them.

    ``start``..``end`` default to the first and last day with visits or orders.
    """
    check_platform(platform)
    out = Path(folder)
    if out.exists() and not out.is_dir():
        raise ConfigError(f"{out} is a file, not a folder.", f"{out} 是文件而不是文件夹。",
                          hint_en="Give --out a folder (it is created if missing).",
                          hint_zh="请给 --out 一个文件夹（不存在时会自动创建）。")
    out.mkdir(parents=True, exist_ok=True)
    wh = Warehouse(db, read_only=True)
    try:
        con = wh.con
        first, last = con.execute(
            "SELECT min(d), max(d) FROM (SELECT CAST(started_at AS DATE) AS d FROM sessions WHERE shop_id = $s "
            "UNION ALL SELECT CAST(created_at AS DATE) FROM orders WHERE shop_id = $s)", {"s": shop}).fetchone() or (
            None, None)
        if first is None:
            raise ConfigError(f"Shop {shop!r} has no visits or orders to export.",
                              f"店铺 {shop!r} 没有可导出的访问或订单。",
                              hint_en="Simulate it first: junshi simulate --as taobao.",
                              hint_zh="请先模拟：junshi simulate --as taobao。")
        start, end = start or first, end or last
        s = Shop(wh, shop)
        name = str(s.settings.get("name") or shop)
        exported = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(9, 0))
        return [*write_overview(s, out, start, end), *write_overview_periods(s, out, start, end),
                *write_sources(s, out, start, end),
                *write_products(s, out, start, end), *write_order_reports(con, shop, name, out, exported),
                *write_ad_reports(con, shop, out, start, end)]
    finally:
        wh.close()


__all__ = ["PLATFORMS", "check_platform", "export_shop"]
