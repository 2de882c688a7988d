"""The post-mortem of a promotion (活动复盘): what it truly added, against what the days would have sold.

The counterfactual is the shop's own pre-period (:mod:`junshi.promo.baseline`): up to :data:`PRE_DAYS` days
before the window, forecast over the window with weekday effects and a trend, with a bootstrap interval. The
window's lift splits into the warm-up (demand pulled forward: buyers wait for the day, presale balances move
to it), the main day and the days after (hangover); ``incremental_sales`` is their net sum.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

import ibis
import numpy as np

from junshi.analysis.source import kpi_frame
from junshi.errors import ConfigError, MissingDataError
from junshi.promo.baseline import LEVEL, MIN_DAYS, Counterfactual, counterfactual, day_range
from junshi.promo.history import check_range, daily, out_of_stock_days, paid_span, presale_orders, series

if TYPE_CHECKING:
    from junshi.shop import Shop

PRE_DAYS = 56  # eight weeks before the window
WARM_UP_DAYS = 10  # the default window: the platforms' presale starts about ten days before the day
AFTER_DAYS = 3
FOLLOW_UP_DAYS = 90  # longest follow-up of the new customers' repurchase
PHASE_KPIS = ("sales", "uv", "paid_buyers", "payment_conversion_rate", "spend_per_buyer", "paid_orders")


def _money(x: float) -> float:
    return round(float(x), 2)


@dataclass(frozen=True)
class Window:
    """The promotion's days and its main day; the pre-period its counterfactual learns from."""

    start: date
    end: date
    day: date
    pre_start: date
    pre_end: date

    @property
    def days(self) -> list[date]:
        return day_range(self.start, self.end)

    @property
    def pre_days(self) -> list[date]:
        return day_range(self.pre_start, self.pre_end)

    def phases(self) -> list[tuple[str, date, date]]:
        """(phase, first day, last day) of the phases the window holds."""
        out = []
        if self.start < self.day:
            out.append(("warm_up", self.start, self.day - timedelta(days=1)))
        out.append(("main", self.day, self.day))
        if self.day < self.end:
            out.append(("after", self.day + timedelta(days=1), self.end))
        return out


def last_promotion(shop: Shop, until: date | None = None) -> tuple[date, date, date]:
    """(start, end, main day) of the shop's last big shopping day with its warm-up, the days after and
    :data:`MIN_DAYS` before it in the data up to ``until`` (618, 双11, 双12 in CNY; Black Friday, Cyber Monday
    elsewhere)."""
    from junshi.analysis.alerts import promotion_days

    first, last = paid_span(shop)
    last = min(last, until or last)
    peaks = promotion_days(range(first.year, last.year + 1), str(shop.settings["currency"]), before=0, after=0)
    fits = [d for d in peaks
            if first + timedelta(days=MIN_DAYS + WARM_UP_DAYS) <= d and d + timedelta(days=AFTER_DAYS) <= last]
    if not fits:
        raise MissingDataError(
            f"No big shopping day with {MIN_DAYS + WARM_UP_DAYS} days before it and {AFTER_DAYS} after it in "
            f"{first}..{last}.",
            f"{first}~{last} 之间没有前有 {MIN_DAYS + WARM_UP_DAYS} 天、后有 {AFTER_DAYS} 天数据的大促日。",
            hint_en="Name the promotion's days with --start and --end.", hint_zh="请用 --start 和 --end 指定活动日期。")
    day = max(fits)
    return day - timedelta(days=WARM_UP_DAYS), day + timedelta(days=AFTER_DAYS), day


def window(shop: Shop, start: date, end: date, day: date | None, first_day: date) -> Window:
    """The window with its main day (``day``, else the day of the window that sold most) and pre-period."""
    check_range(start, end)
    pre_end = start - timedelta(days=1)
    pre_start = max(first_day, start - timedelta(days=PRE_DAYS))
    have = (pre_end - pre_start).days + 1
    if have < MIN_DAYS:
        raise MissingDataError(
            f"A post-mortem needs {MIN_DAYS} days of sales before {start} (this shop has {max(have, 0)}).",
            f"活动复盘需要 {start} 之前至少 {MIN_DAYS} 天的销售数据（本店只有 {max(have, 0)} 天）。",
            hint_en="Load the orders of the weeks before the promotion.", hint_zh="请导入活动前几周的订单。")
    if day is None:
        f = daily(shop, ["sales"], start, end)
        day = start if f.empty else f.sort_values(["sales", "day"], ascending=[False, True])["day"].iloc[0]
    elif not start <= day <= end:
        raise ConfigError(f"The main day {day} is outside {start}..{end}.", f"大促当天 {day} 不在 {start}~{end} 之内。",
                          hint_en="Give a --day inside the window.", hint_zh="请给出活动期间内的 --day。")
    return Window(start, end, day, pre_start, pre_end)


def _lift(actual: np.ndarray, cf: Counterfactual, mask: np.ndarray) -> dict[str, Any]:
    lo, hi = cf.interval(actual, mask)
    return {"sales": _money(actual[mask].sum()), "baseline": _money(cf.forecast[mask].sum()),
            "lift": _money(actual[mask].sum() - cf.forecast[mask].sum()), "interval": [_money(lo), _money(hi)]}


