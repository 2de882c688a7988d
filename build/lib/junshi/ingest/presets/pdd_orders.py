"""拼多多 商家后台 order export (订单查询 → 批量导出): UTF-8 with BOM, one row per order (one SKU each).

Headers are matched with or without their unit (``商品总价(元)`` = ``商品总价（元）`` = ``商品总价``).

-> ``orders``: order_id = 订单号, status = 订单状态, paid_at = 订单成交时间 (older exports: 支付时间 or
拼单成功时间), created_at = 订单创建时间 when exported, else paid_at; shipped_at = 发货时间, delivered_at =
确认收货时间, carrier = 快递公司, item_amount = 商品总价, discount_amount = 店铺优惠折扣 + 平台优惠折扣 +
多多支付立减金额, shipping_fee = 邮费, pay_amount = 用户实付金额, region = 省, city = 市 (NULL when masked as
``****``), address_hash from 省, 市, 区 and 详细地址/收货地址 when the street is exported (NULL when any part is
masked), customer_id = 买家ID / 用户ID when exported (the standard export has no buyer id: such a shop has no
customers, only orders). Unpaid or cancelled orders have an empty 成交时间 and no other time: they are
quarantined ("unpaid order without a time"), since they belong to no day.

-> ``order_items``: one line: product_id = 商品id (else 样式ID, else 商家编码-商品维度), quantity = 商品数量,
amount = 商品总价, unit_price = 商品总价 / 商品数量. ``products``: 商品id, 商品 (name), unit price.
售后状态 退款成功 -> ``refunds``: refund_id = 订单号-refund, amount = 退款金额 when exported, else 用户实付金额,
created_at = the payment time (the export has no refund time), quantity = 商品数量.
A later row with the same 订单号 replaces an earlier one ("duplicate key").

Shop settings: currency CNY, time zone Asia/Shanghai.
"""

from __future__ import annotations

from pathlib import Path

from junshi.ingest.loader import Field, Loader
from junshi.ingest.presets.base import FileKind, Preset
from junshi.ingest.presets.export_columns import Columns, buyer, buyers, order_rules, place_fields, places, refunded
from junshi.schema import MONEY

NAME = "pdd-orders"
PAID = ("订单成交时间", "成交时间", "支付时间", "拼单成功时间")
ORDER_COLUMNS: tuple[str | tuple[str, ...], ...] = ("订单号", "商品数量(件)", "商品总价(元)", "用户实付金额(元)", PAID)


KIND = FileKind(name="orders", zh="拼多多订单导出", en="Pinduoduo order export",
                headers=("订单号", "商品总价(元)", "用户实付金额(元)", "商品数量(件)", "售后状态"))


def load(loader: Loader, files: list[Path], mapping: dict[str, str]) -> None:
    for c in Columns.each(loader, files, mapping, NAME, ORDER_COLUMNS):
        fields = [
            Field("order_id", "VARCHAR", c.sql("订单号"), required=True),
            Field("status", "VARCHAR", c.sql("订单状态")),
            Field("paid_at", "TIMESTAMP", c.sql(*PAID)),
            Field("created_at", "TIMESTAMP", f"coalesce({c.sql('订单创建时间', '下单时间')}, {c.sql(*PAID)})"),
            Field("shipped_at", "TIMESTAMP", c.sql("发货时间")),
            Field("delivered_at", "TIMESTAMP", c.sql("确认收货时间")),
            Field("carrier", "VARCHAR", c.sql("快递公司")),
            Field("item_amount", MONEY, c.sql("商品总价")),
            Field("shop_discount", MONEY, c.sql("店铺优惠折扣")),
            Field("platform_discount", MONEY, c.sql("平台优惠折扣")),
            Field("pay_discount", MONEY, c.sql("多多支付立减金额")),
            Field("shipping_fee", MONEY, c.sql("邮费")),
            Field("pay_amount", MONEY, c.sql("用户实付金额")),
            Field("refund", MONEY, c.sql("退款金额")),
            Field("after_sale", "VARCHAR", c.sql("售后状态")),
            *place_fields(c, "详细地址", "收货地址"),
            Field("customer_id", "VARCHAR", buyer(c.sql("买家ID", "用户ID"))),
            Field("product_id", "VARCHAR", f"coalesce({c.sql('商品id')}, {c.sql('样式ID')}, "
                                           f"{c.sql('商家编码-商品维度')})", required=True),
            Field("name", "VARCHAR", c.sql("商品")),
            Field("quantity", "INTEGER", c.sql("商品数量"), required=True),
        ]
        rules = [*order_rules(fields),
                 *((f"{d} < 0", f"negative amount: {d}") for d in ("shop_discount", "platform_discount",
                                                                   "pay_discount", "refund")),
                 ("created_at IS NULL", "unpaid order without a time"),
                 ("row_number() OVER (PARTITION BY order_id ORDER BY __line DESC) > 1", "duplicate key")]
        g = c.check(loader, "orders", fields, rules, NAME, KIND)
        pl = places(loader, g)
        discount = ("CASE WHEN coalesce(shop_discount, platform_discount, pay_discount) IS NOT NULL THEN "
                    "coalesce(shop_discount, 0) + coalesce(platform_discount, 0) + coalesce(pay_discount, 0) END")
        loader.write("orders", f"""SELECT order_id, customer_id, created_at, paid_at, shipped_at, delivered_at,
            status, carrier, item_amount, {discount} AS discount_amount, shipping_fee, pay_amount, region, city,
            address_hash FROM {pl}""")
        loader.write("order_items", f"""SELECT order_id, 1 AS line_no, product_id, quantity,
            CASE WHEN quantity > 0 THEN item_amount / quantity END AS unit_price, item_amount AS amount FROM {g}""")
        loader.write("products", f"""SELECT product_id, arg_max(name, __line) AS name,
            arg_max(CASE WHEN quantity > 0 THEN item_amount / quantity END, __line) AS price
            FROM {g} GROUP BY product_id""")
        loader.write("refunds", f"""SELECT order_id || '-refund' AS refund_id, order_id, product_id,
            coalesce(paid_at, created_at) AS created_at, coalesce(refund, pay_amount) AS amount, quantity
            FROM {g} WHERE {refunded('after_sale')} AND coalesce(refund, pay_amount) > 0""")
        loader.write("customers", buyers(pl))
        loader.con.execute(f"DROP TABLE {pl}")


PRESET = Preset(NAME, "Pinduoduo (拼多多) order export", "拼多多商家后台 订单导出", "pdd", "CNY", "Asia/Shanghai", load,
                kinds=(KIND,))
