"""The plan of a promotion (活动策划): a sales target turned into the operator's formula
sales = visitors x payment conversion x spend per buyer, the traffic each source must bring and the paid spend
it implies, the day-by-day curve and the stock each product needs.

The rates come from the shop's own history: its last past event of the same kind (a 618 / 双11 / 双12 or Black
Friday main day in the data that sold well above its weeks before) if any, else its ordinary days (the last
:data:`ORDINARY_DAYS` days). Visitors are what the target needs at those rates, so
``uv * payment_conversion_rate * spend_per_buyer == target_sales``.

A shop without visitor data (orders only: a platform's order export) gets the plan by buyers,
``paid_buyers * spend_per_buyer == target_sales``: no visitors, conversion, sources or paid spend, but the same
curve, basis and stock.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from junshi.analysis.source import kpi_frame
from junshi.errors import ConfigError, MissingDataError
from junshi.promo.baseline import MIN_DAYS, counterfactual, day_range
from junshi.promo.forecast import HISTORY_DAYS, current_stock, fit, presale_units, unit_history
from junshi.promo.history import daily, paid_span, series
from junshi.promo.review import AFTER_DAYS, PRE_DAYS, WARM_UP_DAYS

if TYPE_CHECKING:
    from junshi.shop import Shop

ORDINARY_DAYS = 28
EVENT_RATIO = 1.5  # a past main day counts as an event when it sold this many times its usual day
# the warm-up and after days' sales against an ordinary day when the shop has no past event to learn them from:
# buyers wait for the main day and have stocked up after it (the simulator plants 0.7 and 0.8 on conversion)
DEFAULT_WARM_UP = 0.85
DEFAULT_AFTER = 0.9


@dataclass(frozen=True)
class Basis:
    """Where the rates come from: a past event's main day, or the ordinary days before the plan."""

    kind: str  # past_event or ordinary_days
    start: date
    end: date
    warm_up: float
    after: float


def _rate_interval(values: pd.Series, point: float) -> list[float]:
    """The 10%-90% spread of the daily values around their median, put around ``point``."""
    v = values.replace([np.inf, -np.inf], np.nan).dropna()
    v = v[v > 0]
    if len(v) < 5 or point <= 0:
        return [point, point]
    med = float(v.median())
    lo, hi = np.quantile(v, [0.1, 0.9])
    return [point * float(lo) / med, point * float(hi) / med]


def _past_event(shop: Shop, first: date, as_of: date, like: date | None = None) -> date | None:
    """The last big shopping day in the data with a month before it that sold :data:`EVENT_RATIO` times the
    median day of the four weeks before its warm-up; one of the same kind as ``like`` (the same calendar day: a
    双11 for a 双11) first."""
    from junshi.analysis.alerts import promotion_days

    peaks = promotion_days(range(first.year, as_of.year + 1), str(shop.settings["currency"]), before=0, after=0)
    same = (like.month, like.day) if like else None
    for d in sorted(peaks, key=lambda p: ((p.month, p.day) == same, p), reverse=True):
        lo = d - timedelta(days=WARM_UP_DAYS + ORDINARY_DAYS)
        if lo < first or d + timedelta(days=AFTER_DAYS) > as_of:
            continue
        f = daily(shop, ["sales"], lo, d)
        s = series(f, "sales", day_range(lo, d))
        usual = float(np.median(s[:ORDINARY_DAYS]))
        if usual > 0 and s[-1] >= EVENT_RATIO * usual:
            return d
    return None


def plan_basis(shop: Shop, first: date, as_of: date, like: date | None = None) -> Basis:
    """The days the plan's rates come from: the last past event (of the same kind as ``like`` first), else the
    ordinary days up to ``as_of``."""
    past = _past_event(shop, first, as_of, like)
    if past is None:
        return Basis("ordinary_days", as_of - timedelta(days=ORDINARY_DAYS - 1), as_of, DEFAULT_WARM_UP,
                     DEFAULT_AFTER)
    from junshi.promo.review import estimate

    try:
        est = estimate(shop, past - timedelta(days=WARM_UP_DAYS), past + timedelta(days=AFTER_DAYS), past)
    except MissingDataError:
        return Basis("past_event", past, past, DEFAULT_WARM_UP, DEFAULT_AFTER)
    base, actual = est.counterfactual.forecast, est.actual
    k = WARM_UP_DAYS

    def ratio(sl: slice, default: float) -> float:
        b = float(base[sl].sum())
        return float(actual[sl].sum()) / b if b > 0 else default

    return Basis("past_event", past, past, ratio(slice(0, k), DEFAULT_WARM_UP),
                 ratio(slice(k + 1, None), DEFAULT_AFTER))


