"""The rollup tables: the grain and measure columns of the daily fact tables, plus exact id sets.

A rollup row is one shop-local day (``days`` = 1) of one cell (source x device x region; in
``rollup_products`` one product, its category and brand looked up from the products table; in
``rollup_product_cells`` one product in one cell, as a diagnosis drilling into products reads, and in
``rollup_product_margins`` one product and one value of one cell dimension, merged from those; in
``rollup_landing`` one landing page; in ``rollup_margins`` one value of one cell dimension, or the whole shop,
merged from the visits and paid rollups' cells; in ``rollup_categories`` one category of the catalogue, merged
from its products' rows; in ``rollup_plan_visitors`` one visitor, with or without a plan); its measure
columns carry metric ids as in ``daily_shop``/``daily_source``/``daily_product``, and ``*_set`` columns the
cell's distinct visitors or buyers as serialized Roaring bitmaps of dense ids (``rollup_ids``). The 风控 page's
tables (:data:`RISK`), ``rollup_review_tags`` (each day's review texts with their aspects, so the 服务 page runs
no tagger), the visit paths attribution reads (:data:`PATHS`) and the searchers the search terms read
(:data:`SEARCH`) are kept by the same refresh.
"""

from __future__ import annotations

from junshi.schema import MONEY, Column, Table
from junshi.schema import TABLES as CANONICAL
from junshi.schema.tables import SHOP_ID

CELL_DIMS = ("source", "device", "region")
"""The dimensions a rollup row is split by (besides the day)."""
BUYER_DIMS = ("customer_type",)
"""The dimensions of the paying buyer a paid rollup row is also split by: new (the order falls on the buyer's
first paid day) or returning, as the metric layer's ``customer_type``."""


def _c(name: str, type_: str, zh: str, en: str, required: bool = False) -> Column:
    # an id set is read a few rows at a time: stored uncompressed (DuckDB would pick ZSTD for a segment written at
    # once, which any read decompresses whole: 0.26 s CPU for one day's set of a 104M-event shop's margins)
    return Column(name, type_, zh, en, required, "uncompressed" if name.endswith("_set") else None)


_CELL = (
    SHOP_ID,
    _c("date", "DATE", "日期", "Shop-local day", True),
    _c("days", "INTEGER", "统计天数", "Days the row covers (always 1)", True),
    _c("source", "VARCHAR", "流量来源", "Traffic source"),
    _c("device", "VARCHAR", "设备", "Device"),
    _c("region", "VARCHAR", "地区", "Region"),
)

VISITS = Table("rollup_visits", "访客日汇总", "Visitors and page views per day and cell (by page-view time)",
               ("shop_id", "date", "source", "device", "region"), (
    *_CELL,
    _c("uv", "BIGINT", "访客数", "Distinct visitors with a page view that day (visit's source, device, region)"),
    _c("pv", "BIGINT", "浏览量", "Page views that day"),
    _c("uv_set", "BLOB", "访客集合", "The visitors as a Roaring bitmap of dense ids"),
))
_BUYER_TYPE = _c("customer_type", "VARCHAR", "新老买家", "new: the buyer's first paid day; returning: paid before",
                 True)
PAID = Table("rollup_paid", "支付日汇总",
             "Paid orders per payment day and cell (the order's source, device, region; new or returning buyer)",
             ("shop_id", "date", "source", "device", "region", "customer_type"), (
    *_CELL,
    _BUYER_TYPE,
    _c("paid_orders", "BIGINT", "支付订单数", "Orders paid that day"),
    _c("sales", MONEY, "支付金额", "Sum of pay_amount of the orders paid that day"),
    _c("paid_buyers", "BIGINT", "支付买家数", "Distinct buyers of those orders"),
    _c("paid_buyers_set", "BLOB", "支付买家集合", "The buyers as a Roaring bitmap of dense ids"),
))
PRODUCTS = Table(
    "rollup_products", "商品日汇总",
    "Per day and product: its viewers and add-to-cart visitors (by event time), its paid order lines (by payment "
    "time)", ("shop_id", "date", "product_id"), (
        *_CELL[:3],
        _c("product_id", "VARCHAR", "商品ID", "Product id"),
        _c("uv", "BIGINT", "商品访客数", "Distinct visitors with a page or product view of the product that day"),
        _c("uv_set", "BLOB", "商品访客集合", "Those visitors as a Roaring bitmap of dense ids"),
        _c("cart_visitors", "BIGINT", "加购人数", "Distinct visitors with an add_to_cart of the product that day"),
        _c("cart_visitors_set", "BLOB", "加购人集合", "Those visitors as a Roaring bitmap of dense ids"),
        _c("paid_orders", "BIGINT", "支付订单数", "Orders paid that day with a line of the product"),
        _c("sales", MONEY, "支付金额", "Line amounts (amount, else quantity x unit_price) of those lines"),
        _c("units", "BIGINT", "支付件数", "Units of those lines"),
        _c("line_cost", MONEY, "订单行成本", "Quantity x unit_cost of those lines with a unit_cost (empty: none)"),
        _c("units_without_cost", "BIGINT", "无成本件数", "Units of those lines without a unit_cost (empty: none), "
           "valued at the product's cost when read, so that a catalogue's new cost needs no refresh"),
        _c("paid_buyers", "BIGINT", "支付买家数", "Distinct buyers of those orders"),
        _c("paid_buyers_set", "BLOB", "支付买家集合", "The buyers as a Roaring bitmap of dense ids"),
    ))
