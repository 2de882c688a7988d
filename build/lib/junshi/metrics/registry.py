"""The metric registry (口径): every metric Junshi shows, declared once, as data.

Base metrics aggregate a fact (see ``facts.py``) over the rows whose time falls in the period;
derived metrics are computed from other metrics *after* aggregation, so a ratio is always the ratio
of its totals in each cell, never an average of ratios.
"""

from __future__ import annotations

from typing import Any

from junshi.i18n import Text
from junshi.metrics.facts import PRODUCT_DIMS, PV_TYPES, SOURCE_DIMS
from junshi.metrics.model import Agg, Metric, Source, col, difference, ratio
from junshi.schema import TABLES

PD = PRODUCT_DIMS


def _is_pv(t: Any) -> Any:
    return t.event_type.isin(PV_TYPES)


def _is_product_view(t: Any) -> Any:
    return t.event_type.isin(PV_TYPES) & t.product_id.notnull()


def _event(kind: str) -> Any:
    def where(t: Any) -> Any:
        return t.event_type == kind

    return where


def _is_paid(t: Any) -> Any:
    return t.paid_at.notnull()


def _is_new(t: Any) -> Any:
    return t.customer_type == "new"


def _is_returning(t: Any) -> Any:
    return t.customer_type == "returning"


def _line_amount(t: Any) -> Any:
    return t.amount.cast("decimal(38, 2)").coalesce((t.quantity * t.unit_price).cast("decimal(38, 2)"))


def _line_cost(t: Any) -> Any:
    return (t.quantity * t.unit_cost.coalesce(t.product_cost)).cast("decimal(38, 2)")


def _hours_to_ship(t: Any) -> Any:
    return (t.shipped_at.epoch_seconds() - t.paid_at.epoch_seconds()) / 3600.0


def _days_to_deliver(t: Any) -> Any:
    return (t.delivered_at.epoch_seconds() - t.shipped_at.epoch_seconds()) / 86400.0


def late_delivery(t: Any) -> Any:
    """1.0 when an order was delivered on a (shop-local) day after its promised day, else 0.0."""
    return (t.delivered_at.date() > t.promised_at.date()).cast("float64")


def _suspect(t: Any) -> Any:
    return t.risk_suspect.fill_null(False)


def _positive(t: Any) -> Any:
    return (t.rating >= 4).cast("float64")


def _rated(t: Any) -> Any:
    return t.rating.notnull()


def _second_click(pv: Any, visits_with_pv: Any) -> Any:
    return ratio()(difference(pv, visits_with_pv), pv)


def _buyers(fact: str, lines: str, where: Any = None, needs: tuple[str, ...] = ()) -> tuple[Source, ...]:
    """Distinct buyers: from order lines when split by product, else from orders."""
    return (Source(lines, "nunique", col("buyer"), where, when=PD, needs=needs),
            Source(fact, "nunique", col("buyer"), where, needs=needs))


def _daily(column: str, agg: Agg = "reported") -> tuple[Source, ...]:
    """The daily reports' ``column`` (named after the metric): the shop report; by source the source
    report, by product the product report. ``reported``: a distinct count (see ``facts.DAILY_RULES``)."""
    return tuple(
        Source(fact, agg, col(column), when=when)
        for fact, when in (("daily_shop", ()), ("daily_source", SOURCE_DIMS), ("daily_product", PD))
        if column in TABLES[fact].column_names
    )


_DAILY_NOTE_ZH = ("只有平台日报（生意参谋等）时取日报数字：单日为当天数字，多日为恰好覆盖该时段的平台周期数字，"
                  "否则为每日数字之和并加注（同一人在两天出现计两次）。")
_DAILY_NOTE_EN = ("From the platform's daily reports when the shop has only those: one day's figure; over several "
                  "days the platform's period figure covering exactly those days, else the sum of the daily "
                  "figures with a note (a person on two days counts twice).")
