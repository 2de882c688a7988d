"""The canonical tables: the data contract every part of Junshi reads and writes.

Types are SQL types as DuckDB names them; ``ibis_schema`` gives the Ibis equivalent for other engines.
Timestamps are the shop's local wall-clock time (``shops.timezone``), without a zone: days, weeks and
hours are then shop-local on every engine. Money is DECIMAL(18,2) in the shop's currency.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import ibis

SCHEMA_VERSION = 3

MONEY = "DECIMAL(18,2)"
_IBIS_TYPES = {"VARCHAR": "string", "BIGINT": "int64", "INTEGER": "int32", "DOUBLE": "float64",
               "BOOLEAN": "boolean", "DATE": "date", "TIMESTAMP": "timestamp", MONEY: "decimal(18, 2)"}
"""The Ibis type of each SQL type, as Ibis spells it (the declarations import no Ibis: a server's first page
reads them without it)."""


@dataclass(frozen=True)
class Column:
    """One column: name, SQL type, meaning in zh and en; ``required`` columns may not be null; ``compression``:
    DuckDB's compression of the column when not its own choice."""

    name: str
    type: str
    zh: str
    en: str
    required: bool = False
    compression: str | None = None


@dataclass(frozen=True)
class Table:
    """One canonical table; ``key`` identifies a row (re-loading a row with the same key replaces it)."""

    name: str
    zh: str
    en: str
    key: tuple[str, ...]
    columns: tuple[Column, ...]

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"{self.name}.{name}")

    def ibis_schema(self) -> ibis.Schema:
        import ibis

        return ibis.schema({c.name: _IBIS_TYPES[c.type] for c in self.columns})

    def create_sql(self) -> str:
        cols = ",\n  ".join(f'"{c.name}" {c.type}' + (f" USING COMPRESSION {c.compression}" if c.compression else "")
                            for c in self.columns)
        return f'CREATE TABLE IF NOT EXISTS "{self.name}" (\n  {cols}\n)'


def _c(name: str, type_: str, zh: str, en: str, required: bool = False) -> Column:
    return Column(name, type_, zh, en, required)


SHOP_ID = _c("shop_id", "VARCHAR", "店铺ID", "Shop id; every row carries it", True)

# Daily facts: what platforms report per day (生意参谋, 京东商智, 罗盘), at the grain they report it. A row
# covers ``days`` days from ``date`` (1 for a daily report; a period report gives the platform's own figure
# for the whole period, the only correct multi-day distinct count). Measure columns carry metric ids.
_PERIOD = (
    _c("date", "DATE", "统计日期", "First shop-local day the row covers", True),
    _c("days", "INTEGER", "统计天数", "Days the row covers from date (1 = one day)", True),
)


def _measures(*names: str) -> tuple[Column, ...]:
    return tuple(_DAILY_MEASURES[n] for n in names)


_DAILY_MEASURES: dict[str, Column] = {c.name: c for c in (
    _c("uv", "BIGINT", "访客数", "Distinct visitors (the platform's figure for the row's days)"),
    _c("pv", "BIGINT", "浏览量", "Page views"),
    _c("paid_buyers", "BIGINT", "支付买家数", "Distinct paying buyers"),
    _c("paid_orders", "BIGINT", "支付订单数", "Paid orders (支付子订单数 / 成交单量)"),
    _c("sales", MONEY, "支付金额", "Amount paid"),
    _c("units", "BIGINT", "支付件数", "Units paid"),
    _c("order_buyers", "BIGINT", "下单买家数", "Distinct buyers who placed an order"),
    _c("placed_orders", "BIGINT", "下单笔数", "Orders placed"),
    _c("order_units", "BIGINT", "下单件数", "Units ordered"),
    _c("order_amount", MONEY, "下单金额", "Amount ordered"),
    _c("cart_visitors", "BIGINT", "加购人数", "Distinct visitors who added to cart"),
    _c("cart_units", "BIGINT", "加购件数", "Units added to cart"),
    _c("favorite_visitors", "BIGINT", "收藏人数", "Distinct visitors who favourited"),
    _c("new_visitors", "BIGINT", "新访客数", "Visitors on their first visit"),
    _c("returning_visitors", "BIGINT", "老访客数", "Visitors who had visited before"),
    _c("new_buyers", "BIGINT", "支付新买家数", "Paying buyers buying for the first time"),
    _c("returning_buyers", "BIGINT", "支付老买家数", "Paying buyers who had bought before"),
    _c("refund_amount", MONEY, "成功退款金额", "Refunds completed"),
    _c("avg_visit_seconds", "DOUBLE", "平均停留时长", "Mean seconds on the pages (seconds)"),
    _c("bounce_rate", "DOUBLE", "跳失率", "Share of visitors who left after one page (0-1)"),
    _c("search_uv", "BIGINT", "搜索引导访客数", "Visitors brought by on-platform search"),
    _c("search_paid_buyers", "BIGINT", "搜索引导支付买家数", "Paying buyers brought by on-platform search"),
)}

