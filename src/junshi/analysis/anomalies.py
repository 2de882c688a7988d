"""Expected value, range and anomaly score of daily series, from each series' own history.

Method (robust seasonal baseline): the expected value of day D is the median of the same weekday over
the previous ``weeks`` weeks; the spread is 1.4826 x the median absolute deviation of the history's
residuals (each history day minus the median of the other days of its weekday in the window), floored
by the sampling noise of the metric (Poisson for counts, binomial for rates, ``avg_cv / sqrt(n)`` for
averages such as spend per buyer, compound Poisson ``sqrt(1 + avg_cv^2) / sqrt(n)`` of the expected
buyers for money, and never below ``money_floor`` of the expected value). The score is the robust z-value
``(actual - expected) / spread``; the range is ``expected +- z_range x spread``.

Why not a fitted model (statsforecast MSTL / AutoETS)? A shop has hundreds of series (metric x source /
product / category) of a few months each; the planted and real anomalies, promotion days and presale
periods sit inside the same histories and drag a least-squares fit, while medians ignore them. The
median baseline is exact, runs on every series and every day at once as array operations (a scan of
a whole season takes seconds), and needs no tuning. Days marked as promotion days are left out of
every history and flagged when they are the day scored.

Units: ``count`` and ``money`` add up (a day without a row is 0); ``ratio``, ``avg`` and ``level`` (a
mean such as days to deliver, floored at ``money_floor`` of itself) do not: a day without a value is
missing, never 0.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd

MAD_SCALE = 1.4826
ADDITIVE = ("count", "money")


@dataclass(frozen=True)
class AnomalySettings:
    """Thresholds; change them per shop (``weeks`` of history, ``z_alert`` to alert, ``min_rel`` change)."""

    weeks: int = 6
    min_history: int = 21  # days of history (three of each weekday) before a series is scored
    z_range: float = 3.0
    z_alert: float = 4.0
    min_rel: float = 0.2
    money_floor: float = 0.1
    avg_cv: float = 0.6


@dataclass(frozen=True)
class SeriesMatrix:
    """Series x days: ``values`` (NaN = missing) and optional ``weights`` (the denominator of a rate)."""

    keys: list[str]
    days: list[date]
    values: np.ndarray
    weights: np.ndarray | None
    unit: str

    @classmethod
    def from_frame(cls, frame: pd.DataFrame, key: str | None, value: str, unit: str,
                   weight: str | None = None) -> SeriesMatrix:
        """Pivot a long frame (key column, ``day``, value column) to series x every calendar day."""
        f = frame if key else frame.assign(_series="")
        k = key or "_series"
        keys = sorted(f[k].dropna().astype(str).unique())
        if len(f):
            lo, hi = min(f["day"]), max(f["day"])
            days = [lo + timedelta(days=i) for i in range((hi - lo).days + 1)]
        else:
            days = []

        def pivot(col: str, fill: float | None) -> np.ndarray:
            p = f.assign(**{k: f[k].astype(str)}).pivot_table(index=k, columns="day", values=col, aggfunc="sum")
            p = p.reindex(index=keys, columns=days).astype(float)
            return p.fillna(fill).to_numpy() if fill is not None else p.to_numpy()

        values = pivot(value, 0.0 if unit in ADDITIVE else None)
        weights = pivot(weight, 0.0) if weight else None
        return cls(keys, days, values, weights, unit)


def _nanmedian(a: np.ndarray, axis: int) -> np.ndarray:
    if not np.isnan(a).any():
        med: np.ndarray = np.median(a, axis=axis)
        return med
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        out: np.ndarray = np.nanmedian(a, axis=axis)
    return out


def score(m: SeriesMatrix, day: date, *, promo_days: Iterable[date] = (),
          settings: AnomalySettings = AnomalySettings()) -> pd.DataFrame:
    """Score ``day`` for every series: key, actual, expected, lower, upper, score, rel_change,
    history_days, promotion_day. Series with fewer than ``min_history`` days of history are left out."""
    cols = ["key", "actual", "expected", "lower", "upper", "score", "rel_change", "history_days", "promotion_day"]
    if day not in m.days:
        return pd.DataFrame(columns=cols)
    t = m.days.index(day)
    promo = set(promo_days)
    window = [i for i in range(max(0, t - 7 * settings.weeks), t) if m.days[i] not in promo]
    v = m.values
    resid_parts, expected = [], np.full(len(m.keys), np.nan)
    n_expected = np.ones(len(m.keys))
    for wd in range(7):
        idx = [i for i in window if m.days[i].weekday() == wd]
        if not idx:
            continue
        block = v[:, idx]
        if wd == day.weekday():
            expected = _nanmedian(block, axis=1)
            if m.weights is not None:
                n_expected = _nanmedian(m.weights[:, idx], axis=1)
        if len(idx) > 1:  # leave-one-out: a day's own value must not be its baseline (else 1 in k is 0)
            for j in range(len(idx)):
                others = _nanmedian(np.delete(block, j, axis=1), axis=1)
                resid_parts.append(np.abs(block[:, j] - others)[:, None])
    resid = np.concatenate(resid_parts, axis=1) if resid_parts else np.full((len(m.keys), 1), np.nan)
    spread = np.nan_to_num(_nanmedian(resid, axis=1) * MAD_SCALE)
    history = np.sum(~np.isnan(v[:, window]), axis=1) if window else np.zeros(len(m.keys), dtype=int)
    actual = v[:, t]
    n_today = m.weights[:, t] if m.weights is not None else np.ones(len(m.keys))
    n = n_expected if m.unit == "money" else n_today
    spread = np.maximum(spread, _floor(expected, m.unit, n, settings, m.weights is not None))
    z = (actual - expected) / spread
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = np.where(expected != 0, (actual - expected) / np.abs(expected), np.nan)
    lower = expected - settings.z_range * spread
    if m.unit != "ratio":
        lower = np.maximum(lower, 0.0)
    out = pd.DataFrame({
        "key": m.keys, "actual": actual, "expected": expected, "lower": lower,
        "upper": expected + settings.z_range * spread, "score": z, "rel_change": rel, "history_days": history,
        "promotion_day": day in promo,
    })
    return out[(out["history_days"] >= settings.min_history) & out["expected"].notna()].reset_index(drop=True)


def _floor(expected: np.ndarray, unit: str, n: np.ndarray, s: AnomalySettings, weighted: bool) -> np.ndarray:
    """The smallest spread the metric's own sampling noise allows (``n``: buyers or visitors behind it)."""
    e = np.abs(np.nan_to_num(expected))
    n = np.maximum(np.nan_to_num(n), 1.0)
    floor: np.ndarray
    if unit == "count":
        floor = np.sqrt(np.maximum(e, 1.0))
    elif unit == "money":  # sales of n buyers: compound Poisson, sd = e * sqrt(1 + cv^2) / sqrt(n)
        floor = np.maximum(e * s.money_floor, 1.0)
        if weighted:
            floor = np.maximum(floor, e * np.sqrt(1 + s.avg_cv**2) / np.sqrt(n))
    elif unit == "level":
        floor = np.maximum(e * s.money_floor, 1e-9)
    elif unit == "avg":
        floor = np.maximum(e * s.avg_cv / np.sqrt(n), 1e-9)
    else:
        p = np.clip(np.maximum(e, 1.0 / n), 1e-4, 1 - 1e-4)  # a rate of ~0 still has one-buyer noise
        floor = np.sqrt(p * (1 - p) / n)
    return floor


def score_day(
    history: pd.DataFrame,
    day: date,
    *,
    keys: Sequence[str],
    unit: str,
    weights: pd.DataFrame | None = None,
    promo_days: Iterable[date] = (),
    settings: AnomalySettings = AnomalySettings(),
) -> pd.DataFrame:
    """:func:`score` of a long frame (keys..., ``day``, ``value``; ``weights``: keys..., ``day``, ``n``)."""
    key = keys[0] if keys else None
    frame = history if weights is None else history.merge(weights, on=[*keys, "day"], how="left")
    m = SeriesMatrix.from_frame(frame, key, "value", unit, "n" if weights is not None else None)
    out = score(m, day, promo_days=promo_days, settings=settings)
    return out.rename(columns={"key": key}) if key else out.drop(columns="key")


def is_alert(score: float, rel_change: float, settings: AnomalySettings = AnomalySettings()) -> bool:
    """A scored day is an anomaly: beyond ``z_alert`` spreads and ``min_rel`` relative change (NaN: any)."""
    rel = float(rel_change)
    return bool(abs(float(score)) >= settings.z_alert and (rel != rel or abs(rel) >= settings.min_rel))
