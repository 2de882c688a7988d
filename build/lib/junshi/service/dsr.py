"""DSR early warning: each DSR score (宝贝与描述相符, 卖家服务, 物流服务) is the mean of the ratings of
the last 180 days; forecast it 30 days ahead and warn when it will fall below the peers or a threshold.

Forecast on day T for T+30, exact in what is known: the ratings of T-149..T stay in the window (known
sum and count), those of T-179..T-150 leave it. The 30 new days bring as many ratings as the last 30 days
did, at a level predicted from the last 30 days' mean by a line fitted on the shop's own history (each
day's 30-day mean against the one 30 days before: how much of a rise or fall lasts; see ``new_level``).
So the model's forecast = (known sum + new count x level) / (known count + new count).

Per score the shop's own rolling-origin backtest then chooses between that model and no change: on day T
the one whose forecasts made 30 or more days before T (their outcome known on T) erred less; the 80%
interval is the 10th..90th percentile of those errors around the forecast (with fewer than ``MIN_PAST``
known errors: the model, and an interval from the ratings' variance). ``rolling_origin`` replays this on
every day, so its backtest measures the choice as it would have been made then (no look-ahead).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

import ibis
import numpy as np
import pandas as pd

from junshi.errors import MissingDataError
from junshi.metrics.registry import REGISTRY
from junshi.service.reviews import negative_mentions

if TYPE_CHECKING:
    from junshi.shop import Shop

SCORES = ("dsr_item", "dsr_service", "dsr_logistics")
WINDOW = 180
AHEAD = 30
RECENT = 30
MIN_PAIRS = 30  # pairs of 30-day means behind the line that predicts the next one
WARMUP = 60  # days of history before the first forecast the backtest scores
MIN_PAST = 15  # known past errors before they choose the method and give the interval
INTERVAL = 0.8  # the forecast's interval holds the actual this often (10th..90th percentile)
Z80 = 1.2816  # the standard normal's 90th percentile
THRESHOLD = 4.7  # below this a Taobao shop's DSR shows green (below the industry) for most categories
# the review aspects behind each score
SCORE_ASPECTS = {
    "dsr_item": ("quality", "size", "color", "smell", "workmanship", "price"),
    "dsr_service": ("service",),
    "dsr_logistics": ("logistics", "packaging"),
}


def daily_ratings(shop: Shop) -> pd.DataFrame:
    """Per shop-local day and score: the count, sum and sum of squares of the ratings (days without
    ratings: 0)."""
    from junshi.metrics.query import run_dated

    def per_day(*_: date | None) -> dict[str, Any]:
        r = shop.table("reviews")
        aggs: dict[str, Any] = {}
        for s in SCORES:
            aggs[f"{s}_n"] = r[s].count()
            aggs[f"{s}_sum"] = r[s].sum()
            aggs[f"{s}_sq"] = (r[s] * r[s]).sum()
        return {"days": r.group_by(day=r.created_at.date()).aggregate(**aggs)}

    f = run_dated(shop.warehouse, shop.shop_id, "dsr_daily", per_day, None, None)["days"]
    if f.empty or not any(f[f"{s}_n"].sum() for s in SCORES):
        raise MissingDataError(
            "This shop has no DSR ratings.", "本店没有 DSR 评分。",
            hint_en="Load reviews with 宝贝与描述相符 / 卖家服务 / 物流服务 scores.",
            hint_zh="请导入带有宝贝与描述相符、卖家服务、物流服务评分的评价。",
        )
    f["day"] = pd.to_datetime(f["day"])
    full = pd.date_range(f["day"].min(), f["day"].max(), freq="D")
    out: pd.DataFrame = f.set_index("day").astype(float).reindex(full).fillna(0.0)
    return out


def _window(s: pd.Series, days: int) -> pd.Series:
    return s.rolling(days, min_periods=1).sum()


def new_level(daily: pd.DataFrame, score: str) -> pd.Series:
    """Per day T: the expected mean of the ratings of the next 30 days. From the shop's own history up
    to T, a least-squares line predicts a 30-day mean from the one 30 days before it (every day a pair);
    its slope (clipped to 0..1) says how much of a recent rise or fall lasts. With fewer than
    ``MIN_PAIRS`` pairs: the mean of every rating so far."""
    n, total = daily[f"{score}_n"], daily[f"{score}_sum"]
    recent = _window(total, RECENT) / _window(n, RECENT).where(lambda c: c > 0)
    before = recent.shift(RECENT)
    ok = recent.notna() & before.notna()
    x, y = before.where(ok, 0.0), recent.where(ok, 0.0)
    pairs = ok.cumsum()
    mx, my = x.cumsum() / pairs, y.cumsum() / pairs
    slope = (((x * y).cumsum() / pairs - mx * my) / ((x * x).cumsum() / pairs - mx * mx)).clip(0.0, 1.0)
    level = my + slope.fillna(0.0) * (recent - mx)
    mean_so_far = total.cumsum() / n.cumsum()
    return level.where(pairs >= MIN_PAIRS, mean_so_far)


def forecast_frame(daily: pd.DataFrame, score: str) -> pd.DataFrame:
    """Per day T: current (180-day mean up to T), the model's forecast for T+30, the actual mean at T+30,
    the parts of the forecast (ratings staying in the window, new ones and their level) and the variance of
    the window's ratings."""
    n, total, sq = daily[f"{score}_n"], daily[f"{score}_sum"], daily[f"{score}_sq"]
    out = pd.DataFrame(index=daily.index)
    count, window_sum = _window(n, WINDOW), _window(total, WINDOW)
    out["current"] = window_sum / count
    out["variance"] = (_window(sq, WINDOW) - window_sum * out["current"]) / (count - 1).where(count > 1)
    out["known_n"] = _window(n, WINDOW - AHEAD)
    known_sum = _window(total, WINDOW - AHEAD)
    out["new_n"] = _window(n, RECENT) * AHEAD / RECENT
    out["level"] = new_level(daily, score)
    out["forecast"] = (known_sum + out["new_n"] * out["level"].fillna(0)) / (out["known_n"] + out["new_n"])
    out["actual"] = out["current"].shift(-AHEAD)
    return out


