"""淘宝/天猫 卖家中心 "已卖出的宝贝" exports: the order report (订单报表) and the item report (宝贝报表).

Both are CSV files in GBK like Excel saves them; values may be written as ``="123"`` or with a leading
tab to keep Excel from mangling long numbers (both are stripped).

Order report (one row per order) -> ``orders``: 订单编号 -> order_id, 买家会员名 -> customer_id,
订单创建时间 -> created_at, 订单付款时间 -> paid_at (empty = unpaid), 订单状态 -> status (交易关闭: the order
is cancelled; the report has no closing time, so cancelled_at = the payment time, else the creation time),
买家应付货款 -> item_amount, 买家应付邮费 -> shipping_fee, 买家实际支付金额 -> pay_amount,
发货时间 -> shipped_at and 物流公司 -> carrier (newer exports),
收货地址 (``省 市 区 详细地址``) -> region (first part), city (second part) and address_hash
(SHA-256 of the address). 退款金额 > 0 -> one ``refunds`` row (refund_id = 订单编号-refund; the report
has no refund time, so created_at = the payment time). ``customers``: 买家会员名 with the region and
city of their latest order.

Item report (one row per line: 订单编号, or 子订单编号 and 主订单编号 in newer exports, 标题, 价格,
购买数量, 商家编码, ...) -> ``order_items`` (order_id = 订单编号 / 主订单编号, line_no = rank within the
order in file order, product_id = 商品ID (the item id 生意参谋 reports use, in newer exports), else 商家编码,
else 外部系统编号, else 标题, amount = 价格 x 购买数量) and ``products`` (name = 标题, price = 价格).
A file with 购买数量 and without 买家会员名 is an item report.

Shop settings: currency CNY, time zone Asia/Shanghai.
"""

from __future__ import annotations

from pathlib import Path

from junshi.ingest.loader import Field, Loader
from junshi.ingest.presets.base import FileKind, Preset, require
from junshi.ingest.readers import RawTable
from junshi.ingest.rules import table_rules
from junshi.ingest.sqlfuncs import quote_ident

ORDER_COLUMNS = ("订单编号", "买家会员名", "买家应付货款", "买家实际支付金额", "订单状态", "订单创建时间",
                 "订单付款时间")
ITEM_COLUMNS = ("标题", "价格", "购买数量")  # and 订单编号 or 主订单编号
KINDS = (
    FileKind(name="orders", zh="淘宝/天猫 订单报表", en="Taobao/Tmall order report",
             headers=("订单编号", "买家会员名", "买家实际支付金额", "订单创建时间"),
             names=("ExportOrderList", "订单报表")),
    FileKind(name="items", zh="淘宝/天猫 宝贝报表", en="Taobao/Tmall item report", headers=ITEM_COLUMNS,
             names=("ExportOrderDetailList", "宝贝报表")),
)


def _col(raw: RawTable, name: str) -> str:
    """A column with Excel's ``="..."`` and tab protection removed (NULL when the export lacks it)."""
    if name not in raw.columns:
        return "CAST(NULL AS VARCHAR)"
    return f"regexp_replace(trim(r.{quote_ident(name)}, ' \t'), '^=?\"?|\"$', '', 'g')"


def _orders(loader: Loader, raw: RawTable) -> None:
    require(raw, "taobao-orders", ORDER_COLUMNS)
    addr = f"string_split_regex(trim({_col(raw, '收货地址')}), '\\s+')"
    fields = [
        Field("order_id", "VARCHAR", _col(raw, "订单编号"), required=True),
        Field("customer_id", "VARCHAR", _col(raw, "买家会员名")),
        Field("created_at", "TIMESTAMP", _col(raw, "订单创建时间"), required=True),
        Field("paid_at", "TIMESTAMP", _col(raw, "订单付款时间")),
        Field("status", "VARCHAR", _col(raw, "订单状态")),
        Field("item_amount", "DECIMAL(18,2)", _col(raw, "买家应付货款")),
        Field("shipping_fee", "DECIMAL(18,2)", _col(raw, "买家应付邮费")),
        Field("pay_amount", "DECIMAL(18,2)", _col(raw, "买家实际支付金额")),
        Field("refund", "DECIMAL(18,2)", _col(raw, "退款金额")),
        Field("region", "VARCHAR", f"{addr}[1]"),
        Field("city", "VARCHAR", f"{addr}[2]"),
        Field("address_hash", "VARCHAR", f"sha256(NULLIF(trim({_col(raw, '收货地址')}), ''))"),
        Field("cancelled_at", "TIMESTAMP", f"CASE WHEN {_col(raw, '订单状态')} = '交易关闭' THEN "
              f"coalesce(NULLIF({_col(raw, '订单付款时间')}, ''), {_col(raw, '订单创建时间')}) END"),
        Field("shipped_at", "TIMESTAMP", _col(raw, "发货时间")),
        Field("carrier", "VARCHAR", _col(raw, "物流公司")),
    ]
    rules = [*table_rules("orders", [f.name for f in fields]), ("refund < 0", "negative amount: refund")]
    g = loader.check(raw, "orders", fields, rules)
    loader.write("orders", f"""SELECT order_id, customer_id, created_at, paid_at, status, item_amount, shipping_fee,
        pay_amount, region, city, address_hash, cancelled_at, shipped_at, carrier FROM {g}""")
    loader.write("refunds", f"""SELECT order_id || '-refund' AS refund_id, order_id,
        coalesce(paid_at, created_at) AS created_at, refund AS amount FROM {g} WHERE refund > 0""")
    loader.write("customers", f"""SELECT customer_id, arg_max(region, (created_at, __line)) AS region,
        arg_max(city, (created_at, __line)) AS city FROM {g} WHERE customer_id IS NOT NULL GROUP BY customer_id""")


def _items(loader: Loader, raw: RawTable) -> None:
    order_id = "订单编号" if "订单编号" in raw.columns else "主订单编号"
    require(raw, "taobao-orders", (order_id, *ITEM_COLUMNS))
    product = ", ".join(f"NULLIF({_col(raw, c)}, '')" for c in ("商品ID", "商家编码", "外部系统编号", "标题"))
    fields = [
        Field("order_id", "VARCHAR", _col(raw, order_id), required=True),
        Field("product_id", "VARCHAR", f"coalesce({product})", required=True),
        Field("name", "VARCHAR", _col(raw, "标题")),
        Field("unit_price", "DECIMAL(18,2)", _col(raw, "价格"), required=True),
        Field("quantity", "INTEGER", _col(raw, "购买数量"), required=True),
    ]
    g = loader.check(raw, "order_items", fields, table_rules("order_items", ["unit_price", "quantity"]))
    loader.write("order_items", f"""SELECT order_id, row_number() OVER (PARTITION BY order_id ORDER BY __line)
        AS line_no, product_id, quantity, unit_price, unit_price * quantity AS amount FROM {g}""")
    loader.write("products", f"""SELECT product_id, arg_max(name, __line) AS name,
        arg_max(unit_price, __line) AS price FROM {g} GROUP BY product_id""")


def load(loader: Loader, files: list[Path], mapping: dict[str, str]) -> None:
    for path in files:
        raw = loader.read(path, rename=mapping)
        if "购买数量" in raw.columns and "买家会员名" not in raw.columns:
            _items(loader, raw)
        else:
            _orders(loader, raw)


PRESET = Preset("taobao-orders", "Taobao/Tmall seller centre order and item reports (已卖出的宝贝)",
                "淘宝/天猫卖家中心 已卖出的宝贝 订单报表与宝贝报表", "taobao", "CNY", "Asia/Shanghai", load,
                kinds=KINDS)