def new_customers(shop: Shop, w: Window, last_day: date) -> dict[str, Any]:
    """Customers whose first paid order fell in the window, and the share who bought again within the follow-up
    (the days after the window, at most :data:`FOLLOW_UP_DAYS`), against ordinary new customers (first paid
    order in the pre-period, early enough to be followed as long, before the window)."""
    from junshi.metrics.query import run_dated

    follow = min(FOLLOW_UP_DAYS, (last_day - w.end).days)
    before = (w.start - w.pre_start).days  # the pre-period's first day, as days before the window's

    def cohorts(start: date | None, end: date | None) -> dict[str, Any]:
        assert start is not None and end is not None
        o = shop.table("orders")
        paid = o.filter(o.paid_at.notnull() & o.customer_id.notnull())
        first = paid.group_by("customer_id").aggregate(first=paid.paid_at.min(), orders=paid.count())
        pre_start, ordinary_end = start - timedelta(days=before), start - timedelta(days=follow + 1)
        cohort = ibis.cases(((first["first"].date() >= start) & (first["first"].date() <= end), "promotion"),
                            ((first["first"].date() >= pre_start) & (first["first"].date() <= ordinary_end),
                             "ordinary"), else_=None)
        first = first.mutate(cohort=cohort).filter(cohort.notnull())
        # only a customer with two paid orders or more can have bought again: the others' orders are not joined
        j = first.filter(first.orders > 1).join(paid, "customer_id")
        again = j.filter((j.paid_at > j["first"]) & (j.paid_at <= j["first"] + ibis.interval(days=max(follow, 0))))
        again = again.select(again_id=again.customer_id).distinct()
        per = first.left_join(again, first.customer_id == again.again_id)
        return {"cohorts": per.group_by("cohort").aggregate(customers=per.customer_id.count(),
                                                           again=per.again_id.count())}

    f = run_dated(shop.warehouse, shop.shop_id, f"promo new customers {before} {follow}", cohorts, w.start,
                  w.end)["cohorts"]
    rows = {str(r["cohort"]): (int(r["customers"]), int(r["again"])) for r in f.to_dict("records")}
    acquired, again_p = rows.get("promotion", (0, 0))
    ordinary, again_o = rows.get("ordinary", (0, 0))
    ok = follow >= 7
    return {"acquired": acquired, "follow_up_days": follow,
            "repurchase_rate": round(again_p / acquired, 4) if ok and acquired else None,
            "ordinary_customers": ordinary,
            "ordinary_repurchase_rate": round(again_o / ordinary, 4) if ok and ordinary else None}


def lost_sales(shop: Shop, w: Window, product_daily: Any, shop_actual: np.ndarray, cf: Counterfactual
               ) -> list[dict[str, Any]]:
    """Products out of stock on days of the window and the sales they lost: the product's daily sales on its
    in-stock pre-period days, times the day's lift of the whole shop (actual / counterfactual)."""
    days = w.days
    out = []
    pre = product_daily[product_daily["day"] < w.start]
    pre_out = out_of_stock_days(shop, w.pre_days)
    for pid, gone in out_of_stock_days(shop, days).items():
        p = pre[pre["product_id"] == pid]
        open_days = len(w.pre_days) - len(pre_out.get(pid, []))
        rate = float(p["sales"].sum()) / open_days if open_days > 0 else 0.0
        idx = [days.index(d) for d in gone]
        ratio = np.divide(shop_actual[idx], cf.forecast[idx], out=np.ones(len(idx)), where=cf.forecast[idx] > 0)
        out.append({"product_id": pid, "days": len(gone), "first_day": gone[0].isoformat(),
                    "lost_sales": _money(rate * float(ratio.sum()))})
    return sorted(out, key=lambda r: (-r["lost_sales"], r["product_id"]))


def phase_kpis(shop: Shop, start: date, end: date) -> dict[str, float | None]:
    """The phase's figures over its days as a whole (visitors and buyers counted once)."""
    f = kpi_frame(shop, list(PHASE_KPIS), [], start=start, end=end)
    row = f.iloc[0].to_dict() if len(f) else {}
    return {m: (None if row.get(m) is None or row[m] != row[m] else float(row[m])) for m in PHASE_KPIS}


@dataclass(frozen=True)
class Estimate:
    """The window, its actual daily sales and their counterfactual."""

    window: Window
    actual: np.ndarray
    counterfactual: Counterfactual
    last_day: date

    @property
    def incremental(self) -> float:
        return float(self.actual.sum() - self.counterfactual.forecast.sum())

    def interval(self) -> tuple[float, float]:
        return self.counterfactual.interval(self.actual)


def estimate(shop: Shop, start: date, end: date, day: date | None = None, seed: int = 0) -> Estimate:
    """The incremental sales of start..end against the pre-period's counterfactual (kept while the shop's data is
    unchanged: the review of the last promotion and the plan learning from it ask for the same one)."""
    from junshi import versioned

    return versioned.kept(shop, ("promo estimate", start, end, day, seed), lambda: _estimate(shop, start, end, day,
                                                                                             seed))