PRODUCT_CELLS = Table(
    "rollup_product_cells", "商品渠道日汇总",
    "Per day, product and cell: its viewers by the visit's source, device and region (event time; customer_type "
    "empty), and its paid order lines by the order's source, device, region and new or returning buyer (payment "
    "time), in separate rows", ("shop_id", "date", "product_id", "source", "device", "region", "customer_type"), (
        *_CELL[:3],
        _c("product_id", "VARCHAR", "商品ID", "Product id"),
        *_CELL[3:],
        _c("customer_type", "VARCHAR", "新老买家", "Paid rows: new or returning buyer; viewer rows: empty"),
        _c("uv", "BIGINT", "商品访客数", "Distinct visitors with a page or product view of the product that day"),
        _c("uv_set", "BLOB", "商品访客集合", "Those visitors as a Roaring bitmap of dense ids"),
        _c("paid_orders", "BIGINT", "支付订单数", "Orders paid that day with a line of the product"),
        _c("sales", MONEY, "支付金额", "Line amounts (amount, else quantity x unit_price) of those lines"),
        _c("units", "BIGINT", "支付件数", "Units of those lines"),
        _c("paid_buyers", "BIGINT", "支付买家数", "Distinct buyers of those orders"),
        _c("paid_buyers_set", "BLOB", "支付买家集合", "The buyers as a Roaring bitmap of dense ids"),
    ))
LANDING = Table(
    "rollup_landing", "落地页日汇总",
    "Per day and landing page: visitors with a page view that day in visits landing there (by page-view time), and "
    "the visits started that day landing there with their page views (by visit start)",
    ("shop_id", "date", "landing_page"), (
        *_CELL[:3],
        _c("landing_page", "VARCHAR", "落地页", "The visit's landing page"),
        _c("uv", "BIGINT", "访客数", "Distinct visitors with a page view that day in visits landing on the page"),
        _c("uv_set", "BLOB", "访客集合", "Those visitors as a Roaring bitmap of dense ids"),
        _c("visits", "BIGINT", "访问次数", "Visits started that day"),
        _c("bounced_visits", "BIGINT", "跳失访问数", "Of those, visits with exactly one page view"),
        _c("visits_with_pv", "BIGINT", "有浏览的访问数", "Of those, visits with a page view"),
        _c("visit_page_views", "BIGINT", "访问浏览量", "Page views of those visits (from the day before their start "
           "to the day after)"),
    ))
MARGINS = Table(
    "rollup_margins", "单维日汇总",
    "Per day and one value of source, device, region or (buyers) customer_type, or the whole shop: its distinct "
    "visitors and paying buyers, the union of the visits and paid rollups' cells of that value (empty where no "
    "cell has it), so that a day's split by one dimension reads one stored count and several days' one set per "
    "value", ("shop_id", "date", "dimension", "source", "device", "region", "customer_type"), (
        *_CELL[:3],
        _c("dimension", "VARCHAR", "维度", "The dimension the row is a value of (source, device, region, "
           "customer_type); empty: the whole shop"),
        *_CELL[3:],
        _c("customer_type", "VARCHAR", "新老买家", "The row's value of its dimension (the other columns empty)"),
        _c("uv", "BIGINT", "访客数", "Distinct visitors of the rollup_visits cells with that value (empty: none)"),
        _c("uv_set", "BLOB", "访客集合", "Those visitors as a Roaring bitmap of dense ids"),
        _c("paid_buyers", "BIGINT", "支付买家数", "Distinct buyers of the rollup_paid cells with that value (empty: "
           "none)"),
        _c("paid_buyers_set", "BLOB", "支付买家集合", "Those buyers as a Roaring bitmap of dense ids"),
    ))
