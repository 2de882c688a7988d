"""Recommendations (建议): small named rules over the metric layer, each citing the numbers behind it.

Every rule reads a :class:`Snapshot` (the figures of the last ``window`` days, the window before and
the one before that, by product and by source, the shop's totals, peers, stock and reviews) and returns
:class:`Advice` items. Thresholds live in :class:`AdviceSettings`; docs/diagnosis.md lists them.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import partial
from typing import TYPE_CHECKING, Any

import pandas as pd

from junshi.analysis.alerts import promotion_days
from junshi.analysis.channels import costed_channels, paid_sources
from junshi.analysis.lookups import product_label
from junshi.analysis.source import kpi_frame, table_frame
from junshi.errors import JunshiError
from junshi.formats import format_value
from junshi.i18n import Text
from junshi.jsonable import jsonable
from junshi.metrics.dimensions import REGISTRY as DIMENSIONS
from junshi.vocab import PRIORITIES

if TYPE_CHECKING:
    from junshi.shop import Shop

@dataclass(frozen=True, kw_only=True)
class AdviceSettings:
    """Thresholds of every rule (rule name prefix), all configurable."""

    window: int = 7  # days per comparison window
    # winners: more traffic to products converting well above the shop, rising, priced above the median
    winners_conv_ratio: float = 1.2
    winners_rise: float = 0.1
    winners_min_uv: int = 50
    # losers: conversion down by this much in each of the last two windows against the one before
    losers_fall: float = 0.3
    losers_min_uv: int = 50
    # significance shared by the product rules: Poisson z of buyers, and the fewest buyers to judge by
    z: float = 3.0
    min_buyers: int = 5
    # sources
    grow_conv_ratio: float = 1.2
    fix_conv_ratio: float = 0.8
    fix_cost_ratio: float = 1.0  # visitor cost at or above this x the shop's paid visitor cost
    sources_min_uv: int = 100
    # promotion spend ratio bands (推广费占比): warning level by category, else the default
    spend_ratio_warn: float = 0.10
    spend_ratio_loss: float = 0.15
    spend_ratio_by_category: Mapping[str, float] = field(default_factory=dict)
    # products with visits but no sales
    no_sales_min_uv: int = 100
    # out of stock but still receiving traffic
    stockout_min_uv: int = 1
    # peer gap (同行同层平均)
    peer_min_gap: float = 0.05  # relative gap below the peer average that is worth a recommendation
    # DSR falling
    dsr_drop: float = 0.02
    # negative reviews
    negative_rating: int = 2


@dataclass(frozen=True, kw_only=True)
class Advice:
    """One recommendation: what to do, why (the numbers), how urgent (1 high .. 3 low)."""

    rule: str
    priority: int
    subject: dict[str, str]
    numbers: dict[str, Any]
    title: Text
    """What to do (``advice.title()`` in the language in force)."""
    text: Text
    """Why, with the numbers."""
    value: float | None = None  # money at stake per window, when it can be estimated

    def to_json(self) -> dict[str, Any]:
        return {
            "rule": self.rule, "priority": self.priority, "priority_name": PRIORITIES[self.priority],
            "subject": self.subject, "numbers": jsonable(self.numbers), "value": self.value,
            "title": self.title.to_dict(), "text": self.text.to_dict(),
        }


@dataclass(kw_only=True)
class Snapshot:
    """The figures the rules read, all from the metric layer (plus catalogue, stock and review rows)."""

    day: date
    window: int
    products: pd.DataFrame  # product x (uv, paid_buyers, conv, sales) for now / prev / base + catalogue
    sources: pd.DataFrame  # source x (uv, payment_conversion_rate, visitor_cost, ad_cost, sales) for now
    shop: dict[str, Any]  # shop totals of the window
    shop_day: dict[str, Any]  # shop figures of the day, with peer averages (<id>_peer_avg)
    dsr_before: dict[str, Any]
    stock_today: pd.DataFrame  # product_id, stock
    product_sources_today: pd.DataFrame  # product, source, uv
    negative_reviews: pd.DataFrame
    main_category: str | None = None
    base_in_promotion: bool = False  # the earliest window overlaps promotion days: trends would mislead
    costed: frozenset[str] = frozenset()  # channels with cost in ad_spend (any day)
    currency: str = "CNY"  # the shop's: money in the advice's text

    def money(self, value: float) -> str:
        """``value`` in the shop's currency (¥1,234.50)."""
        return format_value(value, "money", self.currency)

    def paid(self) -> frozenset[str]:
        """Sources that can be bought: with ad cost (in ``ad_spend`` or this window) or known paid channels."""
        names: set[str] = set()
        costed = set(self.costed)
        if not self.sources.empty:
            names |= set(self.sources["source"].astype(str))
            if "ad_cost" in self.sources.columns:
                cost = self.sources["ad_cost"].astype(float).fillna(0)
                costed |= set(self.sources[cost > 0]["source"].astype(str))
        if not self.product_sources_today.empty:
            names |= set(self.product_sources_today["source"].astype(str))
        return paid_sources(names, costed)