def _estimate(shop: Shop, start: date, end: date, day: date | None, seed: int) -> Estimate:
    first_day, last_day = paid_span(shop)
    w = window(shop, start, end, day, first_day)
    f = daily(shop, ["sales"], w.pre_start, w.end)
    return Estimate(w, series(f, "sales", w.days),
                    counterfactual(w.pre_days, series(f, "sales", w.pre_days), w.days, seed=seed), last_day)


def review(shop: Shop, start: date, end: date, *, day: date | None = None,
           products: list[str] | None = None, seed: int = 0) -> dict[str, Any]:
    """The post-mortem of the promotion on start..end (main ``day``: else the day that sold most), as JSON values.

    ``products``: the products on promotion (default: those sold by presale in the window); the others'
    sales against their own counterfactual are the cannibalisation. Kept beside the warehouse for the shop's
    data version (:func:`junshi.versioned.stored`): the page asks for the same promotion every day until a load."""
    from junshi import versioned

    name = ("promo review", start, end, day, None if products is None else tuple(products), seed)
    return versioned.stored_json(shop, name, lambda: _review(shop, start, end, day, products, seed))


def _review(shop: Shop, start: date, end: date, day: date | None, products: list[str] | None,
            seed: int) -> dict[str, Any]:
    est = estimate(shop, start, end, day, seed)
    w, actual, cf = est.window, est.actual, est.counterfactual
    days, pre_days = w.days, w.pre_days
    phase_of = {d: ph for ph, a, b in w.phases() for d in day_range(a, b)}
    phases = []
    for ph, a, b in w.phases():
        mask = np.array([phase_of[d] == ph for d in days])
        phases.append({"phase": ph, "start": a.isoformat(), "end": b.isoformat(), **_lift(actual, cf, mask),
                       "kpis": phase_kpis(shop, a, b)})
    by_phase = {p["phase"]: p for p in phases}
    total_lo, total_hi = est.interval()
    promo_products = products if products is not None else presale_products(shop, start, end)
    pf = daily(shop, ["sales"], w.pre_start, w.end, by=["product_id"])
    band_lo, band_hi = cf.day_band()
    return {
        "start": start.isoformat(), "end": end.isoformat(), "day": w.day.isoformat(),
        "pre_period": {"start": w.pre_start.isoformat(), "end": w.pre_end.isoformat(), "days": len(pre_days),
                       "trend": cf.trend},
        "level": LEVEL,
        "sales": _money(actual.sum()),
        "baseline": _money(cf.forecast.sum()),
        "incremental_sales": _money(est.incremental),
        "interval": [_money(total_lo), _money(total_hi)],
        "pull_forward": by_phase["warm_up"]["lift"] if "warm_up" in by_phase else 0.0,
        "main_lift": by_phase["main"]["lift"],
        "hangover": by_phase["after"]["lift"] if "after" in by_phase else 0.0,
        "phases": phases,
        "presale": presale_orders(shop, start, end),
        "cannibalisation": cannibalisation(pf, w, promo_products, seed),
        "new_customers": new_customers(shop, w, est.last_day),
        "stockouts": lost_sales(shop, w, pf, actual, cf),
        "daily": [{"date": d.isoformat(), "phase": phase_of[d], "sales": _money(a), "baseline": _money(b),
                   "low": _money(lo), "high": _money(hi)}
                  for d, a, b, lo, hi in zip(days, actual, cf.forecast, band_lo, band_hi, strict=True)],
    }


def presale_products(shop: Shop, start: date, end: date) -> list[str]:
    """Products sold by presale (deposit) orders created in start..end."""
    from junshi.metrics.query import run_dated

    def products(first: date | None, last: date | None) -> dict[str, Any]:
        o, li = shop.table("orders"), shop.table("order_items")
        o = o.filter(o.is_presale.fill_null(False) & (o.created_at.date() >= first) & (o.created_at.date() <= last))
        return {"products": li.filter(li.order_id.isin(o.order_id)).select("product_id").distinct()}

    f = run_dated(shop.warehouse, shop.shop_id, "promo presale products", products, start, end)["products"]
    return sorted(str(p) for p in f["product_id"].dropna())


def cannibalisation(product_daily: Any, w: Window, promoted: list[str], seed: int) -> dict[str, Any] | None:
    """Sales of the products not on promotion against their own counterfactual over the window: a fall is
    the sales the promoted products took from them (None when no product is named as promoted)."""
    if not promoted:
        return None
    others = product_daily[~product_daily["product_id"].isin(promoted)]
    actual = series(others, "sales", w.days)
    cf = counterfactual(w.pre_days, series(others, "sales", w.pre_days), w.days, seed=seed)
    lo, hi = cf.interval(actual)
    change = float(actual.sum() - cf.forecast.sum())
    return {"promoted_products": promoted, "other_sales": _money(actual.sum()),
            "other_baseline": _money(cf.forecast.sum()), "change": _money(change), "interval": [_money(lo), _money(hi)],
            "cannibalised": bool(hi < 0)}
