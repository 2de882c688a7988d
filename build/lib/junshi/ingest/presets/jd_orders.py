"""京东 POP 商家后台 order export (订单查询 → 导出): one row per SKU; the order's amounts repeat on every row.

Per order (rows grouped by 订单号; its money is counted once, never once per SKU) -> ``orders``:
order_id = 订单号, customer_id = 下单帐号 (NULL when partly masked like ``jd_****``), created_at = 下单时间,
paid_at = 付款确认时间 (empty = unpaid), delivered_at = 订单完成时间, status = 订单状态,
source = 订单来源, payment_method = 支付方式, item_amount = 订单金额, shipping_fee = 运费金额,
pay_amount = 应付金额 + 余额支付 (what the buyer paid, online and from the JD balance), discount_amount =
订单金额 + 运费金额 - pay_amount (every discount, never below 0), carrier = 快递公司 / 物流公司 / 承运商 when
exported, region/city and address_hash from 客户地址 (NULL when masked). An order whose repeated amounts
differ between its rows is quarantined whole ("order amounts differ between rows").

Per row -> ``order_items``: line_no = rank within the order (file order), product_id = 商品ID (else 货号),
quantity = 订购数量, unit_price = 京东价, amount = 京东价 x 订购数量. ``products``: 商品ID, 商品名称, 京东价.
``customers``: 下单帐号 with the region and city of their latest order. A paid order whose 订单状态 says
取消 (``(删除)已取消``) was refunded in full (JD returns the payment of a cancelled order) -> ``refunds``:
refund_id = 订单号-refund, amount = pay_amount, created_at = the payment time (the export has no refund time).

Shop settings: currency CNY, time zone Asia/Shanghai.
"""

from __future__ import annotations

from pathlib import Path

from junshi.ingest.loader import Field, Loader
from junshi.ingest.presets.base import FileKind, Preset
from junshi.ingest.presets.export_columns import Columns, buyer, buyers, order_rules, place_fields, places

NAME = "jd-orders"
ORDER_COLUMNS = ("订单号", "商品ID", "订购数量", "下单时间", "订单金额", "应付金额")
# Order-level amounts that JD repeats on each SKU row: they must agree within an order.
_REPEATED = ("item_amount", "payable", "balance", "shipping_fee")


KIND = FileKind(name="orders", zh="京东订单导出", en="JD order export",
                headers=("订单号", "商品ID", "订购数量", "京东价", "应付金额"))


def load(loader: Loader, files: list[Path], mapping: dict[str, str]) -> None:
    for c in Columns.each(loader, files, mapping, NAME, ORDER_COLUMNS):
        fields = [
            Field("order_id", "VARCHAR", c.sql("订单号"), required=True),
            Field("product_id", "VARCHAR", f"coalesce({c.sql('商品ID')}, {c.sql('货号')})", required=True),
            Field("name", "VARCHAR", c.sql("商品名称")),
            Field("quantity", "INTEGER", c.sql("订购数量"), required=True),
            Field("unit_price", "DECIMAL(18,2)", c.sql("京东价")),
            Field("customer_id", "VARCHAR", buyer(c.sql("下单帐号", "下单账号"))),
            Field("created_at", "TIMESTAMP", c.sql("下单时间"), required=True),
            Field("paid_at", "TIMESTAMP", c.sql("付款确认时间", "付款时间")),
            Field("delivered_at", "TIMESTAMP", c.sql("订单完成时间")),
            Field("status", "VARCHAR", c.sql("订单状态")),
            Field("source", "VARCHAR", c.sql("订单来源")),
            Field("payment_method", "VARCHAR", c.sql("支付方式")),
            Field("carrier", "VARCHAR", c.sql("快递公司", "物流公司", "承运商")),
            Field("item_amount", "DECIMAL(18,2)", c.sql("订单金额")),
            Field("payable", "DECIMAL(18,2)", c.sql("应付金额"), required=True),
            Field("balance", "DECIMAL(18,2)", c.sql("余额支付")),
            Field("shipping_fee", "DECIMAL(18,2)", c.sql("运费金额")),
            *place_fields(c, "客户地址", "收货地址"),
        ]
        differ = " OR ".join(f"max({a}) OVER (PARTITION BY order_id) <> min({a}) OVER (PARTITION BY order_id)"
                             for a in _REPEATED)
        rules = [*order_rules(fields),
                 ("payable < 0 OR balance < 0", "negative amount: 应付金额/余额支付"),
                 (differ, "order amounts differ between rows")]
        g = c.check(loader, "order_items", fields, rules, NAME, KIND)
        pl = places(loader, g)
        pay = "max(payable) + coalesce(max(balance), 0)"
        firsts = ", ".join(f"arg_min({x}, __line) AS {x}" for x in (
            "customer_id", "paid_at", "delivered_at", "status", "source", "payment_method", "carrier", "region",
            "city", "address_hash"))
        loader.write("orders", f"""SELECT order_id, min(created_at) AS created_at, {firsts},
            max(item_amount) AS item_amount, max(shipping_fee) AS shipping_fee, {pay} AS pay_amount,
            CASE WHEN max(item_amount) IS NOT NULL
                 THEN greatest(max(item_amount) + coalesce(max(shipping_fee), 0) - ({pay}), 0) END AS discount_amount
            FROM {pl} GROUP BY order_id""")
        loader.write("order_items", f"""SELECT order_id, row_number() OVER (PARTITION BY order_id ORDER BY __line)
            AS line_no, product_id, quantity, unit_price, unit_price * quantity AS amount FROM {g}""")
        loader.write("products", f"""SELECT product_id, arg_max(name, __line) AS name,
            arg_max(unit_price, __line) AS price FROM {g} GROUP BY product_id""")
        # JD refunds a paid order that is cancelled in full; the export has no refund time
        loader.write("refunds", f"""SELECT order_id || '-refund' AS refund_id, order_id, min(paid_at) AS created_at,
            {pay} AS amount FROM {g} GROUP BY order_id
            HAVING min(paid_at) IS NOT NULL AND strpos(arg_min(status, __line), '取消') > 0 AND {pay} > 0""")
        loader.write("customers", buyers(pl))
        loader.con.execute(f"DROP TABLE {pl}")


PRESET = Preset(NAME, "JD (京东) POP order export, one row per SKU", "京东商家后台 订单导出（每个SKU一行）", "jd",
                "CNY", "Asia/Shanghai", load,
                kinds=(KIND,))