PRODUCT_METRICS = ["uv", "paid_buyers", "payment_conversion_rate", "sales"]
SOURCE_METRICS = ["uv", "payment_conversion_rate", "visitor_cost", "ad_cost", "sales"]
SHOP_METRICS = ["uv", "paid_buyers", "payment_conversion_rate", "spend_per_buyer", "uv_value", "sales",
                "ad_cost", "spend_ratio", "visitor_cost"]
DSR = ["dsr_item", "dsr_service", "dsr_logistics"]


def _safe(fn: Callable[[], pd.DataFrame]) -> pd.DataFrame:
    try:
        return fn()
    except JunshiError:
        return pd.DataFrame()


def _row(frame: pd.DataFrame) -> dict[str, Any]:
    return {str(k): v for k, v in frame.iloc[0].items()} if len(frame) else {}


def snapshot(shop: Shop, day: date, settings: AdviceSettings) -> Snapshot:
    """Gather the figures for the rules of ``day`` (windows end on ``day``)."""
    w = settings.window

    def win(k: int) -> tuple[date, date]:
        return day - timedelta(days=(k + 1) * w - 1), day - timedelta(days=k * w)

    frames = []
    for k, tag in enumerate(("now", "prev", "base")):
        s, e = win(k)
        f = _safe(partial(kpi_frame, shop, PRODUCT_METRICS, ["product"], start=s, end=e))
        if not f.empty:
            frames.append(f.set_index("product").add_suffix(f"_{tag}"))
    products = pd.concat(frames, axis=1) if frames else pd.DataFrame()
    catalogue = table_frame(shop, "products")
    if not products.empty and not catalogue.empty:
        cat = catalogue.set_index(catalogue["product_id"].astype(str))[["name", "category", "price", "is_presale"]]
        products.index = products.index.astype(str)
        products = products.join(cat, how="left")
    s0, e0 = win(0)
    sources = _safe(lambda: kpi_frame(shop, SOURCE_METRICS, ["source"], start=s0, end=e0))
    shop_now = _row(_safe(lambda: kpi_frame(shop, SHOP_METRICS, [], start=s0, end=e0)))
    shop_day = _row(_safe(lambda: kpi_frame(
        shop, ["payment_conversion_rate", "spend_per_buyer", "uv_value", *DSR], [], start=day, end=day,
        compare="peer")))
    before = day - timedelta(days=w)
    dsr_before = _row(_safe(lambda: kpi_frame(shop, DSR, [], start=before, end=before)))
    inv = table_frame(shop, "inventory")
    stock_today = inv[pd.to_datetime(inv["date"]).dt.date == day] if not inv.empty else inv
    ps = _safe(lambda: kpi_frame(shop, ["uv"], ["product", "source"], start=day, end=day))
    reviews = _negative_reviews(shop, day, settings.negative_rating)
    main_cat = None
    if not products.empty and "category" in products.columns and "sales_now" in products.columns:
        by_cat = products.groupby("category")["sales_now"].sum()
        main_cat = str(by_cat.idxmax()) if len(by_cat) else None
    promo = promotion_days({day.year - 1, day.year}, str(shop.settings["currency"]))
    base_start, _ = win(2)
    in_promo = any(base_start + timedelta(days=i) in promo for i in range((day - base_start).days + 1))
    return Snapshot(day=day, window=w, products=products, sources=sources, shop=shop_now, shop_day=shop_day,
                    dsr_before=dsr_before, stock_today=stock_today, product_sources_today=ps, negative_reviews=reviews,
                    main_category=main_cat,
                    base_in_promotion=in_promo, costed=costed_channels(shop),
                    currency=str(shop.settings["currency"]))