def rolling_origin(daily: pd.DataFrame, score: str, warmup: int = WARMUP) -> pd.DataFrame:
    """Per day T, as it could have been made on T: ``method`` (``model`` or ``no_change``: the one with the
    lower mean absolute error over the forecasts made on days ``warmup``..T-30, whose outcome T knows; the
    model while fewer than ``MIN_PAST`` are known), its ``point`` forecast for T+30 and 80% interval
    ``low``..``high`` (the 10th..90th percentile of that method's known errors; too few: the new ratings'
    share of the window times a normal spread of their mean, as uncertain as the mean of as many ratings
    twice over: once for the level, once for the ratings drawn around it), the ``actual`` and the model's
    and no change's forecasts. Intervals are clipped to the 1..5 scale. When no rating would be in the
    window in 30 days (none in the last 150 days): no change, without an interval."""
    f = forecast_frame(daily, score)
    forecasts = {"model": f["forecast"].to_numpy(), "no_change": f["current"].to_numpy()}
    errors = {k: v - f["actual"].to_numpy() for k, v in forecasts.items()}
    share = f["new_n"] / (f["known_n"] + f["new_n"])
    n, total = daily[f"{score}_n"], daily[f"{score}_sum"]
    recent = _window(total, RECENT) / _window(n, RECENT).where(lambda c: c > 0)
    moved = (recent - recent.shift(RECENT)).expanding().var()  # how far 30-day means moved in 30 days so far
    sampling = 2 * f["variance"] / f["new_n"]
    spread = (Z80 * share * np.sqrt(np.fmax(moved, sampling))).fillna(0.0).to_numpy()
    rows = []
    for i in range(len(f)):
        known = slice(warmup, max(warmup, i - AHEAD + 1))  # origins j <= T-30: their actual (j+30) is known
        both = ~np.isnan(errors["model"][known]) & ~np.isnan(errors["no_change"][known])
        past = {k: e[known][both] for k, e in errors.items()}
        if both.sum() < MIN_PAST:
            method, low, high = "model", -spread[i], spread[i]
        else:
            method = min(past, key=lambda k: (float(np.abs(past[k]).mean()), k != "model"))
            low = min(-float(np.quantile(past[method], 0.9)), -spread[i])
            high = max(-float(np.quantile(past[method], 0.1)), spread[i])
        if np.isnan(forecasts["model"][i]):  # no rating would be left in the window: nothing to forecast from
            method, low, high = "no_change", 0.0, 0.0
        point = forecasts[method][i]
        rows.append((method, point, min(max(point + low, 1.0), 5.0), min(max(point + high, 1.0), 5.0)))
    out = pd.DataFrame(rows, index=f.index, columns=["method", "point", "low", "high"])
    out["actual"], out["model"], out["no_change"] = f["actual"], f["forecast"], f["current"]
    return out


