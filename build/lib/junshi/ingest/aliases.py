"""The alias table: export headers (English or Chinese) -> canonical columns, per canonical table.

Headers are compared after :func:`normalise` (lower case; spaces, ``_ - . / :`` and bracketed units
such as ``(元)`` removed), so ``Order ID``, ``order_id`` and ``订单编号（元）`` style variants all match.
A canonical column's own name always matches. ``--map src=dst`` overrides this table.
"""

from __future__ import annotations

import re

from junshi.schema import TABLES

ALIASES: dict[str, dict[str, tuple[str, ...]]] = {
    "orders": {
        "order_id": ("订单编号", "订单号", "订单ID", "主订单编号", "order id", "order number", "order no", "invoice no",
                     "invoice"),
        "customer_id": ("买家会员名", "买家ID", "买家昵称", "会员名", "客户ID", "用户ID", "customer", "customer id",
                        "buyer", "buyer id", "user id"),
        "created_at": ("订单创建时间", "下单时间", "创建时间", "created", "order date", "order time", "purchase time",
                       "order created at", "invoice date"),
        "paid_at": ("付款时间", "订单付款时间", "支付时间", "paid", "paid time", "payment time", "payment date"),
        "shipped_at": ("发货时间", "shipped", "ship time", "fulfilled at"),
        "delivered_at": ("签收时间", "确认收货时间", "delivered", "delivery time"),
        "cancelled_at": ("取消时间", "关闭时间", "cancelled", "canceled at"),
        "status": ("订单状态", "状态", "order status", "financial status"),
        "region": ("省份", "收货省份", "地区", "state", "province", "country", "shipping province"),
        "city": ("城市", "收货城市", "shipping city"),
        "item_amount": ("商品金额", "总金额", "买家应付货款", "商品总价", "subtotal", "item total"),
        "discount_amount": ("优惠金额", "折扣金额", "discount", "discount amount"),
        "shipping_fee": ("运费", "买家应付邮费", "邮费", "shipping", "shipping cost", "freight"),
        "pay_amount": ("买家实付金额", "买家实际支付金额", "实付金额", "实付款", "支付金额", "实收款", "total",
                       "amount paid", "paid amount", "payment amount", "order total"),
        "payment_method": ("支付方式", "付款方式", "payment method", "gateway"),
        "source": ("流量来源", "订单来源", "来源", "source", "channel"),
        "device": ("设备", "终端", "device"),
        "is_presale": ("是否预售", "预售", "presale"),
        "deposit_amount": ("定金", "deposit"),
    },
    "order_items": {
        "order_id": ("订单编号", "订单号", "订单ID", "主订单编号", "order id", "order number", "invoice no"),
        "line_no": ("行号", "子订单编号", "明细行号", "line", "line number", "order item id"),
        "product_id": ("商品ID", "宝贝ID", "商品编号", "商家编码", "货号", "sku", "product id", "item id",
                       "stock code", "lineitem sku"),
        "quantity": ("购买数量", "数量", "宝贝数量", "商品数量", "quantity", "qty", "units", "lineitem quantity"),
        "unit_price": ("单价", "商品单价", "价格", "price", "unit price", "lineitem price"),
        "amount": ("金额", "小计", "商品金额", "line amount", "line total", "amount"),
        "unit_cost": ("成本", "单位成本", "成本价", "cost", "unit cost"),
    },
    "products": {
        "product_id": ("商品ID", "宝贝ID", "商品编号", "商家编码", "货号", "sku", "product id", "item id"),
        "name": ("商品名称", "宝贝标题", "商品标题", "标题", "名称", "title", "product name", "name"),
        "category": ("类目", "商品类目", "分类", "category", "product type"),
        "brand": ("品牌", "brand", "vendor"),
        "price": ("售价", "价格", "一口价", "price"),
        "cost": ("成本", "成本价", "cost"),
        "stock": ("库存", "库存数量", "stock", "inventory", "inventory quantity"),
        "is_presale": ("是否预售", "预售", "presale"),
    },
    "customers": {
        "customer_id": ("买家会员名", "买家ID", "会员名", "客户ID", "用户ID", "customer", "customer id", "user id"),
        "registered_at": ("注册时间", "入会时间", "registered", "signup date", "created at"),
        "gender": ("性别", "gender", "sex"),
        "birth_year": ("出生年份", "birth year"),
        "region": ("省份", "地区", "region", "state", "province", "country"),
        "city": ("城市", "city"),
        "acquisition_source": ("获客来源", "来源渠道", "acquisition source", "source"),
    },
    "refunds": {
        "refund_id": ("退款编号", "退款单号", "售后单号", "refund id", "return id"),
        "order_id": ("订单编号", "订单号", "order id"),
        "product_id": ("商品ID", "宝贝ID", "product id", "sku"),
        "created_at": ("退款申请时间", "申请时间", "退款时间", "refund time", "refund date", "created at"),
        "amount": ("退款金额", "买家退款金额", "refund amount", "amount", "refunded amount"),
        "quantity": ("退货数量", "退款数量", "quantity", "return quantity"),
        "reason": ("退款原因", "售后原因", "reason", "refund reason"),
    },
    "reviews": {
        "review_id": ("评价ID", "评价编号", "review id"),
        "order_id": ("订单编号", "订单号", "order id"),
        "product_id": ("商品ID", "宝贝ID", "product id"),
        "customer_id": ("买家会员名", "买家昵称", "customer id", "reviewer"),
        "created_at": ("评价时间", "review time", "review date", "created at"),
        "rating": ("评分", "星级", "rating", "score", "review score", "stars"),
        "dsr_item": ("宝贝与描述相符", "描述相符"),
        "dsr_service": ("卖家服务", "服务态度"),
        "dsr_logistics": ("物流服务", "物流速度"),
        "text": ("评价内容", "评论", "review", "comment", "text"),
    },
    "events": {
        "event_id": ("行为ID", "事件ID", "event id"),
        "session_id": ("访问ID", "会话ID", "session id"),
        "visitor_id": ("访客ID", "用户ID", "visitor id", "user id", "cookie id"),
        "customer_id": ("客户ID", "会员名", "customer id"),
        "ts": ("时间", "行为时间", "timestamp", "time", "event time"),
        "event_type": ("行为类型", "事件类型", "event type", "behavior type", "action"),
        "product_id": ("商品ID", "宝贝ID", "product id", "item id"),
        "page": ("页面", "page", "url"),
        "query": ("搜索词", "关键词", "query", "search term"),
    },
    "sessions": {
        "session_id": ("访问ID", "会话ID", "session id", "visit id"),
        "visitor_id": ("访客ID", "visitor id", "user id", "cookie id"),
        "customer_id": ("客户ID", "会员名", "customer id"),
        "started_at": ("开始时间", "访问时间", "started at", "start time", "visit time"),
        "source": ("流量来源", "来源", "source"),
        "medium": ("媒介", "medium"),
        "campaign": ("推广计划", "计划名称", "campaign"),
        "device": ("设备", "终端", "device"),
        "landing_page": ("着陆页", "入店页面", "landing page"),
        "region": ("地区", "省份", "region"),
    },
    "ad_spend": {
        "date": ("日期", "date", "day"),
        "channel": ("推广渠道", "渠道", "channel"),
        "campaign": ("推广计划", "计划名称", "campaign"),
        "ad_group": ("推广单元", "推广组", "ad group", "adgroup"),
        "creative": ("创意", "创意名称", "creative", "ad"),
        "impressions": ("展现量", "曝光量", "impressions"),
        "clicks": ("点击量", "clicks"),
        "cost": ("花费", "消耗", "cost", "spend"),
        "conversions": ("成交笔数", "总成交笔数", "conversions", "orders"),
        "conversion_value": ("成交金额", "总成交金额", "conversion value", "revenue", "sales"),
    },
    "searches": {
        "search_id": ("搜索ID", "search id"),
        "ts": ("时间", "搜索时间", "timestamp", "time"),
        "visitor_id": ("访客ID", "visitor id", "user id"),
        "session_id": ("访问ID", "session id"),
        "query": ("搜索词", "关键词", "query", "search term", "keyword"),
        "results_count": ("结果数", "results", "results count"),
        "clicked_product_id": ("点击商品ID", "clicked product id"),
    },
    "inventory": {
        "date": ("日期", "date"),
        "product_id": ("商品ID", "宝贝ID", "商家编码", "sku", "product id"),
        "stock": ("库存", "库存数量", "stock", "inventory", "quantity on hand"),
    },
}

# Columns a generic load can make up when the file lacks them (see docs/ingest.md).
DERIVABLE: dict[str, tuple[str, ...]] = {"order_items": ("line_no",)}


def normalise(header: str) -> str:
    """Header text for matching: lower case, bracketed units and separators removed."""
    h = re.sub(r"[(（\[【][^)）\]】]*[)）\]】]", "", header.strip().lower())
    return re.sub(r"[\s_\-./:：#]+", "", h)


def match_headers(table: str, headers: list[str], mapping: dict[str, str]) -> dict[str, str]:
    """canonical column -> header for ``table``; explicit ``mapping`` (header -> column) wins."""
    columns = [c for c in TABLES[table].column_names if c != "shop_id"]
    out: dict[str, str] = {}
    for src, dst in mapping.items():
        tbl, _, col = dst.rpartition(".")
        if src in headers and (not tbl or tbl == table) and col in columns:
            out[col] = src
    taken = set(out.values())
    for col in columns:
        if col in out:
            continue
        wanted = {normalise(col), *(normalise(n) for n in ALIASES.get(table, {}).get(col, ()))}
        for h in headers:
            if h not in taken and normalise(h) in wanted:
                out[col] = h
                taken.add(h)
                break
    return out
