"""DSR early warning: each DSR score (宝贝与描述相符, 卖家服务, 物流服务) is the mean of the ratings of
the last 180 days; forecast it 30 days ahead and warn when it will fall below the peers or a threshold.

Forecast on day T for T+30, exact in what is known: the ratings of T-149..T stay in the window (known
sum and count), those of T-179..T-150 leave it. The 30 new days bring as many ratings as the last 30 days
did, at a level predicted from the last 30 days' mean by a line fitted on the shop's own history (each
day's 30-day mean against the one 30 days before: how much of a rise or fall lasts; see ``new_level``).
So forecast = (known sum + new count x level) / (known count + new count). The backtest replays this on
every day with 60 days behind it and 30 ahead, against the naive forecast (no change).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

import pandas as pd

from junshi.errors import MissingDataError
from junshi.metrics.registry import REGISTRY
from junshi.service.reviews import mention_frame, review_frame

if TYPE_CHECKING:
    from junshi.shop import Shop

SCORES = ("dsr_item", "dsr_service", "dsr_logistics")
WINDOW = 180
AHEAD = 30
RECENT = 30
MIN_PAIRS = 30  # pairs of 30-day means behind the line that predicts the next one
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
    r = shop.table("reviews")
    aggs: dict[str, Any] = {}
    for s in SCORES:
        aggs[f"{s}_n"] = r[s].count()
        aggs[f"{s}_sum"] = r[s].sum()
        aggs[f"{s}_sq"] = (r[s] * r[s]).sum()
    f = r.group_by(day=r.created_at.date()).aggregate(**aggs).execute()
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
    """Per day T: current (180-day mean up to T), forecast for T+30, the actual mean at T+30, and the
    parts of the forecast (ratings staying in the window, new ones and their level)."""
    n, total = daily[f"{score}_n"], daily[f"{score}_sum"]
    out = pd.DataFrame(index=daily.index)
    out["current"] = _window(total, WINDOW) / _window(n, WINDOW)
    out["known_n"] = _window(n, WINDOW - AHEAD)
    known_sum = _window(total, WINDOW - AHEAD)
    out["new_n"] = _window(n, RECENT) * AHEAD / RECENT
    out["level"] = new_level(daily, score)
    out["forecast"] = (known_sum + out["new_n"] * out["level"].fillna(0)) / (out["known_n"] + out["new_n"])
    out["actual"] = out["current"].shift(-AHEAD)
    return out


@dataclass
class Backtest:
    days: int
    mae: float
    mae_naive: float
    bias: float


def backtest(daily: pd.DataFrame, score: str, warmup: int = 60) -> Backtest | None:
    """Mean absolute error of the 30-day forecast on every day with ``warmup`` days behind it and 30 ahead,
    and that of the naive forecast (the score stays as it is)."""
    f = forecast_frame(daily, score).iloc[warmup:].dropna(subset=["current", "forecast", "actual"])
    if f.empty:
        return None
    err = f["forecast"] - f["actual"]
    return Backtest(len(f), float(err.abs().mean()), float((f["current"] - f["actual"]).abs().mean()),
                    float(err.mean()))


def _peer(shop: Shop, score: str, day: date) -> float | None:
    b = shop.table("benchmarks")
    b = b.filter((b.metric == score) & (b.level == "peer_avg") & (b.date <= day))
    f = b.order_by(b.date.desc()).limit(1).select("value").execute()
    return None if f.empty else float(f["value"].iloc[0])


def _low(low: Any, key: Any, name: str, score: str) -> list[dict[str, Any]]:
    """The five ``name`` values (products, carriers) with the most ratings below 4 on ``score``."""
    bad = low.filter((low[score] < 4) & key.notnull()).group_by(key.name(name)).aggregate(
        low_ratings=low[score].count())
    f = bad.order_by([bad.low_ratings.desc(), name]).limit(5).execute()
    return [{name: str(r[name]), "low_ratings": int(r["low_ratings"])} for r in f.to_dict("records")]


def dsr_forecast(shop: Shop, as_of: date | None = None, threshold: float = THRESHOLD) -> dict[str, Any]:
    """Each DSR score now and forecast 30 days ahead, against peers and ``threshold``; an alert names the
    aspects (negative review mentions of the last 30 days), the products and the carriers (most ratings
    below 4 on the score in the last 30 days) behind it; the backtest error of the method on this shop."""
    daily = daily_ratings(shop)
    day = as_of or daily.index.max().date()
    ts = pd.Timestamp(day)
    if ts not in daily.index:
        daily = daily.reindex(pd.date_range(min(ts, daily.index.min()), max(ts, daily.index.max()), freq="D"),
                              fill_value=0.0)  # a day before the first rating has no score: skipped below
    recent_start = day - timedelta(days=RECENT - 1)
    reviews = shop.table("reviews")
    low = reviews.filter((reviews.created_at.date() >= recent_start) & (reviews.created_at.date() <= day))
    orders = shop.table("orders").select("order_id", "carrier")
    low = low.left_join(orders, low.order_id == orders.order_id)
    reviews_recent = review_frame(shop, recent_start, day)
    mentions = mention_frame(reviews_recent) if not reviews_recent.empty else pd.DataFrame(
        columns=["aspect", "polarity"])
    out = []
    for score in SCORES:
        f = forecast_frame(daily, score)
        current, fc = float(f["current"].loc[ts]), float(f["forecast"].loc[ts])
        if current != current:  # NaN: no rating of this score in the window
            continue
        peer = _peer(shop, score, day)
        below_peer = peer is not None and fc < peer
        below_threshold = fc < threshold
        neg = mentions[(mentions["polarity"] < 0) & mentions["aspect"].isin(SCORE_ASPECTS[score])]
        aspects = [{"aspect": a, "negative": int(c)} for a, c in neg["aspect"].value_counts().items()]
        bt = backtest(daily, score)
        m = REGISTRY[score]
        out.append({
            "metric": score, "name_zh": m.name.zh, "name_en": m.name.en,
            "current": round(float(current), 4), "forecast": round(float(fc), 4),
            "change": round(float(fc - current), 4), "peer": peer, "threshold": threshold,
            "alert": bool(below_peer or below_threshold),
            "below_peer": bool(below_peer), "below_threshold": bool(below_threshold),
            "recent_ratings": int(daily[f"{score}_n"].loc[:ts].tail(RECENT).sum()),
            "aspects": aspects,
            "products": _low(low, low.product_id, "product_id", score),
            "carriers": _low(low, low.carrier, "carrier", score),
            "backtest": None if bt is None else {"days": bt.days, "mae": round(bt.mae, 4),
                                                 "mae_naive": round(bt.mae_naive, 4), "bias": round(bt.bias, 4)},
        })
    return {"as_of": day.isoformat(), "ahead_days": AHEAD, "window_days": WINDOW, "scores": out}
