"""Names of the service analyses' fields and lists, declared once: the CLI's tables and the 服务 page's
panels take them from here. A field that is a dimension (carrier, region, order_id ...) or a metric
(late_share is 延迟送达率 ...) takes that declaration's name; the others are named here."""

from __future__ import annotations

from typing import Any

from junshi.i18n import Lang, Text

FIELDS: dict[str, Text] = {
    "aspect": Text(en="Aspect", zh="方面"),
    "mentions": Text(en="Mentions", zh="提及"),
    "negative": Text(en="Negative", zh="负面"),
    "negative_share": Text(en="Negative share", zh="负面占比"),
    "affected_products": Text(en="Products most affected", zh="负面最多的商品"),
    "example": Text(en="Example", zh="示例"),
    "score": Text(en="Score", zh="评分项"),
    "current": Text(en="Now", zh="当前"),
    "forecast": Text(en="In 30 days", zh="30天后"),
    "interval": Text(en="80% range", zh="80% 区间"),
    "method": Text(en="Method", zh="方法"),
    "model": Text(en="model", zh="模型"),
    "no_change": Text(en="no change", zh="维持现状"),
    "peer": Text(en="Peers", zh="同行"),
    "alert": Text(en="Alert", zh="预警"),
    "likely": Text(en="likely", zh="很可能"),
    "possible": Text(en="possible", zh="可能"),
    "negative_aspects": Text(en="Complaints behind it", zh="负面方面"),
    "low_products": Text(en="Products rated low", zh="低分商品"),
    "low_carriers": Text(en="Carriers rated low", zh="低分物流公司"),
    "backtest_mae": Text(en="Backtest error (MAE)", zh="回测误差（MAE）"),
    "delivered_orders": Text(en="Delivered orders", zh="签收订单"),
    "late_orders": Text(en="Late orders", zh="延迟订单"),
    "rating_on_time": Text(en="Rating, on time", zh="按时送达评分"),
    "rating_late": Text(en="Rating, late", zh="延迟送达评分"),
    "days_overdue": Text(en="Days overdue", zh="超时天数"),
    "stage": Text(en="Stage", zh="状态"),
    "as_of": Text(en="As of", zh="截至"),
}
# fields named by a dimension or a metric
DIMENSION_FIELDS = {"carrier": "carrier", "region": "region", "product_id": "product_id", "order_id": "order_id",
                    "promised_at": "promised_at", "paid_at": "paid_at", "shipped_at": "shipped_at"}
METRIC_FIELDS = {"late_share": "late_delivery_share", "hours_to_ship": "hours_to_ship",
                 "days_to_deliver": "days_to_deliver"}

UNITS: dict[str, str] = {
    "mentions": "count", "negative": "count", "negative_share": "ratio", "delivered_orders": "count",
    "late_orders": "count", "rating_on_time": "score", "rating_late": "score", "current": "score",
    "forecast": "score", "peer": "score", "backtest_mae": "score", "orders": "count", "days_overdue": "days",
}
"""Units (junshi.formats) of the fields that are not a metric: how a console table shows them."""

LISTS: dict[str, Text] = {
    "aspects": Text(en="What buyers talk about (review aspects)", zh="评价方面（买家在说什么）"),
    "no_aspects": Text(en="None of the {n} Chinese review texts mentions an aspect Junshi knows.",
                       zh="{n} 条中文评价内容都没有提到已知的方面。"),
    "not_read": Text(en="{n} of the {total} review texts are not in Chinese and were not read (Junshi reads "
                        "aspects in Chinese reviews).",
                     zh="{total} 条评价内容中有 {n} 条不是中文，未读取（军师读中文评价的方面）。"),
    "reviews": Text(en="Review aspects ({n} Chinese reviews)", zh="评价方面（{n} 条中文评价）"),
    "dsr_forecast": Text(en="DSR in 30 days against peers", zh="30天后 DSR 预测与同行"),
    "dsr_on": Text(en="DSR forecast on {day}", zh="DSR 预测（{day}）"),
    "logistics": Text(en="Logistics", zh="物流"),
    "by_carrier": Text(en="Late deliveries by carrier", zh="各物流公司延迟送达"),
    "by_region": Text(en="Late deliveries by region", zh="各地区延迟送达"),
    "by_product": Text(en="Late deliveries by product", zh="各商品延迟送达"),
    "overdue": Text(en="Overdue orders (not delivered by the promised day)", zh="超时未签收订单"),
}


def aspects_note(data: dict[str, Any], lang: Lang) -> str | None:
    """What the aspect table leaves out, from :func:`junshi.service.reviews.review_aspects`'s counts: review texts
    not in Chinese (not read), and that the ones read name no aspect; None when there is nothing to say."""
    notes = []
    if data["reviews"] > data["read"]:
        notes.append(LISTS["not_read"](lang, n=f"{data['reviews'] - data['read']:,}", total=f"{data['reviews']:,}"))
    if data["read"] and not data["aspects"]:
        notes.append(LISTS["no_aspects"](lang, n=f"{data['read']:,}"))
    return " ".join(notes) or None


def field_name(field: str) -> Text:
    """The name of a field of the service analyses' JSON (the field itself when nothing declares it)."""
    if field in DIMENSION_FIELDS:
        from junshi.metrics.dimensions import REGISTRY as DIMENSIONS

        return DIMENSIONS[DIMENSION_FIELDS[field]].name
    if field in METRIC_FIELDS:
        from junshi.metrics.registry import REGISTRY  # loads Ibis: only when such a name is asked for

        return REGISTRY[METRIC_FIELDS[field]].name
    return FIELDS.get(field, Text(en=field, zh=field))


def field_unit(field: str) -> str | None:
    """The unit a field's values are shown in: its metric's, or :data:`UNITS`'; None for text and dimensions."""
    if field in METRIC_FIELDS:
        from junshi.metrics.registry import REGISTRY

        return str(REGISTRY[METRIC_FIELDS[field]].unit)
    return UNITS.get(field)