@dataclass
class Backtest:
    """Errors (points) of the forecasts of the days with ``warmup`` days behind them and 30 ahead: the
    chosen forecast's ``mae``, ``bias`` (mean of forecast - actual) and the share of actuals inside its 80%
    interval (``coverage``); the same errors of the model alone and of no change."""

    days: int
    mae: float
    mae_model: float
    mae_naive: float
    bias: float
    bias_model: float
    bias_naive: float
    coverage: float


def backtest(daily: pd.DataFrame, score: str, warmup: int = WARMUP) -> Backtest | None:
    """The rolling-origin backtest of ``rolling_origin`` on every day with ``warmup`` days behind it and
    30 ahead."""
    return backtest_of(rolling_origin(daily, score, warmup), warmup)


def backtest_of(origins: pd.DataFrame, warmup: int = WARMUP) -> Backtest | None:
    """The backtest of a frame of ``rolling_origin``."""
    f = origins.iloc[warmup:].dropna(subset=["point", "actual"])
    if f.empty:
        return None
    err, model, naive = (f[c] - f["actual"] for c in ("point", "model", "no_change"))
    inside = (f["low"] <= f["actual"]) & (f["actual"] <= f["high"])
    return Backtest(len(f), float(err.abs().mean()), float(model.abs().mean()), float(naive.abs().mean()),
                    float(err.mean()), float(model.mean()), float(naive.mean()), float(inside.mean()))


def _recent(shop: Shop, start: date | None, day: date | None) -> dict[str, Any]:
    """The latest peer average of each score up to ``day`` (``peers``: metric, value) and the ratings below 4 of
    each score from ``start`` to ``day`` per product and carrier (``low``: product_id, carrier, ``{score}_low``)."""
    b = shop.table("benchmarks")
    b = b.filter(b.metric.isin(SCORES) & (b.level == "peer_avg") & (b.date <= day))
    latest = b.mutate(rank=ibis.row_number().over(group_by="metric", order_by=b.date.desc()))
    peers = latest.filter(latest["rank"] == 0).select("metric", "value")
    reviews = shop.table("reviews")
    low = reviews.filter((reviews.created_at.date() >= start) & (reviews.created_at.date() <= day)
                         & ibis.or_(*(reviews[s] < 4 for s in SCORES)))
    orders = shop.table("orders").select("order_id", "carrier")
    low = low.left_join(orders, low.order_id == orders.order_id)
    per = low.group_by("product_id", "carrier").aggregate(
        **{f"{s}_low": (low[s] < 4).sum().cast("int64") for s in SCORES})
    return {"peers": peers, "low": per}


def _low(low: pd.DataFrame, name: str, score: str) -> list[dict[str, Any]]:
    """The five ``name`` values (products, carriers) with the most ratings below 4 on ``score``."""
    bad = low[low[name].notna()].groupby(name)[f"{score}_low"].sum().rename("low_ratings").reset_index()
    bad = bad[bad["low_ratings"] > 0].sort_values(["low_ratings", name], ascending=[False, True]).head(5)
    return [{name: str(r[name]), "low_ratings": int(r["low_ratings"])} for r in bad.to_dict("records")]


