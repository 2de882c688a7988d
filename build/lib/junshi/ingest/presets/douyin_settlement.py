"""抖店 settlement export (资金 → 动账明细 / 结算账单): one row per money movement of the shop's account.

-> ``settlements`` (one row per movement): settlement_id = 动账流水号 (also spelt 动帐流水号), ts = 动账时间,
amount = 动账金额 signed by 动账方向 (出账 -> negative, 入账 -> positive; a signed amount is kept as given when
there is no direction), account = 动账账户, scene = 动账场景, billing_type = 计费类型, order_id = 订单号,
sub_order_id = 子订单号, order_amount = 订单实付应结, shipping_amount = 运费实付, platform_subsidy =
实际平台补贴, note = 备注; refund_amount = 订单退款, platform_fee = 平台服务费, commission = 佣金,
service_fee = 招商服务费 and promotion_fee = 站外推广费 are stored as positive amounts taken from the shop,
whichever sign the export writes them with.

-> ``refunds``: the 订单退款 of each sub-order (its movements summed): refund_id = 子订单号-refund (订单号-refund
without a sub-order), order_id = 订单号, created_at = its latest 动账时间. The key is the one douyin-orders
gives a refunded sub-order, so loading both never counts a refund twice, in either order: the settlement's
exact amount and time win, the order export's product and units are kept.

A second header-like row right under the headers (no time, no amount) is skipped. Shop settings: currency
CNY, time zone Asia/Shanghai.
"""

from __future__ import annotations

from pathlib import Path

from junshi.ingest.loader import Field, Loader
from junshi.ingest.presets.base import FileKind, Preset
from junshi.ingest.presets.export_columns import Columns
from junshi.ingest.sqlfuncs import quote_str
from junshi.schema import MONEY

NAME = "douyin-settlement"
ID = ("动账流水号", "动帐流水号")
COLUMNS: tuple[str | tuple[str, ...], ...] = ("动账时间", ID, "动账金额")
# settlements column -> export header, stored as a positive amount taken from the shop
_CHARGES = {"refund_amount": "订单退款", "platform_fee": "平台服务费", "commission": "佣金",
            "service_fee": "招商服务费", "promotion_fee": "站外推广费"}
_AMOUNTS = {"order_amount": "订单实付应结", "shipping_amount": "运费实付", "platform_subsidy": "实际平台补贴"}


KIND = FileKind(name="settlement", zh="抖店动账明细", en="Douyin shop settlement export",
                headers=("动账时间", "动账方向", "动账金额", "动账场景", "订单退款", "平台服务费"))


def load(loader: Loader, files: list[Path], mapping: dict[str, str]) -> None:
    for c in Columns.each(loader, files, mapping, NAME, COLUMNS):
        header_like = (f"({c.raw.line} = 1 AND _ji_ts({c.sql('动账时间')}) IS NULL "
                       f"AND _ji_money({c.sql('动账金额')}) IS NULL)")
        fields = [
            Field("settlement_id", "VARCHAR", c.sql(*ID), required=True),
            Field("ts", "TIMESTAMP", c.sql("动账时间"), required=True),
            Field("moved", MONEY, c.sql("动账金额"), required=True),
            Field("direction", "VARCHAR", c.sql("动账方向")),
            Field("account", "VARCHAR", c.sql("动账账户")),
            Field("scene", "VARCHAR", c.sql("动账场景")),
            Field("billing_type", "VARCHAR", c.sql("计费类型")),
            Field("order_id", "VARCHAR", c.sql("订单号")),
            Field("sub_order_id", "VARCHAR", c.sql("子订单号")),
            Field("note", "VARCHAR", c.sql("备注")),
            *(Field(col, MONEY, c.sql(header)) for col, header in {**_AMOUNTS, **_CHARGES}.items()),
        ]
        rules = [("direction IS NOT NULL AND direction NOT IN ('入账', '出账')", "unknown direction (入账/出账)"),
                 ("row_number() OVER (PARTITION BY settlement_id ORDER BY __line DESC) > 1", "duplicate key")]
        g = c.check(loader, "settlements", fields, rules, NAME, KIND, where=f"NOT {header_like}")
        signed = "CASE direction WHEN '出账' THEN -abs(moved) WHEN '入账' THEN abs(moved) ELSE moved END"
        charges = ", ".join(f"abs({col}) AS {col}" for col in _CHARGES)
        loader.write("settlements", f"""SELECT settlement_id, ts, {signed} AS amount, account, scene, billing_type,
            order_id, sub_order_id, {', '.join(_AMOUNTS)}, {charges}, note FROM {g}""")
        # the product and units of a refund douyin-orders already gave are kept
        loader.write("refunds", f"""SELECT r.*, e.product_id, e.quantity, e.reason FROM (
            SELECT coalesce(sub_order_id, order_id) || '-refund' AS refund_id, any_value(order_id) AS order_id,
                   max(ts) AS created_at, sum(abs(refund_amount)) AS amount
            FROM {g} WHERE refund_amount <> 0 AND coalesce(sub_order_id, order_id) IS NOT NULL
            GROUP BY coalesce(sub_order_id, order_id)) r
            LEFT JOIN refunds e ON e.shop_id = {quote_str(loader.shop_id)} AND e.refund_id = r.refund_id""")


PRESET = Preset(NAME, "Douyin shop (抖店) settlement export (动账明细)", "抖店 动账明细 / 结算账单", "douyin", "CNY",
                "Asia/Shanghai", load,
                kinds=(KIND,))