PRODUCT_MARGINS = Table(
    "rollup_product_margins", "商品单维日汇总",
    "Per day, product and one value of source, device, region or customer_type (empty values included): the "
    "union of the product's rollup_product_cells rows with that value, so that a product's split or filter by one "
    "of them reads one set (or, split by day, one stored count) per value instead of every cell's",
    ("shop_id", "date", "product_id", "dimension", "source", "device", "region", "customer_type"), (
        *_CELL[:3],
        _c("product_id", "VARCHAR", "商品ID", "Product id"),
        _c("dimension", "VARCHAR", "维度", "The dimension the row is a value of (source, device, region, "
           "customer_type)", True),
        *_CELL[3:],
        _c("customer_type", "VARCHAR", "新老买家", "The row's value of its dimension (the other columns empty)"),
        _c("uv", "BIGINT", "商品访客数", "Distinct viewers of the product in the cells with that value"),
        _c("uv_set", "BLOB", "商品访客集合", "Those visitors as a Roaring bitmap of dense ids"),
        _c("paid_buyers", "BIGINT", "支付买家数", "Distinct buyers of its paid lines in the cells with that value"),
        _c("paid_buyers_set", "BLOB", "支付买家集合", "The buyers as a Roaring bitmap of dense ids"),
    ))
CATEGORIES = Table(
    "rollup_categories", "类目日汇总",
    "Per day and category (the products table's, as it was when the row was computed: a catalogue change "
    "recomputes every day): the union of its products' viewers, add-to-cart visitors and paying buyers in "
    "rollup_products, so that a day's split by category reads one stored count and several days' one set per "
    "category", ("shop_id", "date", "category"), (
        *_CELL[:3],
        _c("category", "VARCHAR", "类目", "The products' category (empty: products without one)"),
        _c("uv", "BIGINT", "商品访客数", "Distinct visitors with a page or product view of a product of the category"),
        _c("uv_set", "BLOB", "商品访客集合", "Those visitors as a Roaring bitmap of dense ids"),
        _c("cart_visitors", "BIGINT", "加购人数", "Distinct visitors with an add_to_cart of a product of the category"),
        _c("cart_visitors_set", "BLOB", "加购人集合", "Those visitors as a Roaring bitmap of dense ids"),
        _c("paid_buyers", "BIGINT", "支付买家数", "Distinct buyers of paid orders with a line of the category"),
        _c("paid_buyers_set", "BLOB", "支付买家集合", "The buyers as a Roaring bitmap of dense ids"),
    ))
PLAN_VISITORS = Table(
    "rollup_plan_visitors", "推广计划访客日汇总",
    "Per day and visitor (dense id): the visits started that day with their paid orders (a row without a plan), "
    "and per plan (sessions.campaign) and source the visitor came from that day, the first such visit and the "
    "visits, paid orders and sales from it to the day's end: the creative tests' per-visitor outcomes "
    "(junshi.marketing.abtest)", ("shop_id", "date", "visitor", "source", "campaign"), (
        *_CELL[:3],
        _c("visitor", "UINTEGER", "访客编号", "The visitor's dense id (rollup_ids, kind visitor)", True),
        _c("source", "VARCHAR", "流量来源", "Plan rows: the visit's source; empty on the day's row"),
        _c("campaign", "VARCHAR", "推广计划", "Plan rows: the plan; empty: the day's row of all the visitor's visits"),
        _c("first_at", "TIMESTAMP", "首次访问时间", "Plan rows: the visitor's first visit of the plan and source "
           "that day"),
        _c("visits", "INTEGER", "访问次数", "Visits started that day (plan rows: from first_at on)", True),
        _c("orders", "INTEGER", "支付订单数", "Paid orders placed in those visits (orders.session_id)", True),
        _c("cents", "BIGINT", "支付金额（分）", "Their pay_amount in whole cents", True),
    ))
PLAN_SETS = Table(
    "rollup_plan_sets", "推广计划访客集合",
    "Per day, plan (sessions.campaign) and source: the distinct visitors of its visits started that day, so that the "
    "plans' visitors over any days (the creative tests' list) are the size of a union of sets",
    ("shop_id", "date", "source", "campaign"), (
        *_CELL[:3],
        _c("source", "VARCHAR", "流量来源", "The visits' source"),
        _c("campaign", "VARCHAR", "推广计划", "The plan", True),
        _c("visitors", "BIGINT", "访客数", "Distinct visitors of its visits started that day", True),
        _c("visitors_set", "BLOB", "访客集合", "Those visitors as a Roaring bitmap of dense ids", True),
    ))
