"""Always-valid p-values for daily peeking: the mixture sequential probability ratio test (mSPRT).

Johari, Pekelis, Koomen and Walsh, "Always valid inference" (Operations Research 2022): with the difference
of two means estimated as ``d`` with standard error ``se`` after ``n_eff = n_a n_b / (n_a + n_b)`` units, the
mixture likelihood ratio against "no difference" over a normal prior N(0, tau^2) on the standardised effect
(effect / per-unit standard deviation) is

    L = (1 + n_eff tau^2)^(-1/2) exp(n_eff tau^2 z^2 / (2 (1 + n_eff tau^2))),   z = d / se.

L is a martingale under no difference, so P(sup L >= 1/alpha) <= alpha: the always-valid p-value
``min(1, min over looks of 1 / L)`` may be read after every day and stopped at any time without inflating
false positives. Written here (vectorised numpy, any number of tests and looks at once) because
tea-tasting, used for the fixed-horizon readout, has no sequential test.
"""

from __future__ import annotations

import numpy as np

DEFAULT_TAU = 0.05
"""Prior scale of the standardised effect (effect / per-unit standard deviation): lifts of a few percent
of a conversion rate, or of revenue per visitor, are a few hundredths of a standard deviation."""


def msprt_statistic(n_a: np.ndarray, mean_a: np.ndarray, var_a: np.ndarray, n_b: np.ndarray,
                    mean_b: np.ndarray, var_b: np.ndarray, tau: float = DEFAULT_TAU) -> np.ndarray:
    """log L of each look (arrays broadcast; a look without units in both arms or without variance gives 0)."""
    n_a, n_b = np.asarray(n_a, dtype=np.float64), np.asarray(n_b, dtype=np.float64)
    se2 = np.divide(var_a, n_a, out=np.zeros(np.broadcast(n_a, var_a).shape), where=n_a > 0) + np.divide(
        var_b, n_b, out=np.zeros(np.broadcast(n_b, var_b).shape), where=n_b > 0)
    ok = (n_a > 1) & (n_b > 1) & (se2 > 0)
    z2 = np.divide((np.asarray(mean_b) - np.asarray(mean_a)) ** 2, se2, out=np.zeros_like(se2), where=ok)
    n_eff = np.divide(n_a * n_b, n_a + n_b, out=np.zeros_like(se2), where=ok)
    s = n_eff * tau**2
    return np.where(ok, -0.5 * np.log1p(s) + s * z2 / (2 * (1 + s)), 0.0)


def always_valid_pvalues(log_l: np.ndarray) -> np.ndarray:
    """Always-valid p-values after each look (last axis = looks in time order): min(1, min 1 / L so far)."""
    return np.minimum(1.0, np.exp(-np.maximum.accumulate(log_l, axis=-1)))