def _negative_reviews(shop: Shop, day: date, rating: int) -> pd.DataFrame:
    """The day's reviews rated ``rating`` or less (a large shop holds hundreds of thousands of reviews: the day's
    alone are read), by the metric layer's compiled path (:func:`junshi.metrics.query.run_dated`)."""
    from junshi.metrics.query import run_dated

    def negative(_first: date | None, last: date | None) -> dict[str, Any]:
        assert last is not None
        r = shop.table("reviews")
        start = datetime.combine(last, time())
        return {"reviews": r.filter(r.created_at >= start, r.created_at < start + timedelta(days=1),
                                    r.rating <= rating)}

    return run_dated(shop.warehouse, shop.shop_id, f"advice negative reviews {rating}", negative, None, day)["reviews"]


# ---------------------------------------------------------------- rules

Rule = Callable[[Snapshot, AdviceSettings], list[Advice]]
RULES: dict[str, Rule] = {}


def rule(name: str) -> Callable[[Rule], Rule]:
    def register(fn: Rule) -> Rule:
        RULES[name] = fn
        return fn

    return register


def _name(p: pd.Series, pid: str) -> str:
    return product_label(p.get("name"), pid)


def _f(x: Any) -> float:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return float("nan")
    return v


def _z(observed: float, expected: float) -> float:
    """Poisson z-value of an observed count of buyers against its expected count."""
    return (observed - expected) / math.sqrt(expected) if expected > 0 else 0.0


def _presale(r: pd.Series) -> bool:
    return bool(r.get("is_presale") == 1)


@rule("traffic_to_winners")
def traffic_to_winners(s: Snapshot, c: AdviceSettings) -> list[Advice]:
    """Conversion well above the shop (significantly), rising, price above the median: more traffic."""
    p, shop_conv = s.products, _f(s.shop.get("payment_conversion_rate"))
    if p.empty or "price" not in p.columns or shop_conv != shop_conv:
        return []
    median_price = _f(p["price"].astype(float).median())
    out = []
    for pid, r in p.iterrows():
        uv, buyers = _f(r.get("uv_now")), _f(r.get("paid_buyers_now"))
        conv, prev = _f(r.get("payment_conversion_rate_now")), _f(r.get("payment_conversion_rate_prev"))
        if _presale(r) or not (uv >= c.winners_min_uv and buyers >= c.min_buyers and prev == prev):
            continue
        if (conv >= c.winners_conv_ratio * shop_conv and _z(buyers, uv * shop_conv) >= c.z
                and conv >= (1 + c.winners_rise) * prev and _f(r["price"]) >= median_price):
            name, price, median = _name(r, str(pid)), s.money(_f(r["price"])), s.money(median_price)
            nums = {"conversion": conv, "conversion_before": prev, "shop_conversion": shop_conv,
                    "price": _f(r["price"]), "median_price": median_price, "visitors": uv, "buyers": buyers}
            out.append(Advice(
                rule="traffic_to_winners", priority=2, subject={"product": str(pid)}, numbers=nums,
                title=Text(en=f"Give {name} more traffic", zh=f"给 {name} 更多流量"),
                text=Text(
                    en=f"{name} converts at {conv:.2%} (shop {shop_conv:.2%}), up from {prev:.2%}, at a price of "
                       f"{price} (median {median}): route ads and on-site slots to it.",
                    zh=f"{name} 转化率 {conv:.2%}（全店 {shop_conv:.2%}），上期 {prev:.2%}，售价 {price}"
                       f"（中位 {median}）：把推广和站内资源位倾斜给它。")))
    return out


