"""抖店 order export (订单管理 → 批量导出): UTF-8 with BOM, one row per sub-order (子订单) of a main order (主订单).

Ids carry a leading tab or ``'`` (stripped); buyer fields are masked (``##密文``, ``$$密文``) and kept as the
opaque tokens they are. Every money column is the sub-order's own share, so an order's money is the sum of
its sub-orders; 商品金额 is the unit price (sellers' own scripts read it so: 应付 = 商品金额 x 商品数量).

Per main order (主订单编号) -> ``orders``: order_id = 主订单编号, customer_id = 用户ID / 买家ID when exported,
else the 收件人手机号 token as exported (NULL when partly masked like ``138****0000``, which different buyers
share), created_at = 订单提交时间, paid_at = 支付完成时间, shipped_at = 发货时间, delivered_at = 订单完成时间,
status = 订单状态 of its first sub-order, payment_method = 支付方式, source = 流量来源 when exported, carrier =
the company named at the start of 快递信息 (``中通快递 7312…`` -> 中通快递), item_amount = sum of 商品金额 x 商品数量,
discount_amount = sum of 平台/商家/达人实际承担优惠金额, shipping_fee = sum of 运费, pay_amount = sum of
订单应付金额, region/city = 省/市 when exported, else parsed from 详细地址, address_hash from 省, 市, 区 and
详细地址 (NULL when masked).

Per sub-order -> ``order_items``: line_no = rank of 子订单编号 within the order, product_id = 商品ID (else
商家编码), quantity = 商品数量, unit_price = 商品金额, amount = 商品金额 x 商品数量. ``products``: 商品ID,
选购商品, 商品金额. 售后状态 退款成功 -> ``refunds`` per sub-order: refund_id = 子订单编号-refund (the key the
settlement export uses too, so loading both never counts a refund twice), amount = 退款金额 when exported,
else the settlement's amount when it was loaded, else 订单应付金额; created_at = the settlement's time, else
the payment time (the export has no refund time).
``customers``: customer_id with the region and city of their latest order.

Shop settings: currency CNY, time zone Asia/Shanghai.
"""

from __future__ import annotations

from pathlib import Path

from junshi.ingest.loader import Field, Loader
from junshi.ingest.presets.base import FileKind, Preset
from junshi.ingest.presets.export_columns import Columns, buyer, buyers, order_rules, place_fields, places, refunded
from junshi.ingest.sqlfuncs import quote_str
from junshi.schema import MONEY

NAME = "douyin-orders"
ORDER_COLUMNS = ("主订单编号", "子订单编号", "商品数量", "订单提交时间", "订单应付金额")
_DISCOUNTS = ("平台实际承担优惠金额", "商家实际承担优惠金额", "达人实际承担优惠金额")


KIND = FileKind(name="orders", zh="抖店订单导出", en="Douyin shop order export",
                headers=("主订单编号", "子订单编号", "选购商品", "商品数量", "订单应付金额"))


