"""Take the shop's currency from the file when the export names it (Shopify, WooCommerce, GA4)."""

from __future__ import annotations

from junshi.errors import IngestError
from junshi.ingest.loader import Loader
from junshi.schema import FACT_TABLES


def adopt_currency(loader: Loader, good: str, column: str = "currency") -> None:
    """Set the shop's currency to the one ``column`` of the good rows ``good`` names (nothing when none).

    Refused when the rows name several currencies, or when the shop already holds data in another one.
    """
    found = [r[0] for r in loader.con.execute(
        f"SELECT DISTINCT upper({column}) FROM {good} WHERE {column} IS NOT NULL ORDER BY 1").fetchall()]
    if not found:
        return
    have = loader.con.execute("SELECT currency FROM shops WHERE shop_id = ?", [loader.shop_id]).fetchall()[0][0]
    used = len(found) == 1 and found[0] != have and any(
        loader.con.execute(f'SELECT 1 FROM "{t}" WHERE shop_id = ? LIMIT 1', [loader.shop_id]).fetchall()
        for t in FACT_TABLES)
    if len(found) > 1 or used:
        raise IngestError(
            f"The file's money is in {', '.join(found)}; shop {loader.shop_id!r} is in {have}.",
            f"文件中的金额币种为 {', '.join(found)}；店铺 {loader.shop_id!r} 的币种为 {have}。",
            hint_en="Load each currency into its own shop with --shop NAME.",
            hint_zh="请用 --shop 名称 将每种币种导入到各自的店铺。",
        )
    loader.con.execute("UPDATE shops SET currency = ? WHERE shop_id = ?", [found[0], loader.shop_id])