@rule("cut_losers")
def cut_losers(s: Snapshot, c: AdviceSettings) -> list[Advice]:
    """Conversion down by ``losers_fall`` in both of the last two windows against the one before, and
    significantly so (Poisson z of the buyers of both windows at the earlier rate): diagnose, else cut."""
    p = s.products
    need = {f"{m}_{t}" for m in ("uv", "paid_buyers") for t in ("now", "prev", "base")}
    if p.empty or not need <= set(p.columns) or s.base_in_promotion:
        return []
    out = []
    for pid, r in p.iterrows():
        u = {t: _f(r.get(f"uv_{t}")) for t in ("now", "prev", "base")}
        b = {t: _f(r.get(f"paid_buyers_{t}")) for t in ("now", "prev", "base")}
        if _presale(r) or not (u["base"] >= c.losers_min_uv and u["now"] >= c.losers_min_uv and b["base"] > 0):
            continue
        base = b["base"] / u["base"]
        now, prev = b["now"] / u["now"], (b["prev"] / u["prev"] if u["prev"] else float("nan"))
        expected = (u["now"] + u["prev"]) * base
        if not (now <= (1 - c.losers_fall) * base and prev <= (1 - c.losers_fall) * base
                and expected >= c.min_buyers and _z(b["now"] + b["prev"], expected) <= -c.z):
            continue
        name = _name(r, str(pid))
        spb = _f(r.get("sales_base")) / b["base"]
        lost = u["now"] * (base - now) * spb
        out.append(Advice(
            rule="cut_losers", priority=1, subject={"product": str(pid)},
            numbers={"conversion": now, "conversion_prev": prev, "conversion_base": base, "visitors": u["now"],
             "buyers_two_windows": b["now"] + b["prev"], "expected_buyers": expected},
            title=Text(en=f"Conversion of {name} fell and has not recovered", zh=f"{name} 转化率下滑且未恢复"),
            text=Text(
                en=f"{name}: conversion {base:.2%} -> {prev:.2%} -> {now:.2%} over the last three {s.window}-day "
                   f"windows ({b['now'] + b['prev']:.0f} buyers where {expected:.0f} were expected). Check its main "
                   f"image, price, reviews and stock; if it cannot be fixed, move its traffic to better-converting "
                   f"products (about {s.money(lost)} of sales lost per window).",
                zh=f"{name}：近三个 {s.window} 天周期转化率 {base:.2%} -> {prev:.2%} -> {now:.2%}（两个周期 "
                   f"{b['now'] + b['prev']:.0f} 个买家，按原转化率应有 {expected:.0f} 个）。"
                   f"检查主图、价格、评价和库存；无法修复就把流量转给转化更好的商品"
                   f"（每周期约损失销售额 {s.money(lost)}）。"),
            value=lost))
    return out


_SOURCE = DIMENSIONS["source"].name


