"""Validation rules per canonical table: (SQL condition over typed columns, reason) pairs.

Parse and required-value rules come from :func:`junshi.ingest.loader.parse_rules`; these are the
impossible values. Presets add their own (e.g. Online Retail's cancellations).
"""

from __future__ import annotations

from collections.abc import Collection

from junshi.ingest.sqlfuncs import quote_str

EVENT_TYPES = ("page_view", "product_view", "search", "add_to_cart", "favorite", "begin_checkout", "order",
               "payment")

# Export spellings of event types -> canonical event_type.
EVENT_ALIASES = {
    "pv": "product_view", "view": "product_view", "浏览": "product_view", "product view": "product_view",
    "page view": "page_view", "pageview": "page_view", "cart": "add_to_cart", "add to cart": "add_to_cart",
    "加购": "add_to_cart", "加入购物车": "add_to_cart", "fav": "favorite", "favourite": "favorite",
    "收藏": "favorite", "checkout": "begin_checkout", "下单": "order", "buy": "payment", "purchase": "payment",
    "购买": "payment", "支付": "payment", "搜索": "search",
}


def event_type_sql(expr: str) -> str:
    """SQL mapping an exported event type (text) to the canonical one; unknown types are kept as given."""
    cases = " ".join(f"WHEN {quote_str(k)} THEN {quote_str(v)}" for k, v in EVENT_ALIASES.items())
    low = f"lower(trim({expr}))"
    return f"CASE {low} {cases} ELSE {low} END"


def table_rules(table: str, columns: Collection[str]) -> list[tuple[str, str]]:
    """The impossible-value rules of ``table`` that apply to the columns present."""
    rules: list[tuple[str, str]] = []

    def has(*cols: str) -> bool:
        return all(c in columns for c in cols)

    if table == "order_items" and has("quantity"):
        rules.append(("quantity < 0", "negative quantity"))
    for col in ("unit_price", "price"):
        if has(col) and table in ("order_items", "products"):
            rules.append((f"{col} < 0", "negative price"))
    for col in ("pay_amount", "item_amount", "shipping_fee", "amount", "cost"):
        if has(col) and table in ("orders", "order_items", "refunds", "ad_spend"):
            rules.append((f"{col} < 0", f"negative amount: {col}"))
    if table == "orders" and has("paid_at", "created_at"):
        rules.append(("paid_at < created_at", "paid before created"))
    if table == "reviews":
        for col in ("rating", "dsr_item", "dsr_service", "dsr_logistics"):
            if has(col):
                rules.append((f"{col} NOT BETWEEN 1 AND 5", f"rating outside 1-5: {col}"))
    if table == "events" and has("event_type"):
        allowed = ", ".join(quote_str(t) for t in EVENT_TYPES)
        rules.append((f"event_type NOT IN ({allowed})", "unknown event type"))
    return rules