def _certainty(high: float, lines: list[float]) -> str | None:
    """How sure an alert is: ``likely`` when even the interval's upper end is below a line the forecast
    crosses, ``possible`` when only the forecast is; None without an alert."""
    if not lines:
        return None
    return "likely" if high < max(lines) else "possible"


def dsr_forecast(shop: Shop, as_of: date | None = None, threshold: float = THRESHOLD) -> dict[str, Any]:
    """Each DSR score now and forecast 30 days ahead with its 80% interval and the method the shop's own
    backtest chose, against peers and ``threshold``; an alert says how sure it is and names the aspects
    (negative review mentions of the last 30 days), the products and the carriers (most ratings below 4 on
    the score in the last 30 days) behind it; the backtest errors on this shop up to ``as_of``."""
    from junshi.metrics.query import run_dated

    daily = daily_ratings(shop)
    day = as_of or daily.index.max().date()
    ts = pd.Timestamp(day)
    if ts not in daily.index:
        daily = daily.reindex(pd.date_range(min(ts, daily.index.min()), max(ts, daily.index.max()), freq="D"),
                              fill_value=0.0)  # a day before the first rating has no score: skipped below
    daily = daily.loc[:ts]  # only what was known on the day
    recent_start = day - timedelta(days=RECENT - 1)
    recent = run_dated(shop.warehouse, shop.shop_id, "dsr_recent", lambda a, b: _recent(shop, a, b), recent_start,
                       day)
    peers = {str(r["metric"]): float(r["value"]) for r in recent["peers"].to_dict("records")}
    low = recent["low"]
    mentions = negative_mentions(shop, recent_start, day)
    out = []
    for score in SCORES:
        f = rolling_origin(daily, score)
        at = int(f.index.get_indexer(pd.DatetimeIndex([ts]))[0])
        current, fc, lo, hi = (float(v) for v in f[["no_change", "point", "low", "high"]].to_numpy(float)[at])
        if current != current:  # NaN: no rating of this score in the window
            continue
        peer = peers.get(score)
        below_peer = peer is not None and fc < peer
        below_threshold = fc < threshold
        crossed = [line for line, below in ((peer, below_peer), (threshold, below_threshold)) if below]
        aspects = [{"aspect": a, "negative": c} for a, c in mentions.items() if a in SCORE_ASPECTS[score]]
        bt = backtest_of(f)
        m = REGISTRY[score]
        out.append({
            "metric": score, "name_zh": m.name.zh, "name_en": m.name.en,
            "current": round(current, 4), "forecast": round(fc, 4),
            "low": round(lo, 4), "high": round(hi, 4), "method": str(f["method"].iloc[at]),
            "change": round(fc - current, 4), "peer": peer, "threshold": threshold,
            "alert": bool(below_peer or below_threshold),
            "certainty": _certainty(hi, [float(x) for x in crossed if x is not None]),
            "below_peer": bool(below_peer), "below_threshold": bool(below_threshold),
            "recent_ratings": int(daily[f"{score}_n"].tail(RECENT).sum()),
            "aspects": aspects,
            "products": _low(low, "product_id", score),
            "carriers": _low(low, "carrier", score),
            "backtest": None if bt is None else {
                "days": bt.days, "mae": round(bt.mae, 4), "mae_model": round(bt.mae_model, 4),
                "mae_naive": round(bt.mae_naive, 4), "bias": round(bt.bias, 4),
                "bias_model": round(bt.bias_model, 4), "bias_naive": round(bt.bias_naive, 4),
                "coverage": round(bt.coverage, 4)},
        })
    return {"as_of": day.isoformat(), "ahead_days": AHEAD, "window_days": WINDOW, "interval": INTERVAL,
            "scores": out}