@rule("sources")
def sources(s: Snapshot, c: AdviceSettings) -> list[Advice]:
    """Grow sources converting well at low cost; fix or cut the ones below the shop at a high cost.

    Only sources that can be bought are told to grow (more budget cannot buy organic search, direct
    visits or the shop's own SMS); see :mod:`junshi.analysis.channels`."""
    f, shop_conv = s.sources, _f(s.shop.get("payment_conversion_rate"))
    if f.empty or shop_conv != shop_conv or "payment_conversion_rate" not in f.columns:
        return []
    f = f.copy()
    f["visitor_cost"] = f["visitor_cost"].astype(float) if "visitor_cost" in f.columns else float("nan")
    paid = f[f["visitor_cost"].fillna(0) > 0]
    paid_cost = _f(paid["ad_cost"].astype(float).sum() / paid["uv"].sum()) if len(paid) else float("nan")
    out = []
    buyable = s.paid()
    for r in f.to_dict("records"):
        src, uv, conv = str(r["source"]), _f(r["uv"]), _f(r["payment_conversion_rate"])
        cost = _f(r["visitor_cost"])
        cost = 0.0 if cost != cost else cost
        if uv < c.sources_min_uv or conv != conv:
            continue
        nums = {"visitors": uv, "conversion": conv, "shop_conversion": shop_conv, "visitor_cost": cost,
                "paid_visitor_cost": paid_cost}
        if src in buyable and conv >= c.grow_conv_ratio * shop_conv and (cost == 0 or cost < paid_cost):
            out.append(Advice(
                rule="grow_source", priority=2, subject={"source": src}, numbers=nums,
                title=Text(en=f"Grow {_SOURCE.en.lower()} {src}", zh=f"加大{_SOURCE.zh} {src}"),
                text=Text(
                    en=f"{src} converts at {conv:.2%} (shop {shop_conv:.2%}) at a visitor cost of {s.money(cost)} "
                       f"(paid average {s.money(paid_cost)}): give it more budget.",
                    zh=f"{src} 转化率 {conv:.2%}（全店 {shop_conv:.2%}），访客成本 {s.money(cost)}"
                       f"（付费平均 {s.money(paid_cost)}）：加大预算。")))
        elif conv < c.fix_conv_ratio * shop_conv and cost > 0 and cost >= c.fix_cost_ratio * paid_cost:
            out.append(Advice(
                rule="fix_source", priority=1, subject={"source": src},
                numbers={**nums, "ad_cost": _f(r.get("ad_cost"))},
                title=Text(en=f"Fix or cut {_SOURCE.en.lower()} {src}", zh=f"优化或削减{_SOURCE.zh} {src}"),
                text=Text(
                    en=f"{src} converts at {conv:.2%}, below the shop's {shop_conv:.2%}, while each visitor costs "
                       f"{s.money(cost)} (paid average {s.money(paid_cost)}): fix its keywords, creatives and landing "
                       f"products, or move its budget ({s.money(_f(r.get('ad_cost')))} this window).",
                    zh=f"{src} 转化率 {conv:.2%}，低于全店 {shop_conv:.2%}，访客成本却是 {s.money(cost)}（付费平均 "
                       f"{s.money(paid_cost)}）：优化关键词、创意和落地商品，"
                       f"或把预算（本周期 {s.money(_f(r.get('ad_cost')))}）转走。"),
                value=_f(r.get("ad_cost"))))
    return out


@rule("spend_ratio")
def spend_ratio(s: Snapshot, c: AdviceSettings) -> list[Advice]:
    """Promotion spend above its band (推广费占比)."""
    ratio = _f(s.shop.get("spend_ratio"))
    if ratio != ratio:
        return []
    warn = c.spend_ratio_by_category.get(s.main_category or "", c.spend_ratio_warn)
    if ratio < warn:
        return []
    loss = ratio >= c.spend_ratio_loss
    nums = {"spend_ratio": ratio, "band": warn, "ad_cost": _f(s.shop.get("ad_cost")), "sales": _f(s.shop.get("sales")),
            "category": s.main_category}
    return [Advice(
        rule="spend_ratio", priority=1 if loss else 2, subject={}, numbers=nums,
        title=Text(en="Promotion spend is above its band", zh="推广费占比超出警戒线"),
        text=Text(
            en=f"Ad spend is {ratio:.1%} of sales over the last {s.window} days (warning at {warn:.0%}"
               + (", loss-making territory" if loss else "") + "): cut the plans with the lowest return first.",
            zh=f"近 {s.window} 天推广费占销售额 {ratio:.1%}（警戒线 {warn:.0%}" + ("，已进入亏损区间" if loss else "")
               + "）：先砍投入产出最低的计划。"))]