def load(loader: Loader, files: list[Path], mapping: dict[str, str]) -> None:
    for c in Columns.each(loader, files, mapping, NAME, ORDER_COLUMNS):
        fields = [
            Field("order_id", "VARCHAR", c.sql("主订单编号"), required=True),
            Field("sub_order_id", "VARCHAR", c.sql("子订单编号"), required=True),
            Field("customer_id", "VARCHAR", buyer(f"coalesce({c.sql('用户ID', '买家ID')}, {c.sql('收件人手机号')})")),
            Field("created_at", "TIMESTAMP", c.sql("订单提交时间"), required=True),
            Field("paid_at", "TIMESTAMP", c.sql("支付完成时间")),
            Field("shipped_at", "TIMESTAMP", c.sql("发货时间")),
            Field("delivered_at", "TIMESTAMP", c.sql("订单完成时间")),
            Field("status", "VARCHAR", c.sql("订单状态")),
            Field("after_sale", "VARCHAR", c.sql("售后状态")),
            Field("payment_method", "VARCHAR", c.sql("支付方式")),
            Field("source", "VARCHAR", c.sql("流量来源")),
            Field("carrier", "VARCHAR",
                  f"NULLIF(regexp_extract({c.sql('快递信息')}, '^\\s*([^\\s\\d:：,，;；\\[\\]{{}}\"]+)', 1), '')"),
            Field("unit_price", MONEY, c.sql("商品金额")),
            *(Field(f"discount_{i}", MONEY, c.sql(d)) for i, d in enumerate(_DISCOUNTS)),
            Field("shipping_fee", MONEY, c.sql("运费")),
            Field("pay_amount", MONEY, c.sql("订单应付金额")),
            Field("refund", MONEY, c.sql("退款金额")),
            *place_fields(c, "详细地址", "收货地址"),
            Field("product_id", "VARCHAR", f"coalesce({c.sql('商品ID')}, {c.sql('商家编码')})", required=True),
            Field("name", "VARCHAR", c.sql("选购商品")),
            Field("quantity", "INTEGER", c.sql("商品数量"), required=True),
        ]
        rules = [*order_rules(fields),
                 *((f"discount_{i} < 0", f"negative amount: {d}") for i, d in enumerate(_DISCOUNTS)),
                 ("refund < 0", "negative amount: refund"),
                 ("row_number() OVER (PARTITION BY sub_order_id ORDER BY __line DESC) > 1", "duplicate key")]
        g = c.check(loader, "order_items", fields, rules, NAME, KIND)
        pl = places(loader, g)
        firsts = ", ".join(f"arg_min({x}, (sub_order_id, __line)) AS {x}" for x in (
            "customer_id", "status", "payment_method", "source", "carrier", "region", "city", "address_hash"))
        sums = ", ".join(f"sum({x}) AS {x}" for x in ("shipping_fee", "pay_amount"))
        discounts = " + ".join(f"coalesce(discount_{i}, 0)" for i in range(len(_DISCOUNTS)))
        any_discount = f"coalesce({', '.join(f'discount_{i}' for i in range(len(_DISCOUNTS)))})"
        loader.write("orders", f"""SELECT order_id, min(created_at) AS created_at, min(paid_at) AS paid_at,
            min(shipped_at) AS shipped_at, max(delivered_at) AS delivered_at, {firsts}, {sums},
            sum(unit_price * quantity) AS item_amount,
            CASE WHEN count({any_discount}) > 0 THEN sum({discounts}) END AS discount_amount
            FROM {pl} GROUP BY order_id""")
        loader.write("order_items", f"""SELECT order_id, row_number() OVER (PARTITION BY order_id
            ORDER BY length(sub_order_id), sub_order_id) AS line_no, product_id, quantity, unit_price,
            unit_price * quantity AS amount FROM {g}""")
        loader.write("products", f"""SELECT product_id, arg_max(name, __line) AS name,
            arg_max(unit_price, __line) AS price FROM {g} GROUP BY product_id""")
        # a refund the settlement already gave keeps its exact amount and time
        loader.write("refunds", f"""SELECT sub_order_id || '-refund' AS refund_id, g.order_id, g.product_id,
            coalesce(e.created_at, g.paid_at, g.created_at) AS created_at,
            coalesce(g.refund, e.amount, g.pay_amount) AS amount, g.quantity, e.reason
            FROM {g} g LEFT JOIN refunds e ON e.shop_id = {quote_str(loader.shop_id)}
              AND e.refund_id = g.sub_order_id || '-refund'
            WHERE {refunded('g.after_sale')} AND coalesce(g.refund, e.amount, g.pay_amount) > 0""")
        loader.write("customers", buyers(pl))
        loader.con.execute(f"DROP TABLE {pl}")


PRESET = Preset(NAME, "Douyin shop (抖店) order export, one row per sub-order", "抖店 订单导出（每个子订单一行）",
                "douyin", "CNY", "Asia/Shanghai", load,
                kinds=(KIND,))