PRINTS = Table(
    "rollup_prints", "买家指纹",
    "Per fingerprint (delivery address, device or IP of orders) and buyer: when the buyer first ordered with it, "
    "and the value's hub (its first buyer): the fingerprint graph of any day is the rows first seen by then",
    ("shop_id", "kind", "value", "customer_id"), (
        SHOP_ID,
        _c("kind", "VARCHAR", "指纹类别", "The orders' column: address_hash, device_hash or ip_hash", True),
        _c("value", "VARCHAR", "指纹", "The fingerprint", True),
        _c("customer_id", "VARCHAR", "买家", "The buyer", True),
        _c("first_at", "TIMESTAMP", "首次下单时间", "The buyer's first order with the fingerprint", True),
        _c("hub", "VARCHAR", "首个买家", "The fingerprint's first buyer (first order, then buyer id), on the rows of "
           "the others: each such row links its buyer to the hub"),
    ))
PLACED = Table(
    "rollup_placed", "下单商品日汇总", "Per day an order was placed and product: its order lines",
    ("shop_id", "date", "product_id"), (
        SHOP_ID,
        _c("date", "DATE", "日期", "Shop-local day the orders were placed", True),
        _c("days", "INTEGER", "统计天数", "Days the row covers (always 1)", True),
        _c("product_id", "VARCHAR", "商品ID", "Product id", True),
        _c("lines", "BIGINT", "订单行数", "Order lines of the product in orders placed that day"),
    ))
FIRST_ORDERS = Table(
    "rollup_first_orders", "买家首单",
    "Per buyer with an order: when they placed their first order, and when their account was registered (a new "
    "account's first order is found without reading every customer)", ("shop_id", "customer_id"), (
        SHOP_ID,
        _c("customer_id", "VARCHAR", "买家", "The buyer", True),
        _c("first_at", "TIMESTAMP", "首单时间", "When the buyer placed their first order", True),
        _c("registered_at", "TIMESTAMP", "注册时间", "When the buyer's account was registered (customers)"),
    ))
_KEPT = (_c("buyer_kept", "BOOLEAN", "重复买家", "Its buyer has 3 or more such rows in the whole history", True),
         _c("address_kept", "BOOLEAN", "重复地址", "Its address has 3 or more such rows in the whole history", True))
_ORDERS, _REVIEWS, _SESSIONS = CANONICAL["orders"], CANONICAL["reviews"], CANONICAL["sessions"]
CHECK_DAYS = Table(
    "rollup_checks", "售后检查日汇总",
    "Per day and payment or after-sale check: the shop's rows and hits, the share each buyer and address is "
    "tested against (payments: orders by the day placed, presale deposits left out; refunds: orders by the day "
    "paid; reviewers: rated reviews by the day written)", ("shop_id", "date", "kind"), (
        SHOP_ID,
        _c("date", "DATE", "日期", "Shop-local day", True),
        _c("kind", "VARCHAR", "检查", "payments, refunds or reviewers", True),
        _c("total", "BIGINT", "总数", "Orders placed (payments), orders paid (refunds), rated reviews (reviewers)",
           True),
        _c("hits", "BIGINT", "命中数", "Of them, on a day before a period's last: unpaid (payments), refunded, or "
           "rated 1-2 within 3 days of delivery (reviewers)", True),
        _c("last_hits", "BIGINT", "末日命中数", "The same on a period's last day (payments: unpaid and cancelled)",
           True),
    ))
REPEAT_ORDERS = Table(
    "rollup_repeat_orders", "重复买家与地址的订单",
    "The orders of the buyers and of the delivery addresses with 3 or more orders (the only ones a payment or "
    "refund check can test), with the columns those checks read and their refunds", ("shop_id", "order_id"), (
        SHOP_ID,
        *(_ORDERS.column(c) for c in ("order_id", "customer_id", "address_hash", "created_at", "paid_at",
                                      "cancelled_at", "is_presale", "pay_amount")),
        _c("refunded", "BOOLEAN", "有退款", "The order has a refund", True),
        _c("refund_amount", MONEY, "退款金额", "The sum of its refunds"),
        *_KEPT,
    ))