@rule("visits_no_sales")
def visits_no_sales(s: Snapshot, c: AdviceSettings) -> list[Advice]:
    """Products with visits but no sales in the window."""
    p = s.products
    if p.empty or "uv_now" not in p.columns:
        return []
    out = []
    for pid, r in p.iterrows():
        presale = bool(r.get("is_presale") == 1)
        if _f(r["uv_now"]) >= c.no_sales_min_uv and not _f(r.get("paid_buyers_now")) > 0 and not presale:
            name = _name(r, str(pid))
            out.append(Advice(
                rule="visits_no_sales", priority=2, subject={"product": str(pid)},
                numbers={"visitors": _f(r["uv_now"]), "paid_buyers": 0},
                title=Text(en=f"{name} gets visits but no sales", zh=f"{name} 有访客无成交"),
                text=Text(
                    en=f"{name} had {_f(r['uv_now']):,.0f} visitors and no paying buyer in the last {s.window} days: "
                       "check price, detail page, stock and reviews.",
                    zh=f"{name} 近 {s.window} 天 {_f(r['uv_now']):,.0f} 个访客、零成交："
                       "检查价格、详情页、库存和评价。")))
    return out


@rule("stockout_traffic")
def stockout_traffic(s: Snapshot, c: AdviceSettings) -> list[Advice]:
    """Out-of-stock products still receiving (paid) traffic today."""
    st, ps = s.stock_today, s.product_sources_today
    if st.empty or ps.empty:
        return []
    out_ids = set(st[st["stock"] <= 0]["product_id"].astype(str))
    if not s.products.empty and "is_presale" in s.products.columns:  # presale items have no stock yet
        out_ids -= set(s.products.index[s.products["is_presale"].fillna(False).astype(bool)].astype(str))
    paid = s.paid()
    ps = ps[ps["product"].astype(str).isin(out_ids)]
    out = []
    for pid, g in ps.groupby(ps["product"].astype(str)):
        uv = _f(g["uv"].sum())
        if uv < c.stockout_min_uv:
            continue
        paid_uv = _f(g[g["source"].astype(str).isin(paid)]["uv"].sum())
        srcs = ", ".join(f"{r['source']} {int(r['uv'])}" for r in g.sort_values("uv", ascending=False)
                         .to_dict("records")[:3])
        rows = s.products[s.products.index == str(pid)]
        name = _name(rows.iloc[0], str(pid)) if len(rows) else str(pid)
        out.append(Advice(
            rule="stockout_traffic", priority=1, subject={"product": str(pid)},
            numbers={"visitors": uv, "paid_visitors": paid_uv, "stock": 0, "sources": srcs},
            title=Text(en=f"{name} is out of stock but still gets traffic", zh=f"{name} 已断货仍有流量"),
            text=Text(
                en=f"{name} is out of stock and had {uv:,.0f} visitors today ({srcs})"
                   + (f", {paid_uv:,.0f} of them paid for" if paid_uv else "")
                   + ": restock, or pause the ads and swap the landing product.",
                zh=f"{name} 已断货，今天仍有 {uv:,.0f} 个访客（{srcs}）"
                   + (f"，其中 {paid_uv:,.0f} 个是付费流量" if paid_uv else "")
                   + "：尽快补货，或暂停广告并更换落地商品。")))
    return out


_PEER = {
    "payment_conversion_rate": ("payment conversion", "支付转化率"),
    "spend_per_buyer": ("spend per buyer", "客单价"),
    "uv_value": ("visitor value", "UV价值"),
}


