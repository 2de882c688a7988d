"""The counterfactual of a promotion: what the days would have sold without it, from the days before.

Model (written plainly, not a CausalImpact port): daily sales of the pre-period are a robust (Huber) least
squares fit of a level, a linear trend and weekday effects; the window's days are forecast from it. Robust,
because the days before an event hold days no baseline should follow (a brushing ring's week, a stock-out, a
traffic penalty): they are down-weighted, not averaged in. Its uncertainty is a moving-block bootstrap (blocks
of a week) of the fit's residuals, outlying days included (they happen): each draw refits the model on the fitted
values plus resampled residuals and adds resampled residuals to the forecast, so both the estimate's error and
the days' own noise are in the interval. The draws keep their days together, so any sum of days (a phase, the
whole window) gets its interval from the same draws.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

BLOCK = 7
DRAWS = 1000
LEVEL = 0.95
MIN_DAYS = 21  # three weeks: every weekday seen three times
HUBER = 1.345  # the usual Huber constant (95% efficiency under normal errors)


def design(days: list[date], origin: date, trend: bool) -> np.ndarray:
    """Columns: 1, weeks since ``origin`` (if ``trend``), Tuesday..Sunday indicators."""
    t = np.array([(d - origin).days / 7.0 for d in days])
    wd = np.array([d.weekday() for d in days])
    cols = [np.ones(len(days))] + ([t] if trend else []) + [(wd == k).astype(float) for k in range(1, 7)]
    return np.column_stack(cols)


def huber_fit(x: np.ndarray, y: np.ndarray, iterations: int = 20) -> tuple[np.ndarray, np.ndarray, float]:
    """Huber regression by iteratively reweighted least squares: (coefficients, weights, residual scale).

    Written here (a dozen lines) rather than taken from statsmodels, which Junshi does not otherwise need."""
    w = np.ones(len(y))
    scale = 1.0
    for _ in range(iterations):
        sw = np.sqrt(w)
        beta, *_ = np.linalg.lstsq(x * sw[:, None], y * sw, rcond=None)
        r = y - x @ beta
        scale = float(np.median(np.abs(r - np.median(r))) / 0.6745) or float(np.abs(r).mean()) or 1.0
        a = np.abs(r) / (HUBER * scale)
        new = np.where(a <= 1, 1.0, 1.0 / np.maximum(a, 1e-12))
        if np.allclose(new, w, atol=1e-6):
            break
        w = new
    return beta, w, scale


def _blocks(residuals: np.ndarray, length: int, rng: np.random.Generator, draws: int) -> np.ndarray:
    """``draws`` series of ``length`` residuals made of consecutive blocks of the residuals (moving blocks)."""
    n = len(residuals)
    block = min(BLOCK, n)
    k = -(-length // block)
    starts = rng.integers(0, n - block + 1, size=(draws, k))
    idx = (starts[:, :, None] + np.arange(block)[None, None, :]).reshape(draws, k * block)[:, :length]
    out: np.ndarray = residuals[idx]
    return out


@dataclass(frozen=True)
class Counterfactual:
    """The forecast of the window's days without the promotion and its bootstrap draws (draws x days)."""

    days: list[date]
    forecast: np.ndarray
    draws: np.ndarray
    pre_start: date
    pre_end: date
    trend: bool
    residual_sd: float

    def interval(self, actual: np.ndarray, mask: np.ndarray | None = None,
                 level: float = LEVEL) -> tuple[float, float]:
        """The interval of Σ (actual − counterfactual) over the masked days."""
        m = np.ones(len(self.days), bool) if mask is None else mask
        lift = float(actual[m].sum()) - self.draws[:, m].sum(axis=1)
        lo, hi = np.quantile(lift, [(1 - level) / 2, (1 + level) / 2])
        return float(lo), float(hi)

    def day_band(self, level: float = LEVEL) -> tuple[np.ndarray, np.ndarray]:
        """Per day, the interval of the counterfactual sales themselves."""
        lo, hi = np.quantile(self.draws, [(1 - level) / 2, (1 + level) / 2], axis=0)
        return np.maximum(lo, 0.0), np.maximum(hi, 0.0)


def counterfactual(pre_days: list[date], pre_values: np.ndarray, days: list[date], *, seed: int = 0,
                   draws: int = DRAWS) -> Counterfactual:
    """Fit the pre-period (``pre_days`` consecutive, at least :data:`MIN_DAYS`) and forecast ``days``.

    The trend is kept when the pre-period holds at least four weeks (with fewer, a trend fitted on noise
    would run away over the window)."""
    y = np.asarray(pre_values, float)
    trend = len(pre_days) >= 28
    origin = pre_days[0]
    x, xf = design(pre_days, origin, trend), design(days, origin, trend)
    beta, w, _scale = huber_fit(x, y)
    fitted = x @ beta
    resid = y - fitted
    resid = resid - resid.mean()  # a robust fit's residuals need not average 0: centre them on the estimate
    dof = max(len(y) - x.shape[1], 1)
    resid = resid * np.sqrt(len(y) / dof)  # residuals of a fit are smaller than the errors: inflate them
    rng = np.random.default_rng(seed)
    pseudo = fitted[None, :] + _blocks(resid, len(y), rng, draws)
    sw = np.sqrt(w)[:, None]
    betas, *_ = np.linalg.lstsq(x * sw, pseudo.T * sw, rcond=None)  # one weighted fit per draw, all at once
    sims = (xf @ betas).T + _blocks(resid, len(days), rng, draws)
    forecast = np.maximum(xf @ beta, 0.0)
    return Counterfactual(days, forecast, np.maximum(sims, 0.0), pre_days[0], pre_days[-1], trend,
                          float(resid.std()))


def day_range(start: date, end: date) -> list[date]:
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]