def _sources(shop: Shop, basis: Basis, uv: float, ordinary: tuple[date, date]) -> list[dict[str, Any]]:
    """Visitors per source (the basis' shares) and the paid spend at each source's recent visitor cost."""
    shares = kpi_frame(shop, ["uv"], ["source"], start=basis.start, end=basis.end)
    cost = kpi_frame(shop, ["uv", "ad_cost"], ["source"], start=ordinary[0], end=ordinary[1])
    if shares.empty:
        return []
    total = float(shares["uv"].sum())
    costs = {}
    if "ad_cost" in cost.columns:
        costs = {str(r["source"]): float(r["ad_cost"]) / float(r["uv"]) for r in cost.to_dict("records")
                 if r["uv"] and r["ad_cost"] == r["ad_cost"] and r["ad_cost"]}
    out = []
    for r in shares.sort_values("uv", ascending=False).to_dict("records"):
        share = float(r["uv"]) / total if total else 0.0
        visitors = uv * share
        vc = costs.get(str(r["source"]))
        out.append({"source": str(r["source"]), "share": round(share, 4), "uv": round(visitors),
                    "visitor_cost": None if vc is None else round(vc, 4),
                    "spend": None if vc is None else round(visitors * vc, 2)})
    return out


def _spend_band(shop: Shop, ratio: float, as_of: date) -> dict[str, Any]:
    """The spend ratio against the band of the shop's stage (junshi.marketing.ads, DOMAIN.md)."""
    from junshi.marketing.ads import STAGES, _status, infer_stage

    stage = infer_stage(shop, as_of)
    return {"stage": stage, "spend_band": list(STAGES[stage]), "spend_status": _status(ratio, STAGES[stage])}


def hourly_profile(shop: Shop, basis: Basis) -> list[float]:
    """The share of a day's sales paid by the end of each hour (24 values ending at 1), from the basis days."""
    f = kpi_frame(shop, ["sales"], ["hour"], start=basis.start, end=basis.end)
    by = np.zeros(24)
    for r in f.to_dict("records"):
        if r["sales"] == r["sales"]:
            by[int(r["hour"])] += float(r["sales"])
    if by.sum() <= 0:
        by = np.ones(24)
    return [round(float(x), 6) for x in np.cumsum(by) / by.sum()]


def plan(shop: Shop, target_sales: float, day: date, *, warm_up_days: int = WARM_UP_DAYS,
         after_days: int = AFTER_DAYS) -> dict[str, Any]:
    """The plan of a promotion whose main day ``day`` should sell ``target_sales`` (see the module), as JSON
    values; kept beside the warehouse for the shop's data version (:func:`junshi.versioned.stored`)."""
    from junshi import versioned

    if not target_sales > 0 or not math.isfinite(target_sales):
        raise ConfigError(f"The target must be a positive amount (not {target_sales}).",
                          f"目标销售额必须是正数（不是 {target_sales}）。", hint_en="Give --target-sales, e.g. 500000.",
                          hint_zh="请给出 --target-sales，例如 500000。")
    name = ("promo plan", target_sales, day, warm_up_days, after_days)
    return versioned.stored_json(shop, name, lambda: _plan(shop, target_sales, day, warm_up_days, after_days))