_DAILY_SUM_ZH = "只有平台日报时为日报每日数字之和。"
_DAILY_SUM_EN = "From the platform's daily reports when the shop has only those: the sum of the daily figures."

METRICS: tuple[Metric, ...] = (
    # --- traffic 流量 ---
    Metric(
        id="pv", name=Text(en="Page views", zh="浏览量"),
        definition=Text(
            en="Pages viewed: events of type page_view or product_view, counted on the event's day.",
            zh="访客浏览页面的次数：行为表中类型为 page_view 或 product_view 的行为数，按行为时间计入。"),
        unit="count", direction="up", additive=True,
        sources=(Source("events", "count", where=_is_pv), *_daily("pv", "sum"))),
    Metric(
        id="uv", name=Text(en="Visitors", zh="访客数"),
        definition=Text(
            en="Distinct visitors with a page view (page_view or product_view) in the period, by the time of the view "
               "(as 生意参谋 defines it): a visit crossing midnight counts on both days; split by source, the visitors "
               "whose views belong to visits from that source; split by product, the visitors who viewed that product. "
               "Without sessions, from the events' views; without events, by visit start. Visitors of days or sources "
               "do not add up to the visitors of the whole. " + _DAILY_NOTE_EN,
            zh="期间内浏览过店铺页面或商品页（page_view 或 product_view）的去重访客数，按浏览时间计入（生意参谋口径）："
               "跨零点的访问在两天都计入；按来源拆分时为其浏览属于该来源访问的访客；按商品拆分时为浏览该商品的访客。"
               "没有访问表时用行为表的浏览，没有行为表时用访问开始时间。各天、各来源的访客数不能相加。"
               + _DAILY_NOTE_ZH),
        unit="count", direction="up", additive=False,
        sources=(Source("events", "nunique", col("visitor_id"), _is_product_view, when=PD),
                 Source("visit_days", "nunique", col("visitor_id")),
                 Source("events", "nunique", col("visitor_id"), _is_pv, unless=PD),
                 Source("sessions", "nunique", col("visitor_id")),
                 *_daily("uv"))),
    Metric(
        id="visits", name=Text(en="Visits", zh="访问次数"),
        definition=Text(en="Visits (sessions) started in the period.", zh="期间内开始的访问（会话）数。"),
        unit="count", direction="up", additive=True,
        sources=(Source("sessions", "count"), Source("events", "nunique", col("session_id"), unless=PD))),
    Metric(
        id="bounced_visits", name=Text(en="Bounced visits", zh="跳失访问数"),
        definition=Text(
            en="Visits with exactly one page view (page_view/product_view event).",
            zh="只浏览了一个页面（恰好一次 page_view/product_view）的访问数。"),
        unit="count", direction="down", additive=True,
        sources=(Source("visits", "count", where=lambda t: t.page_views == 1),)),
    Metric(
        id="bounce_rate", name=Text(en="Bounce rate", zh="跳失率"),
        definition=Text(
            en="Bounced visits / visits: the share of visits that viewed one page and left.",
            zh="跳失访问数 / 访问次数：只看了一个页面就离开的访问占比。"),
        unit="ratio", direction="down", additive=False, parts=("bounced_visits", "visits"), combine=ratio()),
    Metric(
        id="visit_page_views", name=Text(en="Page views in visits", zh="访问浏览量"),
        definition=Text(
            en="Sum of the page views of the visits (page views that belong to a visit).",
            zh="各访问的页面浏览次数之和（只含属于某次访问的浏览）。"),
        unit="count", direction="up", additive=True, sources=(Source("visits", "sum", col("page_views")),),
        public=False),
    Metric(
        id="visits_with_pv", name=Text(en="Visits with a page view", zh="有浏览的访问数"),
        definition=Text(en="Visits with at least one page view.", zh="至少有一次页面浏览的访问数。"),
        unit="count", direction="up", additive=True,
        sources=(Source("visits", "count", where=lambda t: t.page_views >= 1),), public=False),
    Metric(
        id="second_click_rate", name=Text(en="Second-click rate", zh="二跳率"),
        definition=Text(
            en="(page views in visits - visits with a page view) / page views in visits: the share of page "
               "views followed by another page view in the same visit.",
            zh="（访问浏览量 - 有浏览的访问数）/ 访问浏览量：页面浏览之后在同一访问中还有下一次浏览的比例。"),
        unit="ratio", direction="up", additive=False, parts=("visit_page_views", "visits_with_pv"),
        combine=_second_click),
    Metric(
        id="pages_per_visit", name=Text(en="Pages per visit", zh="平均访问深度"),
        definition=Text(en="Page views / visits.", zh="浏览量 / 访问次数。"),
        unit="count", direction="up", additive=False, parts=("pv", "visits"), combine=ratio()),
    Metric(
        id="avg_visit_seconds", name=Text(en="Average visit duration", zh="平均停留时长"),
        definition=Text(
            en="Mean seconds from the first to the last event of a visit, over visits with events "
               "(a one-event visit counts 0 seconds).",
            zh="有行为的访问中，第一次到最后一次行为之间的秒数的平均值（只有一次行为的访问记 0 秒）。"),
        unit="seconds", direction="up", additive=False, sources=(Source("visits", "mean", col("visit_seconds")),)),
    Metric(
        id="cart_visitors", name=Text(en="Add-to-cart visitors", zh="加购人数"),
        definition=Text(en="Distinct visitors with an add_to_cart event.", zh="有 add_to_cart 行为的不同访客数。"),
        unit="count", direction="up", additive=False,
        sources=(Source("events", "nunique", col("visitor_id"), _event("add_to_cart")), *_daily("cart_visitors"))),
    Metric(
        id="add_to_cart_rate", name=Text(en="Add-to-cart rate", zh="加购率"),
        definition=Text(en="Add-to-cart visitors / visitors.", zh="加购人数 / 访客数。"),
        unit="ratio", direction="up", additive=False, parts=("cart_visitors", "uv"), combine=ratio()),
    Metric(
        id="favorite_visitors", name=Text(en="Favouriting visitors", zh="收藏人数"),
        definition=Text(en="Distinct visitors with a favorite event.", zh="有 favorite 行为的不同访客数。"),
        unit="count", direction="up", additive=False,
        sources=(Source("events", "nunique", col("visitor_id"), _event("favorite")), *_daily("favorite_visitors"))),
    Metric(
        id="favorite_rate", name=Text(en="Favourite rate", zh="收藏率"),
        definition=Text(en="Favouriting visitors / visitors.", zh="收藏人数 / 访客数。"),
        unit="ratio", direction="up", additive=False, parts=("favorite_visitors", "uv"), combine=ratio()),
    # --- conversion 转化 ---
    Metric(
        id="placed_orders", name=Text(en="Orders placed", zh="下单笔数"),
        definition=Text(
            en="Orders created in the period (including ones later cancelled or never paid).",
            zh="期间内创建的订单数（含之后取消或未付款的）。"),
        unit="count", direction="up", additive=True,
        sources=(Source("lines_placed", "nunique", col("order_id"), when=PD), Source("orders_placed", "count"),
                 *_daily("placed_orders", "sum"))),
    Metric(
        id="order_buyers", name=Text(en="Ordering buyers", zh="下单买家数"),
        definition=Text(
            en="Distinct buyers who placed an order in the period; a buyer is the customer_id, else the "
               "visitor_id, else the order itself.",
            zh="期间内下过单的不同买家数；买家 = customer_id，没有时用 visitor_id，都没有时每笔订单算一位买家。"),
        unit="count", direction="up", additive=False,
        sources=(*_buyers("orders_placed", "lines_placed"), *_daily("order_buyers"))),
    Metric(
        id="order_conversion_rate", name=Text(en="Order conversion rate", zh="下单转化率"),
        definition=Text(
            en="Ordering buyers / visitors. Use it instead of payment conversion while presale deposits run.",
            zh="下单买家数 / 访客数。预售定金期内用它代替支付转化率。"),
        unit="ratio", direction="up", additive=False, parts=("order_buyers", "uv"), combine=ratio()),
    Metric(
        id="paid_buyers", name=Text(en="Paying buyers", zh="支付买家数"),
        definition=Text(
            en="Distinct buyers of the orders paid in the period (paid_at in it); buyers as for ordering buyers.",
            zh="期间内付款（paid_at 在期间内）的不同买家数；买家的认定同下单买家数。"),
        unit="count", direction="up", additive=False,
        sources=(*_buyers("orders_paid", "lines_paid"), *_daily("paid_buyers"))),
    Metric(
        id="paid_orders", name=Text(en="Paid orders", zh="支付订单数"),
        definition=Text(en="Orders paid in the period.", zh="期间内付款的订单数。"),
        unit="count", direction="up", additive=True,
        sources=(Source("lines_paid", "nunique", col("order_id"), when=PD), Source("orders_paid", "count"),
                 *_daily("paid_orders", "sum"))),
    Metric(
        id="payment_conversion_rate", name=Text(en="Payment conversion rate", zh="支付转化率"),
        definition=Text(en="Paying buyers / visitors.", zh="支付买家数 / 访客数。"),
        unit="ratio", direction="up", additive=False, parts=("paid_buyers", "uv"), combine=ratio()),
    Metric(
        id="order_paid_buyers", name=Text(en="Ordering buyers who paid", zh="下单且支付买家数"),
        definition=Text(
            en="Distinct buyers who placed an order in the period that has been paid (by now).",
            zh="期间内下单、且该订单已付款（至今）的不同买家数。"),
        unit="count", direction="up", additive=False, sources=_buyers("orders_placed", "lines_placed", _is_paid),
        public=False),
    Metric(
        id="order_to_payment_rate", name=Text(en="Order-to-payment rate", zh="下单-支付转化率"),
        definition=Text(en="Ordering buyers who paid / ordering buyers.", zh="下单且支付买家数 / 下单买家数。"),
        unit="ratio", direction="up", additive=False, parts=("order_paid_buyers", "order_buyers"), combine=ratio()),
    # --- sales 销售 ---
    Metric(
        id="sales", name=Text(en="Sales", zh="支付金额"),
        definition=Text(
            en="Sum of pay_amount of the orders paid in the period, on the day paid; split by product, the sum "
               "of the order lines' amount (without shipping and order-level discounts, so products need not add "
               "up to the shop's sales).",
            zh="期间内付款订单的实付金额 pay_amount 之和，计入付款日；按商品拆分时为订单行金额 amount 之和"
               "（不含运费和整单优惠，故各商品之和不必等于店铺支付金额）。"),
        unit="money", direction="up", additive=True,
        sources=(Source("lines_paid", "sum", _line_amount, when=PD), Source("orders_paid", "sum", col("pay_amount")),
                 *_daily("sales", "sum"))),
    Metric(
        id="units", name=Text(en="Units sold", zh="支付件数"),
        definition=Text(
            en="Units in the order lines of the orders paid in the period.",
            zh="期间内付款订单的商品件数（订单行 quantity 之和）。"),
        unit="count", direction="up", additive=True,
        sources=(Source("lines_paid", "sum", col("quantity")), *_daily("units", "sum"))),
    Metric(
        id="spend_per_buyer", name=Text(en="Spend per buyer", zh="客单价"),
        definition=Text(
            en="Sales / paying buyers (so that sales = visitors x payment conversion x spend per buyer).",
            zh="支付金额 / 支付买家数（使 支付金额 = 访客数 x 支付转化率 x 客单价 成立）。"),
        unit="money", direction="up", additive=False, parts=("sales", "paid_buyers"), combine=ratio()),
    Metric(
        id="avg_order_value", name=Text(en="Average order value", zh="笔单价"),
        definition=Text(en="Sales / paid orders.", zh="支付金额 / 支付订单数。"),
        unit="money", direction="up", additive=False, parts=("sales", "paid_orders"), combine=ratio()),
    Metric(
        id="uv_value", name=Text(en="Visitor value", zh="UV价值"),
        definition=Text(en="Sales / visitors.", zh="支付金额 / 访客数。"),
        unit="money", direction="up", additive=False, parts=("sales", "uv"), combine=ratio()),
    Metric(
        id="refund_amount", name=Text(en="Refunds", zh="退款金额"),
        definition=Text(
            en="Sum of the refunds made in the period (created_at).",
            zh="期间内发生（created_at）的退款金额之和。"),
        unit="money", direction="down", additive=True,
        sources=(Source("refunds", "sum", col("amount")), *_daily("refund_amount", "sum"))),
    Metric(
        id="refund_rate", name=Text(en="Refund rate", zh="退款率"),
        definition=Text(en="Refunds / sales (of the same period).", zh="退款金额 / 支付金额（同一期间）。"),
        unit="ratio", direction="down", additive=False, parts=("refund_amount", "sales"), combine=ratio()),
    Metric(
        id="net_sales", name=Text(en="Net sales", zh="净支付金额"),
        definition=Text(en="Sales - refunds.", zh="支付金额 - 退款金额。"),
        unit="money", direction="up", additive=True, parts=("sales", "refund_amount"), combine=difference),
    Metric(
        id="cogs", name=Text(en="Cost of goods sold", zh="商品成本"),
        definition=Text(
            en="Sum over the lines of the orders paid in the period of quantity x unit cost (the line's "
               "unit_cost, else the product's cost).",
            zh="期间内付款订单行的 件数 x 单位成本（订单行 unit_cost，没有时用商品表 cost）之和。"),
        unit="money", direction="down", additive=True,
        sources=(Source("lines_paid", "sum", _line_cost, needs=("product_cost",),
                        valued=("unit_cost", "product_cost")),)),
    Metric(
        id="gross_profit", name=Text(en="Gross profit", zh="毛利"),
        definition=Text(en="Net sales - cost of goods sold.", zh="净支付金额 - 商品成本。"),
        unit="money", direction="up", additive=True, parts=("net_sales", "cogs"), combine=difference),
    Metric(
        id="gross_margin", name=Text(en="Gross margin", zh="毛利率"),
        definition=Text(en="Gross profit / net sales; empty when net sales are not above 0 (refunds of earlier "
                           "orders exceeding the period's sales).",
                        zh="毛利 / 净支付金额；净支付金额不大于 0 时（之前订单的退款超过本期支付金额）留空。"),
        unit="ratio", direction="up", additive=False, parts=("gross_profit", "net_sales"),
        combine=ratio(positive=True)),
    # --- customers 客户 ---
    Metric(
        id="new_buyers", name=Text(en="New buyers", zh="新买家数"),
        definition=Text(
            en="Distinct paying buyers whose order was paid on their first paid day (first purchase in the period).",
            zh="期间内在首次付款当天付款的不同买家数（首次付款日在期间内）。"),
        unit="count", direction="up", additive=False,
        sources=(*_buyers("orders_paid", "lines_paid", _is_new, ("customer_type",)), *_daily("new_buyers"))),
    Metric(
        id="returning_buyers", name=Text(en="Returning buyers", zh="老买家数"),
        definition=Text(
            en="Distinct buyers who paid in the period and had already paid on an earlier day.",
            zh="期间内付款、且在更早的某天已付过款的不同买家数。"),
        unit="count", direction="up", additive=False,
        sources=(*_buyers("orders_paid", "lines_paid", _is_returning, ("customer_type",)),
                 *_daily("returning_buyers"))),
    Metric(
        id="returning_buyer_share", name=Text(en="Returning-buyer share", zh="老买家占比"),
        definition=Text(
            en="Returning buyers / paying buyers: the share of the period's buyers who had paid on an earlier day "
               "(not the repurchase rate).",
            zh="老买家数 / 支付买家数：期间付款的买家中，在更早某天已付过款的占比（不是复购率）。"),
        unit="ratio", direction="up", additive=False, parts=("returning_buyers", "paid_buyers"), combine=ratio()),
    Metric(
        id="repeat_buyers", name=Text(en="Repeat buyers", zh="重复购买买家数"),
        definition=Text(
            en="Distinct buyers who paid on two or more different days of the period (orders paid on one day, e.g. one "
               "checkout split into several orders, are one purchase).",
            zh="期间内在两个或以上不同日期付款的不同买家数（同一天付款的多笔订单，如一次下单被拆成多笔，只算一次购买）。"),
        unit="count", direction="up", additive=False,
        sources=(Source("lines_paid", "repeat", col("buyer"), when=PD), Source("orders_paid", "repeat", col("buyer")))),
    Metric(
        id="repurchase_rate", name=Text(en="Repurchase rate", zh="复购率"),
        definition=Text(
            en="Repeat buyers / paying buyers: the share of the period's buyers who paid on two or more different days "
               "of it (as 生意参谋 counts it). Counted by days, not orders: orders paid on one day are one purchase.",
            zh="重复购买买家数 / 支付买家数：期间付款的买家中，在期间内两个或以上不同日期付款的占比（生意参谋口径）。"
               "按天而非按订单计：同一天的多笔订单算一次购买。"),
        unit="ratio", direction="up", additive=False, parts=("repeat_buyers", "paid_buyers"), combine=ratio()),
    # --- promotion 推广 ---
    Metric(
        id="impressions", name=Text(en="Impressions", zh="展现量"),
        definition=Text(en="Sum of impressions in ad spend.", zh="推广花费表的展现量之和。"),
        unit="count", direction="up", additive=True, sources=(Source("ad_spend", "sum", col("impressions")),)),
    Metric(
        id="clicks", name=Text(en="Clicks", zh="点击量"),
        definition=Text(en="Sum of clicks in ad spend.", zh="推广花费表的点击量之和。"),
        unit="count", direction="up", additive=True, sources=(Source("ad_spend", "sum", col("clicks")),)),
    Metric(
        id="ctr", name=Text(en="Click-through rate", zh="点击率"),
        definition=Text(en="Clicks / impressions.", zh="点击量 / 展现量。"),
        unit="ratio", direction="up", additive=False, parts=("clicks", "impressions"), combine=ratio()),
    Metric(
        id="ad_cost", name=Text(en="Ad spend", zh="推广花费"),
        definition=Text(
            en="Sum of ad spend cost; split by source, the source is the ad channel.",
            zh="推广花费表的花费之和；按来源拆分时来源即推广渠道 channel。"),
        unit="money", direction="none", additive=True, sources=(Source("ad_spend", "sum", col("cost")),)),
    Metric(
        id="ad_conversions", name=Text(en="Ad conversions", zh="推广成交笔数"),
        definition=Text(
            en="Sum of the orders the ad platform attributes to the ads.",
            zh="推广平台归因的成交笔数之和。"),
        unit="count", direction="up", additive=True, sources=(Source("ad_spend", "sum", col("conversions")),)),
    Metric(
        id="ad_sales", name=Text(en="Ad-attributed sales", zh="推广成交金额"),
        definition=Text(
            en="Sum of the sales the ad platform attributes to the ads.",
            zh="推广平台归因的成交金额之和。"),
        unit="money", direction="up", additive=True, sources=(Source("ad_spend", "sum", col("conversion_value")),)),
    Metric(
        id="cpc", name=Text(en="Cost per click", zh="平均点击花费"),
        definition=Text(en="Ad spend / clicks.", zh="推广花费 / 点击量。"),
        unit="money", direction="down", additive=False, parts=("ad_cost", "clicks"), combine=ratio()),
    Metric(
        id="cpm", name=Text(en="Cost per mille", zh="千次展现花费"),
        definition=Text(en="Ad spend / impressions x 1000.", zh="推广花费 / 展现量 x 1000。"),
        unit="money", direction="down", additive=False, parts=("ad_cost", "impressions"), combine=ratio(1000.0)),
    Metric(
        id="cpa", name=Text(en="Cost per acquisition", zh="每笔成交花费"),
        definition=Text(en="Ad spend / ad conversions.", zh="推广花费 / 推广成交笔数。"),
        unit="money", direction="down", additive=False, parts=("ad_cost", "ad_conversions"), combine=ratio()),
    Metric(
        id="roas", name=Text(en="Return on ad spend", zh="投入产出比"),
        definition=Text(en="Ad-attributed sales / ad spend (ROI).", zh="推广成交金额 / 推广花费（ROI）。"),
        unit="ratio", direction="up", additive=False, parts=("ad_sales", "ad_cost"), combine=ratio()),
    Metric(
        id="spend_ratio", name=Text(en="Promotion spend ratio", zh="推广费占比"),
        definition=Text(
            en="Ad spend / sales of the same period. 3-5% is usual; above 10% is a warning. Split by a dimension sales "
               "cannot be split by (a campaign, a keyword), the campaign's spend over the shop's sales of the period "
               "(the campaigns add up to the shop's ratio).",
            zh="推广花费 / 支付金额（同一期间）。3-5% 常见，超过 10% 需要警惕。"
               "按推广计划等支付金额无法拆分的维度拆分时，"
               "为该计划的花费 / 全店同期支付金额（各计划之和即全店推广费占比）。"),
        unit="ratio", direction="down", additive=False, parts=("ad_cost", "sales"), combine=ratio(), whole=("sales",)),
    Metric(
        id="break_even_roas", name=Text(en="Break-even ROAS", zh="盈亏平衡投入产出比"),
        definition=Text(
            en="Net sales / gross profit (= 1 / gross margin): below this return on ad spend, the gross profit the "
               "ads bring does not cover their cost. Needs the cost of goods (order lines' unit_cost or the "
               "products' cost). Empty when the gross profit is not above 0 (no return on ad spend breaks even).",
            zh="净支付金额 / 毛利（= 1 / 毛利率）：推广成交金额 / 推广花费低于此值时，推广带来的毛利抵不过花费。"
               "需要商品成本（订单行 unit_cost 或商品表 cost）。毛利不大于 0 时留空（任何投入产出比都不能盈亏平衡）。"),
        unit="ratio", direction="down", additive=False, parts=("net_sales", "gross_profit"),
        combine=ratio(positive=True)),
    Metric(
        id="visitor_cost", name=Text(en="Visitor cost", zh="访客成本"),
        definition=Text(en="Ad spend / visitors.", zh="推广花费 / 访客数。"),
        unit="money", direction="down", additive=False, parts=("ad_cost", "uv"), combine=ratio()),
    # --- risk 风控 ---
    Metric(
        id="suspect_orders", name=Text(en="Suspect orders", zh="可疑订单数"),
        definition=Text(
            en="Orders placed in the period that `junshi risk orders` last scored as suspects (刷单, fake orders), "
               "on the day placed; orders never scored are not suspects.",
            zh="期间内下单、且 `junshi risk orders` 最近一次评分为可疑（刷单）的订单数，按下单时间计入；"
               "未评分的订单不算可疑。"),
        unit="count", direction="down", additive=True,
        sources=(Source("orders_placed", "count", where=_suspect, needs=("risk_suspect",)),)),
    Metric(
        id="suspect_share", name=Text(en="Suspect order share", zh="可疑订单占比"),
        definition=Text(
            en="Suspect orders / orders placed (of the same period): the share of the orders that are suspects "
               "(刷单).",
            zh="可疑订单数 / 下单笔数（同一期间）：刷单等可疑订单在下单中的占比。"),
        unit="ratio", direction="down", additive=False, parts=("suspect_orders", "placed_orders"), combine=ratio()),
    # --- service 服务 ---
    Metric(
        id="dsr_item", name=Text(en="DSR item as described", zh="宝贝与描述相符"),
        definition=Text(
            en="Mean dsr_item (1-5) of the reviews of the 180 days up to the end of the period (or of each time cell).",
            zh="截至期末（或各时间格末）近 180 天评价的 dsr_item 平均分（1-5）。"),
        unit="score", direction="up", additive=False, sources=(Source("reviews", "mean", col("dsr_item")),),
        rolling_days=180),
    Metric(
        id="dsr_service", name=Text(en="DSR seller service", zh="卖家服务"),
        definition=Text(
            en="Mean dsr_service (1-5) of the reviews of the 180 days up to the end of the period "
               "(or of each time cell).",
            zh="截至期末（或各时间格末）近 180 天评价的 dsr_service 平均分（1-5）。"),
        unit="score", direction="up", additive=False, sources=(Source("reviews", "mean", col("dsr_service")),),
        rolling_days=180),
    Metric(
        id="dsr_logistics", name=Text(en="DSR logistics", zh="物流服务"),
        definition=Text(
            en="Mean dsr_logistics (1-5) of the reviews of the 180 days up to the end of the period "
               "(or of each time cell).",
            zh="截至期末（或各时间格末）近 180 天评价的 dsr_logistics 平均分（1-5）。"),
        unit="score", direction="up", additive=False, sources=(Source("reviews", "mean", col("dsr_logistics")),),
        rolling_days=180),
    Metric(
        id="positive_review_rate", name=Text(en="Positive review rate", zh="好评率"),
        definition=Text(
            en="Reviews of the period rated 4-5 / reviews with a rating.",
            zh="期间内评分 4-5 星的评价 / 有评分的评价。"),
        unit="ratio", direction="up", additive=False, sources=(Source("reviews", "mean", _positive, _rated),)),
    Metric(
        id="hours_to_ship", name=Text(en="Hours to ship", zh="平均发货时长"),
        definition=Text(
            en="Mean hours from payment to shipping of the orders shipped in the period.",
            zh="期间内发货的订单从付款到发货的平均小时数。"),
        unit="hours", direction="down", additive=False,
        sources=(Source("orders_shipped", "mean", _hours_to_ship, _is_paid),)),
    Metric(
        id="days_to_deliver", name=Text(en="Days to deliver", zh="平均配送天数"),
        definition=Text(
            en="Mean days from shipping to delivery of the orders delivered in the period.",
            zh="期间内签收的订单从发货到签收的平均天数。"),
        unit="days", direction="down", additive=False,
        sources=(Source("orders_delivered", "mean", _days_to_deliver, lambda t: t.shipped_at.notnull()),)),
    Metric(
        id="late_delivery_share", name=Text(en="Late delivery share", zh="延迟送达率"),
        definition=Text(
            en="Of the orders delivered in the period with a promised day, the share delivered on a (shop-local) day "
               "after the promised day.",
            zh="期间内签收且有承诺送达日的订单中，签收日（店铺时区）晚于承诺送达日的占比。"),
        unit="ratio", direction="down", additive=False,
        sources=(Source("orders_delivered", "mean", late_delivery, lambda t: t.promised_at.notnull()),)),
)

REGISTRY: dict[str, Metric] = {m.id: m for m in METRICS}