TABLES: dict[str, Table] = {
    t.name: t
    for t in [
        Table("shops", "店铺", "Shops in the warehouse", ("shop_id",), (
            SHOP_ID,
            _c("name", "VARCHAR", "店铺名称", "Shop name"),
            _c("platform", "VARCHAR", "平台", "Platform: tmall, taobao, jd, pdd, douyin, shopify, own ..."),
            _c("currency", "VARCHAR", "币种", "ISO 4217 currency of all money columns, e.g. CNY", True),
            _c("timezone", "VARCHAR", "时区", "IANA time zone of all timestamps, e.g. Asia/Shanghai", True),
        )),
        Table("products", "商品", "Catalogue", ("shop_id", "product_id"), (
            SHOP_ID,
            _c("product_id", "VARCHAR", "商品ID", "Product id (SKU or listing id)", True),
            _c("name", "VARCHAR", "商品名称", "Product title"),
            _c("category", "VARCHAR", "类目", "Category"),
            _c("brand", "VARCHAR", "品牌", "Brand"),
            _c("price", MONEY, "售价", "List price"),
            _c("cost", MONEY, "成本", "Unit cost of goods"),
            _c("stock", "INTEGER", "库存", "Units in stock now"),
            _c("is_presale", "BOOLEAN", "是否预售", "Sold by presale (deposit, then balance)"),
        )),
        Table("customers", "客户", "Customers (buyers and members)", ("shop_id", "customer_id"), (
            SHOP_ID,
            _c("customer_id", "VARCHAR", "客户ID", "Customer id (buyer account)", True),
            _c("registered_at", "TIMESTAMP", "注册时间", "Registration time"),
            _c("gender", "VARCHAR", "性别", "f, m or null"),
            _c("birth_year", "INTEGER", "出生年份", "Year of birth"),
            _c("region", "VARCHAR", "地区", "Province / state / country"),
            _c("city", "VARCHAR", "城市", "City"),
            _c("acquisition_source", "VARCHAR", "获客来源", "Traffic source of the first visit or order"),
        )),
        Table("sessions", "访问", "Visits (sessions)", ("shop_id", "session_id"), (
            SHOP_ID,
            _c("session_id", "VARCHAR", "访问ID", "Visit id", True),
            _c("visitor_id", "VARCHAR", "访客ID", "Visitor (device or cookie) id", True),
            _c("customer_id", "VARCHAR", "客户ID", "Logged-in customer, if known"),
            _c("started_at", "TIMESTAMP", "开始时间", "Start of the visit", True),
            _c("source", "VARCHAR", "流量来源", "Traffic source, e.g. 直通车, search, direct"),
            _c("medium", "VARCHAR", "媒介", "Medium: organic, cpc, cpm, cps, email, sms, social ..."),
            _c("campaign", "VARCHAR", "推广计划", "Campaign"),
            _c("device", "VARCHAR", "设备", "mobile, pc, app ..."),
            _c("landing_page", "VARCHAR", "着陆页", "First page of the visit"),
            _c("region", "VARCHAR", "地区", "Region of the visitor"),
        )),
        Table("events", "行为", "What visitors did, one row per action", ("shop_id", "event_id"), (
            SHOP_ID,
            _c("event_id", "VARCHAR", "行为ID", "Event id", True),
            _c("session_id", "VARCHAR", "访问ID", "Visit the event belongs to"),
            _c("visitor_id", "VARCHAR", "访客ID", "Visitor id", True),
            _c("customer_id", "VARCHAR", "客户ID", "Customer id, if logged in"),
            _c("ts", "TIMESTAMP", "时间", "When it happened", True),
            _c("event_type", "VARCHAR", "行为类型",
               "page_view, product_view, search, add_to_cart, favorite, begin_checkout, order, payment", True),
            _c("product_id", "VARCHAR", "商品ID", "Product concerned, if any"),
            _c("page", "VARCHAR", "页面", "Page path or name"),
            _c("query", "VARCHAR", "搜索词", "Search words (search events)"),
        )),
        Table("orders", "订单", "Orders; an order is paid when paid_at is set", ("shop_id", "order_id"), (
            SHOP_ID,
            _c("order_id", "VARCHAR", "订单编号", "Order id", True),
            _c("customer_id", "VARCHAR", "客户ID", "Buyer (null for guest orders)"),
            _c("visitor_id", "VARCHAR", "访客ID", "Visitor who ordered"),
            _c("session_id", "VARCHAR", "访问ID", "Visit in which the order was placed"),
            _c("created_at", "TIMESTAMP", "下单时间", "Order placed", True),
            _c("paid_at", "TIMESTAMP", "付款时间", "Paid (null: unpaid)"),
            _c("shipped_at", "TIMESTAMP", "发货时间", "Handed to the carrier"),
            _c("delivered_at", "TIMESTAMP", "签收时间", "Delivered to the buyer"),
            _c("cancelled_at", "TIMESTAMP", "取消时间", "Cancelled or closed"),
            _c("status", "VARCHAR", "订单状态", "Platform order status as exported"),
            _c("source", "VARCHAR", "流量来源", "Traffic source of the order"),
            _c("device", "VARCHAR", "设备", "Device of the order"),
            _c("region", "VARCHAR", "地区", "Delivery province / state / country"),
            _c("city", "VARCHAR", "城市", "Delivery city"),
            _c("item_amount", MONEY, "商品金额", "Sum of the line amounts before discounts"),
            _c("discount_amount", MONEY, "优惠金额", "Discounts on the order"),
            _c("shipping_fee", MONEY, "运费", "Shipping fee paid by the buyer"),
            _c("pay_amount", MONEY, "实付金额", "Amount the buyer paid (支付金额)"),
            _c("is_presale", "BOOLEAN", "是否预售", "Presale order (deposit, then balance)"),
            _c("deposit_amount", MONEY, "定金", "Presale deposit"),
            _c("payment_method", "VARCHAR", "支付方式", "Payment method"),
            _c("address_hash", "VARCHAR", "地址指纹", "Hash of the delivery address"),
            _c("ip_hash", "VARCHAR", "IP指纹", "Hash of the buyer's IP address"),
            _c("device_hash", "VARCHAR", "设备指纹", "Hash of the buyer's device"),
            _c("promised_at", "TIMESTAMP", "承诺送达时间",
               "Latest delivery time promised to the buyer (预计送达 / Olist order_estimated_delivery_date)"),
            _c("carrier", "VARCHAR", "物流公司", "Carrier (courier company) that shipped the order"),
        )),
        Table("order_items", "订单明细", "Order lines", ("shop_id", "order_id", "line_no"), (
            SHOP_ID,
            _c("order_id", "VARCHAR", "订单编号", "Order id", True),
            _c("line_no", "INTEGER", "行号", "Line number within the order", True),
            _c("product_id", "VARCHAR", "商品ID", "Product id", True),
            _c("quantity", "INTEGER", "购买数量", "Units", True),
            _c("unit_price", MONEY, "单价", "Price per unit"),
            _c("amount", MONEY, "金额", "Line amount paid"),
            _c("unit_cost", MONEY, "单位成本", "Cost per unit at the time of sale"),
        )),
        Table("refunds", "退款", "Refunds", ("shop_id", "refund_id"), (
            SHOP_ID,
            _c("refund_id", "VARCHAR", "退款编号", "Refund id", True),
            _c("order_id", "VARCHAR", "订单编号", "Order refunded (null when unknown)"),
            _c("product_id", "VARCHAR", "商品ID", "Product refunded"),
            _c("created_at", "TIMESTAMP", "退款时间", "Refund time", True),
            _c("amount", MONEY, "退款金额", "Amount refunded", True),
            _c("quantity", "INTEGER", "退款数量", "Units returned"),
            _c("reason", "VARCHAR", "退款原因", "Reason given"),
        )),
        Table("reviews", "评价", "Reviews and detailed seller ratings", ("shop_id", "review_id"), (
            SHOP_ID,
            _c("review_id", "VARCHAR", "评价ID", "Review id", True),
            _c("order_id", "VARCHAR", "订单编号", "Order reviewed"),
            _c("product_id", "VARCHAR", "商品ID", "Product reviewed"),
            _c("customer_id", "VARCHAR", "客户ID", "Reviewer"),
            _c("created_at", "TIMESTAMP", "评价时间", "Review time", True),
            _c("rating", "INTEGER", "评分", "1-5 stars"),
            _c("dsr_item", "INTEGER", "宝贝与描述相符", "DSR item as described, 1-5"),
            _c("dsr_service", "INTEGER", "卖家服务", "DSR seller service, 1-5"),
            _c("dsr_logistics", "INTEGER", "物流服务", "DSR logistics, 1-5"),
            _c("text", "VARCHAR", "评价内容", "Review text"),
        )),
        Table("ad_spend", "推广花费",
              "Daily paid promotion per channel, campaign, unit, keyword, creative and item, under the "
              "platform's attribution setting (rows of different settings must never be added together)",
              ("shop_id", "date", "channel", "campaign", "ad_group", "creative", "keyword", "product_id",
               "attribution_model", "attribution_basis", "attribution_window"), (
            SHOP_ID,
            _c("date", "DATE", "日期", "Shop-local day", True),
            _c("channel", "VARCHAR", "推广渠道", "直通车 (CPC), 钻展 (CPM), 淘宝客 (CPS), ...", True),
            _c("campaign", "VARCHAR", "推广计划", "Campaign (plan) name"),
            _c("ad_group", "VARCHAR", "推广单元", "Ad group (unit)"),
            _c("creative", "VARCHAR", "创意", "Creative"),
            _c("impressions", "BIGINT", "展现量", "Impressions"),
            _c("clicks", "BIGINT", "点击量", "Clicks"),
            _c("cost", MONEY, "花费", "Spend", True),
            _c("conversions", "BIGINT", "成交笔数", "Attributed orders (总成交笔数)"),
            _c("conversion_value", MONEY, "成交金额", "Attributed sales (总成交金额)"),
            _c("campaign_id", "VARCHAR", "计划ID", "Campaign (plan) id as the platform gives it"),
            _c("keyword", "VARCHAR", "关键词", "Keyword bought (search ads)"),
            _c("product_id", "VARCHAR", "商品ID", "Item promoted (主体ID of item reports)"),
            _c("attribution_model", "VARCHAR", "效果模型",
               "Platform attribution model (万相台 效果模型, e.g. 点击/展现+点击); null when the platform has one"),
            _c("attribution_basis", "VARCHAR", "统计口径",
               "What the sales are counted by (万相台 统计口径, e.g. 转化时间 or 触发时间)"),
            _c("attribution_window", "VARCHAR", "转化周期", "Attribution window, e.g. 1天, 7天, 15天, 30天"),
            _c("direct_conversion_value", MONEY, "直接成交金额", "Sales of the promoted item itself"),
            _c("indirect_conversion_value", MONEY, "间接成交金额", "Sales of other items after the ad"),
            _c("cart_adds", "BIGINT", "加购数", "Add-to-carts attributed to the ad (总购物车数)"),
            _c("favorites", "BIGINT", "收藏数", "Favourites attributed to the ad (收藏宝贝数)"),
        )),
        Table("searches", "站内搜索", "On-site searches", ("shop_id", "search_id"), (
            SHOP_ID,
            _c("search_id", "VARCHAR", "搜索ID", "Search id", True),
            _c("ts", "TIMESTAMP", "时间", "When searched", True),
            _c("visitor_id", "VARCHAR", "访客ID", "Visitor id"),
            _c("session_id", "VARCHAR", "访问ID", "Visit id"),
            _c("query", "VARCHAR", "搜索词", "Search words", True),
            _c("results_count", "INTEGER", "结果数", "Number of results shown"),
            _c("clicked_product_id", "VARCHAR", "点击商品ID", "Product clicked from the results"),
        )),
        Table("inventory", "库存", "Daily stock per product", ("shop_id", "date", "product_id"), (
            SHOP_ID,
            _c("date", "DATE", "日期", "Shop-local day", True),
            _c("product_id", "VARCHAR", "商品ID", "Product id", True),
            _c("stock", "INTEGER", "库存", "Units in stock at the end of the day", True),
        )),
        Table("benchmarks", "同行对标", "Peer benchmarks (同行同层平均 / 优秀)",
              ("shop_id", "date", "metric", "level"), (
            SHOP_ID,
            _c("date", "DATE", "日期", "Shop-local day", True),
            _c("metric", "VARCHAR", "指标", "Metric id from the registry", True),
            _c("level", "VARCHAR", "层级", "peer_avg (同行同层平均) or peer_top (同行同层优秀)", True),
            _c("value", "DOUBLE", "数值", "Benchmark value", True),
        )),
        Table("daily_shop", "店铺日报", "Shop per day as the platform reports it (生意参谋 整体看板 / 取数)",
              ("shop_id", "date", "days"), (
            SHOP_ID, *_PERIOD,
            *_measures("uv", "pv", "paid_buyers", "paid_orders", "sales", "units", "order_buyers", "placed_orders",
                       "order_amount", "cart_visitors", "favorite_visitors", "new_visitors", "returning_visitors",
                       "new_buyers", "returning_buyers", "refund_amount", "avg_visit_seconds", "bounce_rate"),
        )),
        Table("daily_source", "来源日报", "Traffic source per day (生意参谋 店铺来源, 京东商智 来源); a visitor "
              "arriving from two sources counts in both", ("shop_id", "date", "days", "device", "source_1",
                                                          "source", "source_3"), (
            SHOP_ID, *_PERIOD,
            _c("device", "VARCHAR", "终端", "Terminal as the platform names it (无线, PC); null = all"),
            _c("source_1", "VARCHAR", "流量来源", "Source level 1 (淘内免费, 付费流量, 自主访问, 淘外流量 ...)"),
            _c("source", "VARCHAR", "来源明细", "Source level 2, the source name (手淘搜索, 直通车, 购物车 ...)", True),
            _c("source_3", "VARCHAR", "三级来源", "Source level 3 where the platform gives it"),
            *_measures("uv", "pv", "paid_buyers", "paid_orders", "sales", "order_buyers", "cart_visitors",
                       "favorite_visitors", "new_visitors"),
        )),
        Table("daily_product", "商品日报", "Product per day (生意参谋 商品效果 / 商品360, 京东商智 SKU)",
              ("shop_id", "date", "days", "product_id"), (
            SHOP_ID, *_PERIOD,
            _c("product_id", "VARCHAR", "商品ID", "Item id (kept as text: 12-digit ids)", True),
            *_measures("uv", "pv", "avg_visit_seconds", "bounce_rate", "cart_visitors", "cart_units",
                       "favorite_visitors", "order_buyers", "order_units", "order_amount", "paid_buyers",
                       "paid_orders", "units", "sales", "new_buyers", "returning_buyers", "refund_amount",
                       "search_uv", "search_paid_buyers"),
        )),
        Table("settlements", "结算流水",
              "Money moved in or out of the shop's platform account (抖店 动账明细 / 结算账单): sales settled, "
              "refunds taken back, fees and commissions charged", ("shop_id", "settlement_id"), (
            SHOP_ID,
            _c("settlement_id", "VARCHAR", "动账流水号", "Movement id as the platform gives it", True),
            _c("ts", "TIMESTAMP", "动账时间", "When the money moved", True),
            _c("amount", MONEY, "动账金额", "Amount moved: positive into the shop's account, negative out of it", True),
            _c("account", "VARCHAR", "动账账户", "Account moved (e.g. 聚合账户, 微信, 支付宝)"),
            _c("scene", "VARCHAR", "动账场景", "What moved it (e.g. 订单结算, 退款, 保证金)"),
            _c("billing_type", "VARCHAR", "计费类型", "Billing type as the platform names it"),
            _c("order_id", "VARCHAR", "订单号", "Order concerned (the main order)"),
            _c("sub_order_id", "VARCHAR", "子订单号", "Sub-order concerned"),
            _c("order_amount", MONEY, "订单实付应结", "Buyer's payment settled for the order"),
            _c("shipping_amount", MONEY, "运费实付", "Shipping fee the buyer paid, settled"),
            _c("platform_subsidy", MONEY, "实际平台补贴", "Platform subsidy paid to the shop"),
            _c("refund_amount", MONEY, "订单退款", "Refund taken back from the shop (positive)"),
            _c("platform_fee", MONEY, "平台服务费", "Platform service fee charged (positive)"),
            _c("commission", MONEY, "佣金", "Commission charged for influencers or affiliates (positive)"),
            _c("service_fee", MONEY, "招商服务费", "Service fee charged for the promoter (团长/招商, positive)"),
            _c("promotion_fee", MONEY, "站外推广费", "Off-platform promotion fee charged (positive)"),
            _c("note", "VARCHAR", "备注", "Platform note"),
        )),
        Table("quarantine", "隔离区", "Rows that could not be loaded, with why",
              ("shop_id", "table_name", "source_file", "source_line"), (
            SHOP_ID,
            _c("table_name", "VARCHAR", "目标表", "Canonical table the row was meant for", True),
            _c("source_file", "VARCHAR", "来源文件", "File the row came from", True),
            _c("source_line", "BIGINT", "来源行号", "Line in that file (1 = first data row)", True),
            _c("reason", "VARCHAR", "原因", "Why it was rejected", True),
            _c("raw", "VARCHAR", "原始内容", "The row as read, as JSON"),
            _c("run_id", "VARCHAR", "导入批次", "Ingest run that rejected it"),
        )),
        Table("loads", "导入记录", "One row per file per ingest run", ("shop_id", "run_id", "source_file"), (
            SHOP_ID,
            _c("run_id", "VARCHAR", "导入批次", "Ingest run id", True),
            _c("source_file", "VARCHAR", "来源文件", "File loaded", True),
            _c("file_sha256", "VARCHAR", "文件摘要", "SHA-256 of the file's bytes"),
            _c("preset", "VARCHAR", "预设", "Preset used, if any"),
            _c("table_name", "VARCHAR", "目标表", "Canonical table(s) written, comma-separated"),
            _c("rows_loaded", "BIGINT", "已导入行数", "Rows written"),
            _c("rows_quarantined", "BIGINT", "隔离行数", "Rows sent to quarantine"),
            _c("started_at", "TIMESTAMP", "开始时间", "Start of the run (UTC)"),
            _c("finished_at", "TIMESTAMP", "结束时间", "End of the run (UTC)"),
        )),
        Table("schedules", "定时推送", "Reports sent on a schedule (junshi schedule); secrets are never shown",
              ("shop_id", "schedule_id"), (
            SHOP_ID,
            _c("schedule_id", "VARCHAR", "任务名", "Name of the schedule", True),
            _c("period", "VARCHAR", "报表周期", "Report period: day, week or month (ending the day before it fires)",
               True),
            _c("at_time", "VARCHAR", "发送时间", "Shop-local time of day it fires, HH:MM", True),
            _c("on_days", "VARCHAR", "发送日", "daily, a weekday (mon .. sun) or a day of the month (1 .. 28)", True),
            _c("channel", "VARCHAR", "渠道", "dingtalk, wecom, feishu, slack or email", True),
            _c("target", "VARCHAR", "接收地址", "Webhook URL, or smtp:// URL for e-mail (never shown in full)", True),
            _c("secret", "VARCHAR", "密钥", "Signing secret or SMTP password (never shown)"),
            _c("lang", "VARCHAR", "语言", "zh or en"),
            _c("wait_hours", "DOUBLE", "等待数据时长", "Hours to wait for the day's data before sending it marked "
               "incomplete"),
            _c("dashboard_url", "VARCHAR", "看板地址", "Link to the dashboard in the message"),
            _c("created_at", "TIMESTAMP", "创建时间", "When it was added (UTC)"),
        )),
        Table("deliveries", "推送记录", "One row per report delivery: none is sent twice, none is lost unseen",
              ("shop_id", "delivery_key"), (
            SHOP_ID,
            _c("delivery_key", "VARCHAR", "幂等键", "What, to whom and which day: a delivery happens once", True),
            _c("schedule_id", "VARCHAR", "任务名", "Schedule that fired it (null: junshi push)"),
            _c("channel", "VARCHAR", "渠道", "dingtalk, wecom, feishu, slack or email", True),
            _c("target", "VARCHAR", "接收方", "Target with its secret parts masked"),
            _c("report_date", "DATE", "报表日期", "Last day of the report"),
            _c("status", "VARCHAR", "状态", "sending, sent, failed or alerted (a failure notice was sent instead)",
               True),
            _c("attempts", "INTEGER", "尝试次数", "Requests made"),
            _c("error", "VARCHAR", "错误", "Last error"),
            _c("started_at", "TIMESTAMP", "开始时间", "First attempt (UTC)"),
            _c("finished_at", "TIMESTAMP", "完成时间", "Sent or given up (UTC)"),
        )),
        Table("risk_suspects", "订单风险评分", "The last risk score of every order scored by junshi risk orders "
              "(刷单 suspects: suspect is true); --clean reads orders, lines, refunds and reviews without the suspects",
              ("shop_id", "order_id"), (
            SHOP_ID,
            _c("order_id", "VARCHAR", "订单ID", "Order scored", True),
            _c("score", "DOUBLE", "风险分", "Risk score (0-1): the weights of the signals that fired"),
            _c("reasons_en", "VARCHAR", "原因（英文）", "Reasons that fired, in English"),
            _c("reasons_zh", "VARCHAR", "原因（中文）", "Reasons that fired, in Chinese"),
            _c("scored_at", "TIMESTAMP", "评分时间", "When it was scored"),
            _c("suspect", "BOOLEAN", "可疑", "Score at or above the threshold of that scoring"),
        )),
    ]
}

SYSTEM_TABLES = ("shops", "quarantine", "loads", "schedules", "deliveries", "risk_suspects")
"""Tables Junshi writes itself; never loaded from files."""

DAILY_TABLES = ("daily_shop", "daily_source", "daily_product")
"""Daily fact tables: per-day aggregates as platforms report them (see the note above ``_PERIOD``)."""

FACT_TABLES = ("sessions", "events", "orders", "order_items", "refunds", "reviews", "ad_spend",
               "searches", "inventory", "benchmarks", *DAILY_TABLES, "settlements")