def _plan(shop: Shop, target_sales: float, day: date, warm_up_days: int, after_days: int) -> dict[str, Any]:
    first, last = paid_span(shop)
    start, end = day - timedelta(days=warm_up_days), day + timedelta(days=after_days)
    as_of = min(last, start - timedelta(days=1))
    if (as_of - first).days + 1 < MIN_DAYS:
        raise MissingDataError(
            f"A plan needs {MIN_DAYS} days of sales before {start}.",
            f"活动计划需要 {start} 之前至少 {MIN_DAYS} 天的销售数据。",
            hint_en="Load the orders of the weeks before.", hint_zh="请导入之前几周的订单。")
    basis = plan_basis(shop, first, as_of, day)
    ordinary = (max(first, as_of - timedelta(days=ORDINARY_DAYS - 1)), as_of)
    rates = kpi_frame(shop, ["payment_conversion_rate", "spend_per_buyer"], [], start=basis.start, end=basis.end)
    conv, spb = (float(rates[m].iloc[0]) if len(rates) and rates[m].iloc[0] == rates[m].iloc[0] else 0.0
                 for m in ("payment_conversion_rate", "spend_per_buyer"))
    if spb <= 0:
        raise MissingDataError(f"No paying buyers from {basis.start} to {basis.end}, so no spend per buyer.",
                               f"{basis.start} 至 {basis.end} 没有付款买家，无法计算客单价。",
                               hint_en="Load the orders of the weeks before.", hint_zh="请导入之前几周的订单。")
    days_o = daily(shop, ["payment_conversion_rate", "spend_per_buyer", "sales", "uv"], ordinary[0], ordinary[1])
    spb_iv = _rate_interval(days_o["spend_per_buyer"], spb)
    buyers, buyers_iv = target_sales / spb, [target_sales / spb_iv[1], target_sales / spb_iv[0]]
    visitors = _visitors(shop, basis, ordinary, days_o, target_sales, conv, spb, spb_iv) if conv > 0 else None
    uv = None if visitors is None else visitors["uv"]
    # the ordinary sales of the event's days (a forecast from the weeks before), then the phases' factors
    pre_lo = max(first, as_of - timedelta(days=PRE_DAYS - 1))
    hist = daily(shop, ["sales"], pre_lo, as_of)
    pre_days, window = day_range(pre_lo, as_of), day_range(start, end)
    base = counterfactual(pre_days, series(hist, "sales", pre_days), window).forecast
    visits = float(days_o["uv"].sum()) if uv is not None else 0.0
    uv_value = float(days_o["sales"].sum()) / visits if visits else 0.0  # sales per visitor of the ordinary days
    days, lift = [], []
    for d, b in zip(window, base, strict=True):
        phase = "warm_up" if d < day else "main" if d == day else "after"
        sales = target_sales if phase == "main" else b * (basis.warm_up if phase == "warm_up" else basis.after)
        lift.append(sales / b if b > 0 else 1.0)
        day_uv = None if uv is None else uv if phase == "main" else sales / uv_value if uv_value else 0.0
        days.append({"date": d.isoformat(), "phase": phase, "sales": round(sales, 2), "ordinary_sales": round(b, 2),
                     "uv": None if day_uv is None else round(day_uv)})
    return {
        "target_sales": target_sales, "date": day.isoformat(), "start": start.isoformat(), "end": end.isoformat(),
        "as_of": as_of.isoformat(),
        "basis": {"kind": basis.kind, "start": basis.start.isoformat(), "end": basis.end.isoformat(),
                  "warm_up": round(basis.warm_up, 4), "after": round(basis.after, 4)},
        **(visitors or {"uv": None, "uv_interval": None, "payment_conversion_rate": None,
                        "payment_conversion_rate_interval": None, "sources": [], "spend": None, "spend_ratio": None,
                        "stage": None, "spend_band": None, "spend_status": None}),
        "spend_per_buyer": spb, "spend_per_buyer_interval": [round(x, 2) for x in spb_iv],
        "paid_buyers": round(buyers, 1), "paid_buyers_interval": [round(x, 1) for x in buyers_iv],
        "days": days, "hourly": hourly_profile(shop, basis),
        "products": _products(shop, as_of, first, start, end, lift),
    }


def _visitors(shop: Shop, basis: Basis, ordinary: tuple[date, date], days_o: pd.DataFrame, target_sales: float,
              conv: float, spb: float, spb_iv: list[float]) -> dict[str, Any]:
    """The visitors the target needs at the basis' conversion and spend per buyer, their sources and the paid
    spend they imply (a shop with visitor data)."""
    conv_iv = _rate_interval(days_o["payment_conversion_rate"], conv)
    uv = target_sales / (conv * spb)
    uv_iv = [target_sales / (conv_iv[1] * spb_iv[1]), target_sales / (conv_iv[0] * spb_iv[0])]
    sources = _sources(shop, basis, uv, ordinary)
    spend = sum(s["spend"] for s in sources if s["spend"] is not None)
    return {"uv": uv, "uv_interval": [round(x, 1) for x in uv_iv], "payment_conversion_rate": conv,
            "payment_conversion_rate_interval": [round(x, 6) for x in conv_iv], "sources": sources,
            "spend": round(spend, 2), "spend_ratio": round(spend / target_sales, 4),
            **_spend_band(shop, spend / target_sales, ordinary[1])}


def _products(shop: Shop, as_of: date, first: date, start: date, end: date, lift: list[float]
              ) -> list[dict[str, Any]]:
    """Units each product is forecast to sell from the day after ``as_of`` to the event's end (ordinary days
    before the warm-up, then the plan's lift of each day), the upper quantile, and the stock that needs. None
    for orders without their lines (no product is known to have sold)."""
    try:
        h = unit_history(shop, max(first, as_of - timedelta(days=HISTORY_DAYS - 1)), as_of)
    except MissingDataError:
        return []
    horizon = (end - as_of).days
    fc = fit(h, horizon)
    lead = (start - as_of).days - 1
    mult = np.array([1.0] * lead + lift)
    stock, held = current_stock(shop, as_of), presale_units(shop, as_of)
    out = []
    for pid in fc.mean.columns:
        mean = float((fc.mean[pid].to_numpy() * mult).sum())
        upper = fc.quantile(pid, lift=mult)
        on_hand = stock.get(pid)
        free = None if on_hand is None else on_hand - held.get(pid, 0)
        out.append({"product_id": pid, "forecast_units": round(mean), "upper_units": upper, "stock": on_hand,
                    "presale_units": held.get(pid, 0),
                    "stock_needed": None if free is None else max(0, math.ceil(upper - free)),
                    "stockout_risk": None if free is None else 1.0 if free < 0
                    else round(fc.risk(pid, free, lift=mult), 4)})
    return sorted(out, key=lambda r: (-(r["stock_needed"] or 0), -r["forecast_units"], r["product_id"]))