REPEAT_REVIEWS = Table(
    "rollup_repeat_reviews", "重复买家与地址的评价",
    "The rated reviews of the reviewers and of the delivery addresses (of the reviewed orders) with 3 or more "
    "of them (the only ones the bad-review check can test), with the reviewed order's address and delivery",
    ("shop_id", "review_id"), (
        SHOP_ID,
        *(_REVIEWS.column(c) for c in ("review_id", "order_id", "product_id", "customer_id", "created_at", "rating")),
        *(_ORDERS.column(c) for c in ("address_hash", "delivered_at")),
        *_KEPT,
    ))
REVIEW_TAGS = Table(
    "rollup_review_tags", "评价方面标注",
    "Per day and distinct review text of that day: whether Junshi reads it (Chinese) and the aspects it names with "
    "their polarity, as the aspect tagger of version `model` read them (junshi.service.aspects)",
    ("shop_id", "date", "text"), (
        SHOP_ID,
        _c("date", "DATE", "日期", "Shop-local day of the reviews with the text", True),
        _c("text", "VARCHAR", "评价内容", "The review text", True),
        _c("model", "VARCHAR", "标注版本", "The tagger's version (a digest of its code, lexicon and weights): tags of "
           "another version are not read, and the next refresh tags the text anew", True),
        _c("read", "BOOLEAN", "已读取", "Whether the text is read (it holds a Chinese character)", True),
        _c("tags", "VARCHAR", "方面", "The aspects it names, in order, each followed by + or - (praise or complaint), "
           "separated by spaces; empty: none", True),
    ))
PATH_STEPS = Table(
    "rollup_path_steps", "访问路径步",
    "Per day, source and the visitor's previous visit (its day, source and whether it had paid orders; none: the "
    "visitor's first visit): the visits started that day, and the first of them in path order (visitor, start, "
    "visit id), so that attribution's Markov transitions and channel order over any days are sums and minima of "
    "rows (junshi.marketing.paths)", ("shop_id", "date", "source", "prev_date", "prev_source", "prev_converted"), (
        *_CELL[:3],
        _c("source", "VARCHAR", "流量来源", "The visit's source"),
        _c("prev_date", "DATE", "上次访问日", "Shop-local day of the visitor's previous visit (empty: none)"),
        _c("prev_source", "VARCHAR", "上次来源", "The previous visit's source"),
        _c("prev_converted", "BOOLEAN", "上次已转化", "Whether paid orders were placed in the previous visit"),
        _c("visits", "BIGINT", "访问次数", "Visits started that day with that source and previous visit", True),
        _c("first_visitor", "VARCHAR", "首个访客", "The first of them in path order: its visitor", True),
        _c("first_at", "TIMESTAMP", "首个开始时间", "... its start", True),
        _c("first_session", "VARCHAR", "首个访问ID", "... its visit id", True),
    ))
PATH_TOUCHES = Table(
    "rollup_path_touches", "转化路径触点",
    "Every visit of a converting path (a visitor's visits since their previous visit with paid orders, up to and "
    "including the next one), with the day of the path's conversion and the visit's own paid orders, so that "
    "attribution reads the converting paths of any days without every visit", ("shop_id", "session_id"), (
        SHOP_ID,
        _SESSIONS.column("session_id"),
        _c("date", "DATE", "转化日", "Shop-local day of the visit that closes the path (its paid orders)", True),
        *(_SESSIONS.column(c) for c in ("visitor_id", "started_at", "source")),
        _c("direct", "BOOLEAN", "直接访问", "A direct visit (medium direct, or a direct source)", True),
        _c("paid_orders", "BIGINT", "支付订单数", "Paid orders placed in the visit (0 but on the path's last)", True),
        _c("paid_cents", "BIGINT", "支付金额（分）", "Their pay_amount in whole cents", True),
    ))
PATHS: tuple[Table, ...] = (PATH_STEPS, PATH_TOUCHES)
"""What multi-touch attribution reads instead of every visit (``junshi.rollup.paths``)."""
SEARCHES = Table(
    "rollup_searches", "站内搜索日汇总",
    "Per day, query and searcher (dense id): the first and last of their searches, so that a searcher's span over "
    "any days, which says whether their order followed the search (junshi.marketing.search), is read from a few "
    "integer-keyed rows instead of every search", ("shop_id", "date", "query", "visitor"), (
        *_CELL[:3],
        _c("query", "VARCHAR", "搜索词", "Search words", True),
        _c("visitor", "UINTEGER", "访客编号", "The searcher's dense id (rollup_ids, kind visitor)", True),
        _c("first_at", "TIMESTAMP", "首次搜索时间", "The first of their searches that day", True),
        _c("last_at", "TIMESTAMP", "末次搜索时间", "The last of their searches that day", True),
    ))
