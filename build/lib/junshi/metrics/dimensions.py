"""Dimensions (维度), declared once, as data, beside the metric registry.

A dimension is what a metric can be split or filtered by (``--by source``, ``filters={"device": ["无线"]}``):
its id, zh/en name and description, the group it belongs to, the canonical columns behind it (``table.column``;
none for the time dimensions and the computed ones) and, where the values are a fixed set, their names.
Which metrics a dimension can split follows from the facts (:func:`junshi.metrics.compiler.splittable`).
Every face (CLI, morning note, alerts, API, dashboard) takes dimension labels from here; a test checks that
the declarations match what the facts can resolve.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from junshi.i18n import Lang, Text

Group = Literal["time", "traffic", "product", "order", "customer", "ad", "service"]
GROUPS: dict[Group, Text] = {
    "time": Text(en="Time", zh="时间"), "traffic": Text(en="Traffic", zh="流量"),
    "product": Text(en="Product", zh="商品"), "order": Text(en="Order", zh="订单"),
    "customer": Text(en="Customer", zh="客户"), "ad": Text(en="Promotion", zh="推广"),
    "service": Text(en="Service", zh="服务"),
}


@dataclass(frozen=True, kw_only=True)
class Dimension:
    """One dimension: ``columns`` are the canonical ``table.column`` behind it (none: time or computed);
    ``values``: names of its values when they are a fixed set (e.g. customer_type new / returning)."""

    id: str
    group: Group
    name: Text
    description: Text
    columns: tuple[str, ...] = ()
    values: Mapping[str, Text] = field(default_factory=dict)

    def label(self, lang: Lang) -> str:
        """The dimension's name in ``lang``."""
        return self.name.get(lang)

    def value_label(self, value: str, lang: Lang) -> str:
        """The name of one of its values in ``lang`` (the value itself when it has none)."""
        text = self.values.get(value)
        return text.get(lang) if text else value

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: id, group, name and description (``{"en", "zh"}``), columns, value names."""
        return {"id": self.id, "group": self.group, "name": self.name.to_dict(),
                "description": self.description.to_dict(), "columns": list(self.columns),
                "values": {k: v.to_dict() for k, v in self.values.items()}}


D = Dimension
DIMENSIONS: tuple[Dimension, ...] = (
    # --- time ---
    D(id="date", group="time", name=Text(en="Report date", zh="统计日期"),
      description=Text(en="The first shop-local day a row of a daily report or of ad spend covers.",
                       zh="日报或推广花费行所覆盖的第一个店铺本地日期。"),
      columns=('ad_spend.date', 'daily_product.date', 'daily_shop.date', 'daily_source.date')),
    D(id="day", group="time", name=Text(en="Day", zh="日期"),
      description=Text(en="The shop-local day of the metric's time column (payment time for sales, event time for "
                          "page views ...).",
                       zh="指标时间列（支付金额按付款时间、浏览量按行为时间……）所在的店铺本地日期。"),
      ),
    D(id="hour", group="time", name=Text(en="Hour", zh="小时"),
      description=Text(en="The shop-local hour (0-23) of the metric's time column.",
                       zh="指标时间列的店铺本地小时（0-23）。"),
      ),
    D(id="month", group="time", name=Text(en="Month", zh="月"),
      description=Text(en="The shop-local calendar month (its first day) of the metric's time column.",
                       zh="指标时间列所在的店铺本地自然月（以当月第一天表示）。"),
      ),
    D(id="week", group="time", name=Text(en="Week", zh="周"),
      description=Text(en="The shop-local week (its Monday) of the metric's time column.",
                       zh="指标时间列所在的店铺本地周（以周一表示）。"),
      ),
    D(id="weekday", group="time", name=Text(en="Weekday", zh="星期"),
      description=Text(en="The shop-local day of the week of the metric's time column.",
                       zh="指标时间列的店铺本地星期几。"),
      ),
    # --- traffic ---
    D(id="device", group="traffic", name=Text(en="Device", zh="终端"),
      description=Text(en="The terminal of the visit or order (mobile, pc, app; 无线 / PC as the platform's source "
                          "report names it).",
                       zh="访问或订单的终端（mobile、pc、app；平台来源日报中的 无线 / PC）。"),
      columns=('daily_source.device', 'orders.device', 'sessions.device')),
    D(id="event_id", group="traffic", name=Text(en="Event id", zh="行为ID"),
      description=Text(en='Event id.', zh='行为的行为ID。'),
      columns=('events.event_id',)),
    D(id="event_type", group="traffic", name=Text(en="Event type", zh="行为类型"),
      description=Text(en="page_view, product_view, search, add_to_cart, favorite, begin_checkout, order, payment.",
                       zh="行为的行为类型。"),
      columns=('events.event_type',)),
    D(id="landing_page", group="traffic", name=Text(en="Landing page", zh="落地页"),
      description=Text(en='First page of the visit.', zh='访问的着陆页。'),
      columns=('sessions.landing_page',)),
    D(id="medium", group="traffic", name=Text(en="Medium", zh="媒介"),
      description=Text(en='Medium: organic, cpc, cpm, cps, email, sms, social ....', zh='访问的媒介。'),
      columns=('sessions.medium',)),
    D(id="page", group="traffic", name=Text(en="Page", zh="页面"),
      description=Text(en='Page path or name.', zh='行为的页面。'),
      columns=('events.page',)),
    D(id="page_views", group="traffic", name=Text(en="Page views of the visit", zh="访问浏览次数"),
      description=Text(en="Page views (page_view and product_view events) of the visit.",
                       zh="该访问的页面浏览次数（page_view 与 product_view 行为）。"),
      ),
    D(id="query", group="traffic", name=Text(en="Search words", zh="搜索词"),
      description=Text(en='Search words (search events).', zh='行为的搜索词。'),
      columns=('events.query',)),
    D(id="session_id", group="traffic", name=Text(en="Visit id", zh="访问ID"),
      description=Text(en="Visit the event belongs to; Visit in which the order was placed; Visit id.",
                       zh="行为的访问ID；订单的访问ID；访问的访问ID。"),
      columns=('events.session_id', 'orders.session_id', 'sessions.session_id')),
    D(id="source", group="traffic", name=Text(en="Source", zh="流量来源"),
      description=Text(en="The traffic source: of the visit (orders: of the order; daily source report: 来源明细, "
                          "the source name; ad spend: the ad channel).",
                       zh="流量来源：访问的来源（订单的来源；来源日报的来源明细；推广花费的推广渠道）。"),
      columns=('ad_spend.channel', 'daily_source.source', 'orders.source', 'sessions.source')),
    D(id="source_1", group="traffic", name=Text(en="Source level 1", zh="一级来源"),
      description=Text(en="Source level 1 as the platform's source report gives it (淘内免费, 付费流量, 自主访问, "
                          "淘外流量 ...).",
                       zh="平台来源日报的一级来源（淘内免费、付费流量、自主访问、淘外流量……）。"),
      columns=('daily_source.source_1',)),
    D(id="source_3", group="traffic", name=Text(en="Source level 3", zh="三级来源"),
      description=Text(en="Source level 3 where the platform's source report gives it.",
                       zh="平台来源日报给出的三级来源。"),
      columns=('daily_source.source_3',)),
    D(id="started_at", group="traffic", name=Text(en="Visit start", zh="访问开始时间"),
      description=Text(en='Start of the visit.', zh='访问的开始时间。'),
      columns=('sessions.started_at',)),
    D(id="ts", group="traffic", name=Text(en="Event time", zh="行为时间"),
      description=Text(en='When it happened.', zh='行为的时间。'),
      columns=('events.ts',)),
    D(id="visit_seconds", group="traffic", name=Text(en="Visit duration (s)", zh="访问时长（秒）"),
      description=Text(en="Seconds from the first to the last event of the visit.",
                       zh="该访问第一次到最后一次行为之间的秒数。"),
      ),
    D(id="visitor_id", group="traffic", name=Text(en="Visitor id", zh="访客ID"),
      description=Text(en="Visitor id; Visitor who ordered; Visitor (device or cookie) id.",
                       zh="行为的访客ID；订单的访客ID；访问的访客ID。"),
      columns=('events.visitor_id', 'orders.visitor_id', 'sessions.visitor_id')),
    # --- product ---
    D(id="brand", group="product", name=Text(en="Brand", zh="品牌"),
      description=Text(en='Brand.', zh='商品的品牌。'),
      columns=('products.brand',)),
    D(id="category", group="product", name=Text(en="Category", zh="类目"),
      description=Text(en='Category.', zh='商品的类目。'),
      columns=('products.category',)),
    D(id="product", group="product", name=Text(en="Product", zh="商品"),
      description=Text(en="The product (its id); splitting by it also gives its category, brand and name.",
                       zh="商品（商品ID）；按商品拆分时同时给出其类目、品牌和名称。"),
      columns=('daily_product.product_id', 'events.product_id', 'order_items.product_id', 'refunds.product_id',
               'reviews.product_id')),
    D(id="product_id", group="product", name=Text(en="Product id", zh="商品ID"),
      description=Text(en="The product id as the rows give it (also the item an ad promotes).",
                       zh="各行中的商品ID（也是推广的商品）。"),
      columns=('ad_spend.product_id', 'daily_product.product_id', 'events.product_id', 'order_items.product_id',
               'refunds.product_id', 'reviews.product_id')),
    D(id="product_name", group="product", name=Text(en="Product name", zh="商品名称"),
      description=Text(en='Product title.', zh='商品的商品名称。'),
      columns=('products.name',)),
    # --- order ---
    D(id="address_hash", group="order", name=Text(en="Address fingerprint", zh="地址指纹"),
      description=Text(en='Hash of the delivery address.', zh='订单的地址指纹。'),
      columns=('orders.address_hash',)),
    D(id="amount", group="order", name=Text(en="Amount", zh="金额"),
      description=Text(en='Line amount paid; Amount refunded.', zh='订单明细的金额；退款的退款金额。'),
      columns=('order_items.amount', 'refunds.amount')),
    D(id="cancelled_at", group="order", name=Text(en="Cancelled at", zh="取消时间"),
      description=Text(en='Cancelled or closed.', zh='订单的取消时间。'),
      columns=('orders.cancelled_at',)),
    D(id="carrier", group="order", name=Text(en="Carrier", zh="物流公司"),
      description=Text(en='Carrier (courier company) that shipped the order.', zh='订单的物流公司。'),
      columns=('orders.carrier',)),
    D(id="city", group="order", name=Text(en="City", zh="城市"),
      description=Text(en='Delivery city.', zh='订单的城市。'),
      columns=('orders.city',)),
    D(id="created_at", group="order", name=Text(en="Created at", zh="创建时间"),
      description=Text(en='When the order, refund or review was made.', zh='订单、退款或评价的创建时间。'),
      columns=('orders.created_at', 'refunds.created_at', 'reviews.created_at')),
    D(id="delivered_at", group="order", name=Text(en="Delivered at", zh="签收时间"),
      description=Text(en='Delivered to the buyer.', zh='订单的签收时间。'),
      columns=('orders.delivered_at',)),
    D(id="deposit_amount", group="order", name=Text(en="Deposit", zh="定金"),
      description=Text(en='Presale deposit.', zh='订单的定金。'),
      columns=('orders.deposit_amount',)),
    D(id="device_hash", group="order", name=Text(en="Device fingerprint", zh="设备指纹"),
      description=Text(en="Hash of the buyer's device.", zh='订单的设备指纹。'),
      columns=('orders.device_hash',)),
    D(id="discount_amount", group="order", name=Text(en="Discount", zh="优惠金额"),
      description=Text(en='Discounts on the order.', zh='订单的优惠金额。'),
      columns=('orders.discount_amount',)),
    D(id="ip_hash", group="order", name=Text(en="IP fingerprint", zh="IP指纹"),
      description=Text(en="Hash of the buyer's IP address.", zh='订单的IP指纹。'),
      columns=('orders.ip_hash',)),
    D(id="is_presale", group="order", name=Text(en="Presale", zh="是否预售"),
      description=Text(en='Presale order (deposit, then balance).', zh='订单的是否预售。'),
      columns=('orders.is_presale',)),
    D(id="item_amount", group="order", name=Text(en="Item amount", zh="商品金额"),
      description=Text(en='Sum of the line amounts before discounts.', zh='订单的商品金额。'),
      columns=('orders.item_amount',)),
    D(id="line_no", group="order", name=Text(en="Line number", zh="行号"),
      description=Text(en='Line number within the order.', zh='订单明细的行号。'),
      columns=('order_items.line_no',)),
    D(id="order_id", group="order", name=Text(en="Order id", zh="订单编号"),
      description=Text(en="Order id; Order refunded (null when unknown); Order reviewed.",
                       zh="订单明细的订单编号；订单的订单编号；退款的订单编号；评价的订单编号。"),
      columns=('order_items.order_id', 'orders.order_id', 'refunds.order_id', 'reviews.order_id')),
    D(id="paid_at", group="order", name=Text(en="Paid at", zh="付款时间"),
      description=Text(en='Paid (null: unpaid).', zh='订单的付款时间。'),
      columns=('orders.paid_at',)),
    D(id="pay_amount", group="order", name=Text(en="Amount paid", zh="实付金额"),
      description=Text(en='Amount the buyer paid (支付金额).', zh='订单的实付金额。'),
      columns=('orders.pay_amount',)),
    D(id="payment_method", group="order", name=Text(en="Payment method", zh="支付方式"),
      description=Text(en='Payment method.', zh='订单的支付方式。'),
      columns=('orders.payment_method',)),
    D(id="promised_at", group="order", name=Text(en="Promised delivery", zh="承诺送达时间"),
      description=Text(en="Latest delivery time promised to the buyer (预计送达 / Olist "
                          "order_estimated_delivery_date).",
                       zh="订单的承诺送达时间。"),
      columns=('orders.promised_at',)),
    D(id="quantity", group="order", name=Text(en="Quantity", zh="数量"),
      description=Text(en='Units; Units returned.', zh='订单明细的购买数量；退款的退款数量。'),
      columns=('order_items.quantity', 'refunds.quantity')),
    D(id="reason", group="order", name=Text(en="Refund reason", zh="退款原因"),
      description=Text(en='Reason given.', zh='退款的退款原因。'),
      columns=('refunds.reason',)),
    D(id="refund_id", group="order", name=Text(en="Refund id", zh="退款编号"),
      description=Text(en='Refund id.', zh='退款的退款编号。'),
      columns=('refunds.refund_id',)),
    D(id="region", group="order", name=Text(en="Region", zh="地区"),
      description=Text(en='Delivery province / state / country; Region of the visitor.', zh='订单的地区；访问的地区。'),
      columns=('orders.region', 'sessions.region')),
    D(id="risk_suspect", group="order", name=Text(en="Suspect order", zh="可疑订单"),
      description=Text(en="Whether `junshi risk orders` last scored the order a suspect (刷单); empty: never scored.",
                       zh="`junshi risk orders` 最近一次评分是否判为可疑（刷单）；空：未评分。"),
      columns=('risk_suspects.suspect',)),
    D(id="shipped_at", group="order", name=Text(en="Shipped at", zh="发货时间"),
      description=Text(en='Handed to the carrier.', zh='订单的发货时间。'),
      columns=('orders.shipped_at',)),
    D(id="shipping_fee", group="order", name=Text(en="Shipping fee", zh="运费"),
      description=Text(en='Shipping fee paid by the buyer.', zh='订单的运费。'),
      columns=('orders.shipping_fee',)),
    D(id="status", group="order", name=Text(en="Order status", zh="订单状态"),
      description=Text(en='Platform order status as exported.', zh='订单的订单状态。'),
      columns=('orders.status',)),
    D(id="unit_cost", group="order", name=Text(en="Unit cost", zh="单位成本"),
      description=Text(en='Cost per unit at the time of sale.', zh='订单明细的单位成本。'),
      columns=('order_items.unit_cost',)),
    D(id="unit_price", group="order", name=Text(en="Unit price", zh="单价"),
      description=Text(en='Price per unit.', zh='订单明细的单价。'),
      columns=('order_items.unit_price',)),
    # --- customer ---
    D(id="acquisition_source", group="customer", name=Text(en="Acquisition source", zh="获客来源"),
      description=Text(en='Traffic source of the first visit or order.', zh='客户的获客来源。'),
      columns=('customers.acquisition_source',)),
    D(id="birth_year", group="customer", name=Text(en="Birth year", zh="出生年份"),
      description=Text(en='Year of birth.', zh='客户的出生年份。'),
      columns=('customers.birth_year',)),
    D(id="customer_id", group="customer", name=Text(en="Customer id", zh="客户ID"),
      description=Text(en="Customer id, if logged in; Buyer (null for guest orders); Reviewer; Logged-in customer, "
                          "if known.",
                       zh="行为的客户ID；订单的客户ID；评价的客户ID；访问的客户ID。"),
      columns=('events.customer_id', 'orders.customer_id', 'reviews.customer_id', 'sessions.customer_id')),
    D(id="customer_type", group="customer", name=Text(en="New / returning", zh="新老买家"),
      values={"new": Text(en="New", zh="新买家"), "returning": Text(en="Returning", zh="老买家")},
      description=Text(en="new: the order falls on the buyer's first paid day; returning: the buyer paid on an "
                          "earlier day.",
                       zh="新买家：订单在买家首次付款当天；老买家：买家在更早的某天已付过款。"),
      ),
    D(id="gender", group="customer", name=Text(en="Gender", zh="性别"),
      description=Text(en='f, m or null.', zh='客户的性别。'),
      columns=('customers.gender',)),
    # --- ad ---
    D(id="ad_group", group="ad", name=Text(en="Ad group", zh="推广单元"),
      description=Text(en='Ad group (unit).', zh='推广花费的推广单元。'),
      columns=('ad_spend.ad_group',)),
    D(id="attribution_basis", group="ad", name=Text(en="Attribution basis", zh="统计口径"),
      description=Text(en="What the sales are counted by (万相台 统计口径, e.g. 转化时间 or 触发时间).",
                       zh="推广花费的统计口径。"),
      columns=('ad_spend.attribution_basis',)),
    D(id="attribution_model", group="ad", name=Text(en="Attribution model", zh="效果模型"),
      description=Text(en='Platform attribution model; null when the platform has one.', zh='推广花费的效果模型。'),
      columns=('ad_spend.attribution_model',)),
    D(id="attribution_window", group="ad", name=Text(en="Attribution window", zh="转化周期"),
      description=Text(en='Attribution window, e.g. 1天, 7天, 15天, 30天.', zh='推广花费的转化周期。'),
      columns=('ad_spend.attribution_window',)),
    D(id="campaign", group="ad", name=Text(en="Campaign", zh="推广计划"),
      description=Text(en='Campaign (plan) name; Campaign.', zh='推广花费的推广计划；访问的推广计划。'),
      columns=('ad_spend.campaign', 'sessions.campaign')),
    D(id="campaign_id", group="ad", name=Text(en="Campaign id", zh="计划ID"),
      description=Text(en='Campaign (plan) id as the platform gives it.', zh='推广花费的计划ID。'),
      columns=('ad_spend.campaign_id',)),
    D(id="cart_adds", group="ad", name=Text(en="Cart adds of the ad row", zh="推广行加购数"),
      description=Text(en='Add-to-carts attributed to the ad (总购物车数).', zh='推广花费的加购数。'),
      columns=('ad_spend.cart_adds',)),
    D(id="channel", group="ad", name=Text(en="Ad channel", zh="推广渠道"),
      description=Text(en="The ad channel of ad spend (直通车 CPC, 钻展 CPM, 淘宝客 CPS ...).",
                       zh="推广花费的推广渠道（直通车 CPC、钻展 CPM、淘宝客 CPS……）。"),
      columns=('ad_spend.channel',)),
    D(id="clicks", group="ad", name=Text(en="Clicks of the ad row", zh="推广行点击量"),
      description=Text(en='Clicks.', zh='推广花费的点击量。'),
      columns=('ad_spend.clicks',)),
    D(id="conversion_value", group="ad", name=Text(en="Attributed sales of the ad row", zh="推广行成交金额"),
      description=Text(en='Attributed sales (总成交金额).', zh='推广花费的成交金额。'),
      columns=('ad_spend.conversion_value',)),
    D(id="conversions", group="ad", name=Text(en="Attributed orders of the ad row", zh="推广行成交笔数"),
      description=Text(en='Attributed orders (总成交笔数).', zh='推广花费的成交笔数。'),
      columns=('ad_spend.conversions',)),
    D(id="cost", group="ad", name=Text(en="Spend of the ad row", zh="推广行花费"),
      description=Text(en='Spend.', zh='推广花费的花费。'),
      columns=('ad_spend.cost',)),
    D(id="creative", group="ad", name=Text(en="Creative", zh="创意"),
      description=Text(en='Creative.', zh='推广花费的创意。'),
      columns=('ad_spend.creative',)),
    D(id="direct_conversion_value", group="ad", name=Text(en="Direct ad conversion value", zh="直接成交金额"),
      description=Text(en='Sales of the promoted item itself.', zh='推广花费的直接成交金额。'),
      columns=('ad_spend.direct_conversion_value',)),
    D(id="favorites", group="ad", name=Text(en="Favourites of the ad row", zh="推广行收藏数"),
      description=Text(en='Favourites attributed to the ad (收藏宝贝数).', zh='推广花费的收藏数。'),
      columns=('ad_spend.favorites',)),
    D(id="impressions", group="ad", name=Text(en="Impressions of the ad row", zh="推广行展现量"),
      description=Text(en='Impressions.', zh='推广花费的展现量。'),
      columns=('ad_spend.impressions',)),
    D(id="indirect_conversion_value", group="ad", name=Text(en="Indirect ad conversion value", zh="间接成交金额"),
      description=Text(en='Sales of other items after the ad.', zh='推广花费的间接成交金额。'),
      columns=('ad_spend.indirect_conversion_value',)),
    D(id="keyword", group="ad", name=Text(en="Keyword", zh="关键词"),
      description=Text(en='Keyword bought (search ads).', zh='推广花费的关键词。'),
      columns=('ad_spend.keyword',)),
    # --- service ---
    D(id="dsr_item", group="service", name=Text(en="Review DSR item score", zh="评价描述相符评分"),
      description=Text(en='DSR item as described, 1-5.', zh='评价的宝贝与描述相符。'),
      columns=('reviews.dsr_item',)),
    D(id="dsr_logistics", group="service", name=Text(en="Review DSR logistics score", zh="评价物流服务评分"),
      description=Text(en='DSR logistics, 1-5.', zh='评价的物流服务。'),
      columns=('reviews.dsr_logistics',)),
    D(id="dsr_service", group="service", name=Text(en="Review DSR service score", zh="评价卖家服务评分"),
      description=Text(en='DSR seller service, 1-5.', zh='评价的卖家服务。'),
      columns=('reviews.dsr_service',)),
    D(id="rating", group="service", name=Text(en="Rating", zh="评分"),
      description=Text(en='1-5 stars.', zh='评价的评分。'),
      columns=('reviews.rating',)),
    D(id="review_id", group="service", name=Text(en="Review id", zh="评价ID"),
      description=Text(en='Review id.', zh='评价的评价ID。'),
      columns=('reviews.review_id',)),
    D(id="text", group="service", name=Text(en="Review text", zh="评价内容"),
      description=Text(en='Review text.', zh='评价的评价内容。'),
      columns=('reviews.text',)),
)

REGISTRY: dict[str, Dimension] = {d.id: d for d in DIMENSIONS}
"""Dimension id -> declaration."""


def dimension_label(dim: str, lang: Lang) -> str:
    """The name of dimension ``dim`` in ``lang`` (the id for a name no declaration knows)."""
    d = REGISTRY.get(dim)
    return d.label(lang) if d else dim


def value_label(dim: str, value: str, lang: Lang) -> str:
    """The name of a value of dimension ``dim`` in ``lang`` (the value itself when it has none)."""
    d = REGISTRY.get(dim)
    return d.value_label(value, lang) if d else value
