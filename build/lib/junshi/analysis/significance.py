"""Signal or noise: whether a diagnosis' total and each of its cells moved beyond normal variation.

**The total** is scored like the alerts score a series (:mod:`junshi.analysis.anomalies`): the expected
value is the median of the same weekday over the previous weeks (promotion days left out), the range is
expected +- ``z_range`` spreads; the total is significant when the day's value lies outside that range.

**A cell** (one value of a dimension) is tested on the counts of the diagnosis' chain (visitors and
buyers; buyers alone without visit data), each against the cell's own history, with a count model:

* a count is Poisson around a rate per day; days differ by weekday: history day ``t`` has exposure
  ``w_t``, the dimension total's mean on its weekday over the mean on the scored day's weekday, and the
  cell's rate is its history total over ``E = sum(w_t)`` (a sparse cell's rate comes from all of its
  history, not from six same-weekday values);
* overdispersion (campaigns, weather, a good day) is measured, not assumed: ``phi`` is the cell's
  Pearson dispersion around its weekday-adjusted rate over the window, at least 1, and counts are
  divided by it (quasi-Poisson);
* the rate itself is uncertain: with a Jeffreys prior its posterior is Gamma(T + 1/2, E) (``T`` the
  scaled history total) and the day's scaled count is negative binomial NB(T + 1/2, E / (E + 1)); the
  two-sided p-value is twice the smaller tail (regularised incomplete beta, continuous in the count).
  A product with no history is not "surprising" for selling once; a source whose visitors halve is.

Money is not tested per cell: a cell's sales on one day are a handful of baskets whose sizes are
heavy-tailed (one wholesale order is 50 times a product's usual basket in the Online Retail data), so
any light-tailed model of sales flags single orders; a change carried by more buyers or visitors than
normal is what the counts detect. The total's range covers spend per buyer.

A cell's p-value is the smallest of its counts' times their number (Bonferroni within the cell), and
the cells of every dimension that splits the shop (two or more values) are then tested together with
weighted Benjamini-Hochberg at ``fdr`` (:func:`flag`): on a day when no cell moved beyond its normal
variation, the chance of flagging any cell is at most ``fdr``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from junshi.analysis.anomalies import AnomalySettings, SeriesMatrix, score

#: quantities of the chains that are counts (the ones tested per cell)
COUNTS = ("uv", "paid_buyers")
BUYERS = "paid_buyers"


@dataclass(frozen=True)
class SignalSettings:
    """How signal is told from noise: the anomaly settings of the total's range, and the cells' FDR."""

    anomaly: AnomalySettings = field(default_factory=AnomalySettings)
    fdr: float = 0.05  # Benjamini-Hochberg false discovery rate across every cell of a diagnosis


@dataclass(frozen=True)
class TotalSignal:
    """The total against its own history: expected value and range, and whether it left the range."""

    expected: float | None
    low: float | None
    high: float | None
    significant: bool | None  # None: too little history to tell
    history_days: int
    needed_days: int  # days of history needed to tell (the anomalies' min_history)


def window_days(day: date, weeks: int, promo_days: Collection[date]) -> list[date]:
    """The history of ``day``: the ``weeks`` weeks before it, promotion days left out."""
    return [d for d in (day - timedelta(days=i) for i in range(7 * weeks, 0, -1)) if d not in promo_days]


def total_signal(history: pd.DataFrame, metric: str, day: date, promo_days: Collection[date],
                 settings: SignalSettings) -> TotalSignal:
    """The total's expected range on ``day`` (``history``: ``day`` and the chain's quantities by day)."""
    weight = BUYERS if BUYERS in history.columns else None
    m = SeriesMatrix.from_frame(history, None, metric, "money", weight)
    scored = score(m, day, promo_days=promo_days, settings=settings.anomaly)
    if scored.empty:
        days = sum(1 for d in m.days if d < day and d not in promo_days)
        return TotalSignal(None, None, None, None, days, settings.anomaly.min_history)
    r = scored.iloc[0]
    low, high, actual = float(r["lower"]), float(r["upper"]), float(r["actual"])
    return TotalSignal(float(r["expected"]), low, high, not low <= actual <= high, int(r["history_days"]),
                       settings.anomaly.min_history)


def _exposure(totals: np.ndarray, days: Sequence[date], day: date) -> np.ndarray:
    """Exposure of each history day in units of ``day``: the weekday's mean total over ``day``'s weekday's."""
    mean = totals.mean() if len(totals) else 0.0
    factor = {}
    for wd in range(7):
        on = [v for v, d in zip(totals, days, strict=True) if d.weekday() == wd]
        factor[wd] = float(np.mean(on)) / mean if on and mean > 0 else 1.0
    positive = [f for f in factor.values() if f > 0]
    today = factor[day.weekday()] if factor[day.weekday()] > 0 else (min(positive) if positive else 1.0)
    return np.array([factor[d.weekday()] / today for d in days])