SEARCH_ORDERS = Table(
    "rollup_search_orders", "搜索访客订单",
    "The orders placed by a visitor (orders.visitor_id) and paid, by the day they were placed: whether a searcher "
    "bought after searching, read without matching visitor ids as strings", ("shop_id", "order_id"), (
        SHOP_ID,
        _c("date", "DATE", "下单日", "Shop-local day the order was placed", True),
        _ORDERS.column("order_id"),
        _c("visitor", "UINTEGER", "访客编号", "The visitor's dense id (rollup_ids, kind visitor)", True),
        _ORDERS.column("created_at"),
    ))
SEARCH_SETS = Table(
    "rollup_search_sets", "站内搜索词日汇总",
    "Per day, query and clicked product (empty: no click): the searches, those without results, and the searchers "
    "as a set, so that a query's searchers over any days, and who clicked which product, are unions of sets",
    ("shop_id", "date", "query", "product_id"), (
        *_CELL[:3],
        _c("query", "VARCHAR", "搜索词", "Search words", True),
        _c("product_id", "VARCHAR", "点击商品ID", "The product clicked from the results (empty: no click)"),
        _c("searches", "BIGINT", "搜索次数", "Searches that day", True),
        _c("no_results", "BIGINT", "无结果搜索次数", "Of those, searches with results_count 0", True),
        _c("searchers_set", "BLOB", "搜索访客集合", "Their searchers (with a visitor id) as a Roaring bitmap of dense "
           "ids", True),
    ))
SEARCH: tuple[Table, ...] = (SEARCHES, SEARCH_SETS, SEARCH_ORDERS)
"""What the search terms read instead of every search and order (``junshi.rollup.searches``)."""
FIRST_PAID = Table("rollup_first_paid", "首购日", "Per buyer: the first day they paid (new / returning)",
                   ("shop_id", "id"), (
    SHOP_ID,
    _c("id", "VARCHAR", "买家", "The buyer key (customer_id, else visitor_id, else order_id)", True),
    _c("first_day", "DATE", "首次支付日", "Shop-local day of the buyer's first paid order", True),
))
IDS = Table("rollup_ids", "ID 字典", "Dense integer per visitor or buyer id (per shop and kind)",
            ("shop_id", "kind", "id"), (
    SHOP_ID,
    _c("kind", "VARCHAR", "类别", "visitor or buyer", True),
    _c("id", "VARCHAR", "ID", "visitor_id, or the buyer key (customer_id, else visitor_id, else order_id)", True),
    _c("n", "UINTEGER", "编号", "Dense number, from 0", True),
))
MARKS = Table("rollup_marks", "汇总指纹", "Per input table and day: rows and a hash of the rows the rollups read",
              ("shop_id", "input", "date"), (
    SHOP_ID,
    _c("input", "VARCHAR", "来源", "The input (rollup.build.INPUTS): events, sessions, orders, ...; catalogue: "
       "the products' categories the day's rollup_categories rows were merged by", True),
    _c("date", "DATE", "日期", "Shop-local day", True),
    _c("n", "BIGINT", "行数", "Rows", True),
    _c("h", "UBIGINT", "指纹", "XOR of the rows' hashes", True),
))
STATE = Table("rollup_built", "汇总状态", "Shops whose rollups are built (all of them, product rollup included)",
              ("shop_id",), (
    SHOP_ID,
    _c("built_at", "TIMESTAMP", "构建时间", "When the rollups were last refreshed (UTC)", True),
))

RISK: tuple[Table, ...] = (PRINTS, PLACED, FIRST_ORDERS, CHECK_DAYS, REPEAT_ORDERS, REPEAT_REVIEWS)
"""What the 风控 page reads instead of every order (``junshi.rollup.risk``): refreshed as the rollups are."""
ROLLUPS: dict[str, Table] = {t.name: t for t in (VISITS, PAID, PRODUCTS, PRODUCT_CELLS, PRODUCT_MARGINS, LANDING,
                                                  MARGINS, CATEGORIES, PLAN_VISITORS, PLAN_SETS, *RISK, REVIEW_TAGS,
                                                  *PATHS, *SEARCH)}
"""The rollup tables, in the order a refresh recomputes them (the margins and categories after the rows they
merge)."""
TABLES: tuple[Table, ...] = (*ROLLUPS.values(), FIRST_PAID, IDS, MARKS, STATE)