@rule("peer_gap")
def peer_gap(s: Snapshot, c: AdviceSettings) -> list[Advice]:
    """Below the peer average (同行同层平均): by how much, and what closing the gap is worth per window."""
    out = []
    uv, buyers = _f(s.shop.get("uv")), _f(s.shop.get("paid_buyers"))
    spb = _f(s.shop.get("spend_per_buyer"))
    for m, (en, zh) in _PEER.items():
        own, peer = _f(s.shop_day.get(m)), _f(s.shop_day.get(f"{m}_peer_avg"))
        if not (own == own and peer == peer and peer > 0 and own < (1 - c.peer_min_gap) * peer):
            continue
        gap = peer - own
        worth = uv * gap * spb if m == "payment_conversion_rate" else buyers * gap if m == "spend_per_buyer" \
            else uv * gap
        pct = gap / peer
        spec = ".2%" if m == "payment_conversion_rate" else ",.2f"
        out.append(Advice(
            rule="peer_gap", priority=2, subject={"metric": m},
            numbers={"own": own, "peer_avg": peer, "gap": gap, "worth": worth},
            title=Text(en=f"{en.capitalize()} is below the peer average", zh=f"{zh}低于同行同层平均"),
            text=Text(
                en=f"{en.capitalize()} {own:{spec}} is {pct:.0%} below the peer average {peer:{spec}}; "
                   f"closing the gap is worth about {s.money(worth)} of sales per {s.window} days.",
                zh=f"{zh} {own:{spec}}，比同行同层平均 {peer:{spec}} 低 {pct:.0%}；"
                   f"追平约可多 {s.money(worth)} 销售额/{s.window} 天。"),
            value=worth))
    return out


_DSR = {"dsr_item": ("item as described", "宝贝与描述相符"), "dsr_service": ("seller service", "卖家服务"),
        "dsr_logistics": ("logistics", "物流服务")}


@rule("dsr_falling")
def dsr_falling(s: Snapshot, c: AdviceSettings) -> list[Advice]:
    out = []
    for m, (en, zh) in _DSR.items():
        now, before = _f(s.shop_day.get(m)), _f(s.dsr_before.get(m))
        if now == now and before == before and now <= before - c.dsr_drop:
            out.append(Advice(
                rule="dsr_falling", priority=1, subject={"metric": m},
                numbers={"now": now, "before": before, "peer_avg": s.shop_day.get(f"{m}_peer_avg")},
                title=Text(en=f"DSR {en} is falling", zh=f"DSR {zh}下降"),
                text=Text(
                    en=f"DSR {en} fell from {before:.3f} to {now:.3f} in {s.window} days: find the cause (shipping, "
                       "quality, service) and contact the unhappy buyers.",
                    zh=f"DSR {zh} {s.window} 天内从 {before:.3f} 降到 {now:.3f}：查明原因（发货、品质、服务），"
                       "联系不满意的买家。")))
    return out


@rule("negative_reviews")
def negative_reviews(s: Snapshot, c: AdviceSettings) -> list[Advice]:
    r = s.negative_reviews
    if r.empty:
        return []
    items = [{"review_id": str(x["review_id"]), "order_id": x.get("order_id"), "product_id": x.get("product_id"),
              "rating": int(x["rating"]), "text": x.get("text")} for x in r.to_dict("records")]
    n = len(items)
    return [Advice(
        rule="negative_reviews", priority=1, subject={}, numbers={"count": n, "reviews": items},
        title=Text(en=f"{n} new negative review(s) to handle today", zh=f"今天有 {n} 条新差评待处理"),
        text=Text(
            en=f"{n} review(s) rated {c.negative_rating} stars or less arrived today: contact each buyer today.",
            zh=f"今天收到 {n} 条 {c.negative_rating} 星及以下的评价：今天内逐一联系买家。"))]


def advise(shop: Shop, day: date, settings: AdviceSettings | None = None,
           rules: Mapping[str, Rule] | None = None) -> list[Advice]:
    """Every recommendation for ``day``, by priority, then money at stake."""
    settings = settings or AdviceSettings()
    snap = snapshot(shop, day, settings)
    out: list[Advice] = []
    for fn in (rules or RULES).values():
        out += fn(snap, settings)
    return sorted(out, key=lambda a: (a.priority, -(a.value or 0.0), a.rule))