def _pvalues(hist: np.ndarray, today: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Two-sided p-values of ``today`` per row, given each row's history (rows x days) and exposures ``w``."""
    from scipy.special import betainc  # SciPy where used: the server starts without it

    exposure = float(w.sum())
    if exposure < 1.0:
        return np.full(len(today), np.nan)
    rate = hist.sum(axis=1) / exposure
    fitted = rate[:, None] * w[None, :]
    with np.errstate(divide="ignore", invalid="ignore"):
        pearson = np.where(fitted > 0, (hist - fitted) ** 2 / fitted, 0.0)
    phi = np.maximum(pearson.sum(axis=1) / max(hist.shape[1] - 1, 1), 1.0)
    r = hist.sum(axis=1) / phi + 0.5
    x = today / phi
    p = exposure / (exposure + 1.0)
    lower = betainc(r, x + 1.0, p)
    upper = np.where(x > 0, betainc(np.maximum(x, 1e-12), r, 1.0 - p), 1.0)
    out: np.ndarray = np.minimum(1.0, 2.0 * np.minimum(lower, upper))
    return out


def count_pvalue(history: ArrayLike, today: float, exposure: ArrayLike) -> float:
    """Two-sided p-value of ``today``'s count given the ``history`` counts, history day ``t`` having exposure
    ``exposure[t]`` in units of today (e.g. its orders over today's): the cells' count model above (rate over
    the exposure, measured overdispersion, negative binomial for the uncertain rate). NaN without exposure."""
    w = np.asarray(exposure, dtype=float)
    return float(_pvalues(np.asarray([history], dtype=float), np.asarray([today], dtype=float), w)[0])


def cell_pvalues(
    history: pd.DataFrame,
    dim: str,
    quantities: Sequence[str],
    day: date,
    promo_days: Collection[date],
    settings: SignalSettings,
    *,
    unknown: str,
) -> dict[str, float]:
    """p-value of every cell of one dimension on ``day`` (see the module's docstring).

    ``history``: ``day``, ``dim`` and the quantities, one row per day and cell (a missing row is 0); the
    counts among ``quantities`` (visitors, buyers) are tested. Cells without a count are left out.
    """
    counts = [q for q in quantities if q in COUNTS and q in history.columns]
    if not counts:
        return {}
    f = history.assign(**{dim: history[dim].astype(object).where(history[dim].notna(), unknown).astype(str)})
    keys = sorted(f[dim].unique())
    days = window_days(day, settings.anomaly.weeks, promo_days)
    pv = np.empty((len(keys), len(counts)))
    for j, q in enumerate(counts):
        p = f.pivot_table(index=dim, columns="day", values=q, aggfunc="sum")
        v = p.reindex(index=keys, columns=[*days, day]).astype(float).fillna(0.0).clip(lower=0.0).to_numpy()
        hist = v[:, :-1]
        pv[:, j] = _pvalues(hist, v[:, -1], _exposure(hist.sum(axis=0), days, day))
    best = np.minimum(1.0, pv.min(axis=1) * len(counts))  # Bonferroni within the cell
    return {key: float(b) for key, b in zip(keys, best, strict=True) if b == b}


def flag(pvalues: Mapping[tuple[str, str], float], fdr: float) -> dict[tuple[str, str], bool]:
    """Weighted Benjamini-Hochberg across every (dimension, cell): True where the cell is a discovery.

    Each dimension carries the same total weight (a cell's weight is ``m / (dimensions x its
    dimension's cells)``, the weights average 1), so thousands of products do not drown the few regions
    or sources; weighted BH (Genovese, Roeder and Wasserman 2006) keeps the false discovery rate at ``fdr``,
    and on a day when no cell moved the chance of any flag at most ``fdr``.
    """
    if not pvalues:
        return {}
    keys = list(pvalues)
    sizes = Counter(dim for dim, _ in keys)
    weights = np.array([len(keys) / (len(sizes) * sizes[dim]) for dim, _ in keys])
    weighted = np.minimum(np.array([pvalues[k] for k in keys]) / weights, 1.0)
    adjusted = bh_adjusted(weighted)
    return {k: bool(a <= fdr) for k, a in zip(keys, adjusted, strict=True)}


def binomial_sf(k: ArrayLike, n: ArrayLike, p: float) -> np.ndarray:
    """P(X > k) for X ~ Binomial(n, p), per element: the operations of ``scipy.stats.binom.sf(k, n, p)`` (1 below
    the support, 0 at or beyond ``n``, else Boost's binomial survival function, the one SciPy calls), written out
    because importing scipy.stats for it cost a fresh process's first 风控 call about 0.9 CPU s (as
    :func:`bh_adjusted`). ``scipy.special.bdtrc`` is not it: it differs in the last digits."""
    from scipy.special._ufuncs import _binom_sf  # private, but what binom.sf runs (a test pins them equal)

    ks, ns = np.asarray(k, dtype=float), np.asarray(n, dtype=float)
    out = np.where(ks < 0, 1.0, 0.0)
    inside = (ks >= 0) & (ks < ns)
    out[inside] = np.clip(_binom_sf(np.floor(ks[inside]), ns[inside], p), 0.0, 1.0)
    out[np.isnan(ks) | np.isnan(ns)] = np.nan
    return out


def bh_adjusted(ps: np.ndarray) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values of ``ps`` (in [0, 1]): the operations of
    ``scipy.stats.false_discovery_control(ps, method="bh")``, written out because importing scipy.stats for it
    cost a fresh process's first diagnosis about 1 CPU s (building its distributions' docstrings)."""
    if ps.size <= 1:
        return ps
    order = np.argsort(ps)
    ranked = ps[order] * (ps.size / np.arange(1, ps.size + 1, dtype=ps.dtype))
    np.minimum.accumulate(ranked[::-1], out=ranked[::-1])
    adjusted = np.empty_like(ranked)
    adjusted[order] = ranked
    return np.clip(adjusted, 0.0, 1.0)
