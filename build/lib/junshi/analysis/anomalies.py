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

Units: ``count`` and ``money`` add up (a day without a row is 0, from the series' first row on: the days
before a product or source existed are not history); ``ratio``, ``avg`` and ``level`` (a mean such as
days to deliver, floored at ``money_floor`` of itself) do not: a day without a value is missing, never 0.
A rate whose same-weekday median is 0 (buyers too rare for a median) expects the pooled rate of those
days (their numerators over their denominators).

A series is scored only when it has ``min_history`` days of history and was non-zero on at least one
of them: an expectation of 0 from a series that never had data (a presale product's payments, a product
that never sold) is no expectation, and its range would be a meaningless interval around zero.
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
    first: np.ndarray | None = None  # index of each series' first day with a row (None: the first day)

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

        def pivot(col: str) -> np.ndarray:
            p = f.assign(**{k: f[k].astype(str)}).pivot_table(index=k, columns="day", values=col, aggfunc="sum")
            out: np.ndarray = p.reindex(index=keys, columns=days).astype(float).to_numpy()
            return out

        raw = pivot(value)
        seen = ~np.isnan(raw)
        first = np.where(seen.any(axis=1), seen.argmax(axis=1), len(days))
        values = raw
        if unit in ADDITIVE:  # a day without a row is 0 once the series exists; before, it is no history
            values = np.where(np.arange(len(days))[None, :] >= first[:, None], np.nan_to_num(raw, nan=0.0), np.nan)
        weights = np.nan_to_num(pivot(weight), nan=0.0) if weight else None
        return cls(keys, days, values, weights, unit, first)


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
                if m.unit == "ratio":  # events too rare for a median: the pooled rate of those days
                    w = m.weights[:, idx]
                    with np.errstate(divide="ignore", invalid="ignore"):
                        pooled = np.nansum(block * w, axis=1) / np.sum(np.where(np.isnan(block), 0.0, w), axis=1)
                    expected = np.where(expected == 0, pooled, expected)
        if len(idx) > 1:  # leave-one-out: a day's own value must not be its baseline (else 1 in k is 0)
            for j in range(len(idx)):
                others = _nanmedian(np.delete(block, j, axis=1), axis=1)
                resid_parts.append(np.abs(block[:, j] - others)[:, None])
    resid = np.concatenate(resid_parts, axis=1) if resid_parts else np.full((len(m.keys), 1), np.nan)
    spread = np.nan_to_num(_nanmedian(resid, axis=1) * MAD_SCALE)
    first = m.first if m.first is not None else np.zeros(len(m.keys), dtype=int)
    existed = np.array(window)[None, :] >= first[:, None] if window else np.zeros((len(m.keys), 0), dtype=bool)
    past = v[:, window] if window else np.zeros((len(m.keys), 0))
    history = np.sum(~np.isnan(past) & existed, axis=1)
    had_data = np.any(np.nan_to_num(past) != 0, axis=1)
    actual = v[:, t]
    n_today = m.weights[:, t] if m.weights is not None else np.ones(len(m.keys))
    n = n_expected if m.unit == "money" else n_today
    spread = np.maximum(spread, _floor(expected, m.unit, n, settings, m.weights is not None))
    z = (actual - expected) / spread
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = np.where(expected != 0, (actual - expected) / np.abs(expected), np.nan)
    lower = expected - settings.z_range * spread
    nonnegative = ~np.any(np.nan_to_num(past) < 0, axis=1) & (np.nan_to_num(actual) >= 0)
    lower = np.where(nonnegative, np.maximum(lower, 0.0), lower)
    out = pd.DataFrame({
        "key": m.keys, "actual": actual, "expected": expected, "lower": lower,
        "upper": expected + settings.z_range * spread, "score": z, "rel_change": rel, "history_days": history,
        "promotion_day": day in promo,
    })
    keep = (out["history_days"] >= settings.min_history) & out["expected"].notna() & had_data
    scored: pd.DataFrame = out[keep].reset_index(drop=True)
    return scored


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
