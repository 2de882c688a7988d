"""淘宝/天猫 卖家中心 已卖出的宝贝 exports of a shop: the order report and the item report (GBK CSV).

Made from ``orders``, ``order_items``, ``refunds`` and ``products`` with the platform's shapes: long
numeric order ids written as ``="..."``, masked buyer contact fields, an address ``省 市 区 详细地址``
whose masked detail is the same for the same address, money as ``1,234.50``, and an unpaid order paying
0.00. The seller's own product code is 商家编码 (the shop's product_id); 商品ID, which newer item
reports carry, is the item id 生意参谋 uses.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import duckdb

from junshi.simulate.export.files import excel_id, item_id, money, stamp, write_gbk_csv

ORDER_HEADER = (
    "订单编号", "买家会员名", "买家支付宝账号", "买家应付货款", "买家应付邮费", "买家支付积分", "总金额",
    "返点积分", "买家实际支付金额", "买家实际支付积分", "订单状态", "买家留言", "收货人姓名", "收货地址",
    "运送方式", "联系电话", "联系手机", "订单创建时间", "订单付款时间", "宝贝标题", "宝贝种类", "物流单号",
    "物流公司", "订单备注", "宝贝总数量", "店铺Id", "店铺名称", "订单关闭原因", "卖家服务费", "买家服务费",
    "发票抬头", "是否手机订单", "分阶段订单信息", "特权订金订单id", "定金排名", "修改后的sku", "修改后的收货地址",
    "异常信息", "天猫卡券抵扣", "集分宝抵扣", "是否是O2O交易", "退款金额", "预约门店", "发货时间", "确认收货时间",
)
ITEM_HEADER = (
    "子订单编号", "主订单编号", "标题", "价格", "购买数量", "外部系统编号", "商品属性", "套餐信息", "备注",
    "订单状态", "商家编码", "支付单号", "买家应付货款", "买家实际支付金额", "退款状态", "退款金额", "订单创建时间",
    "订单付款时间", "商品ID",
)

# Taobao ids are long numbers: the shop's ids keep their digits behind a fixed prefix
_ORDER_ID = "'3' || lpad(regexp_replace({c}, '\\D', '', 'g'), 18, '0')"

_ORDERS_SQL = f"""
WITH lines AS (
  SELECT i.order_id, count(*) AS kinds, sum(i.quantity) AS units,
         string_agg(coalesce(p.name, i.product_id), '，' ORDER BY i.line_no) AS titles
  FROM order_items i LEFT JOIN products p ON p.shop_id = i.shop_id AND p.product_id = i.product_id
  WHERE i.shop_id = $shop GROUP BY i.order_id),
back AS (SELECT order_id, sum(amount) AS refunded FROM refunds WHERE shop_id = $shop GROUP BY order_id)
SELECT {_ORDER_ID.format(c='o.order_id')} AS oid, o.customer_id, o.item_amount, o.shipping_fee, o.pay_amount,
       o.paid_at, o.status, o.region, o.city, o.address_hash, o.created_at, l.titles, l.kinds, l.units,
       o.carrier, o.cancelled_at, o.device, b.refunded, o.shipped_at, o.delivered_at
FROM orders o LEFT JOIN lines l USING (order_id) LEFT JOIN back b USING (order_id)
WHERE o.shop_id = $shop ORDER BY o.created_at, o.order_id
"""

_ITEMS_SQL = f"""
WITH back AS (SELECT order_id, product_id, sum(amount) AS refunded FROM refunds WHERE shop_id = $shop
              GROUP BY ALL)
SELECT {_ORDER_ID.format(c='o.order_id')} AS oid, i.line_no, coalesce(p.name, i.product_id) AS title,
       i.unit_price, i.quantity, i.product_id, o.status, coalesce(i.amount, i.unit_price * i.quantity) AS amount,
       o.paid_at, b.refunded, o.created_at
FROM order_items i JOIN orders o ON o.shop_id = i.shop_id AND o.order_id = i.order_id
LEFT JOIN products p ON p.shop_id = i.shop_id AND p.product_id = i.product_id
LEFT JOIN back b ON b.order_id = i.order_id AND b.product_id = i.product_id
WHERE i.shop_id = $shop ORDER BY o.created_at, o.order_id, i.line_no
"""


def _buyer(customer_id: str | None, oid: str) -> str:
    """买家会员名: the buyer's account (a guest order gets one of its own)."""
    return f"tb_{customer_id}" if customer_id else f"tb_guest{oid[-6:]}"


def _address(region: str | None, city: str | None, address_hash: str | None) -> str:
    """``省 市 区 详细地址`` with the detail masked the way the platform does, the same for the same address."""
    detail = f"{(address_hash or '')[:6]}****号"
    return " ".join(part for part in (region, city, "***区", detail) if part)


def _closed_reason(paid: Any, cancelled: Any) -> str:
    if cancelled is None:
        return "订单未关闭"
    return "退款" if paid is not None else "买家未付款"


def _order_row(r: tuple[Any, ...], shop_name: str) -> list[str | int]:
    (oid, customer, item_amount, shipping, pay, paid_at, status, region, city, address_hash, created, titles,
     kinds, units, carrier, cancelled, device, refunded, shipped, delivered) = r
    phone = f"138****{int((address_hash or '0')[-4:], 16) % 10000:04d}" if address_hash else ""
    return [
        excel_id(oid), _buyer(customer, oid), "**********", money(item_amount), money(shipping), 0, money(pay), 0,
        money(pay if paid_at is not None else 0), 0, status or "", "", "**", _address(region, city, address_hash),
        "快递", "", phone, stamp(created), stamp(paid_at), titles or "", kinds or 0, "", carrier or "", "",
        units or 0, "", shop_name, _closed_reason(paid_at, cancelled), 0, "0元", "",
        "手机订单" if device in ("mobile", "app") else "", "", "", "", "", "", "", 0, 0, "否", money(refunded or 0),
        "", stamp(shipped), stamp(delivered),
    ]


def _item_row(r: tuple[Any, ...]) -> list[str | int]:
    oid, line_no, title, unit_price, quantity, product_id, status, amount, paid_at, refunded, created = r
    sub_id = "4" + oid[3:] + f"{line_no:02d}"  # 19 digits, like the main order id
    return [
        excel_id(sub_id), excel_id(oid), title, money(unit_price), quantity, "", "", "", "", status or "",
        product_id, "", money(amount), money(amount if paid_at is not None else 0),
        "退款成功" if refunded else "没有申请退款", money(refunded or 0), stamp(created), stamp(paid_at),
        item_id(product_id),
    ]


def write_order_reports(con: duckdb.DuckDBPyConnection, shop: str, shop_name: str, folder: Path,
                        exported: dt.datetime) -> list[Path]:
    """ExportOrderList (one row per order) and ExportOrderDetailList (one row per line), named by export time."""
    tag = exported.strftime("%Y%m%d%H%M")
    orders = con.execute(_ORDERS_SQL, {"shop": shop}).fetchall()
    items = con.execute(_ITEMS_SQL, {"shop": shop}).fetchall()
    return [
        write_gbk_csv(folder / f"ExportOrderList{tag}.csv", ORDER_HEADER, (_order_row(r, shop_name) for r in orders)),
        write_gbk_csv(folder / f"ExportOrderDetailList{tag}.csv", ITEM_HEADER, (_item_row(r) for r in items)),
    ]
