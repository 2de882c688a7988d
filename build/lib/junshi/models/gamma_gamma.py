"""Gamma-Gamma model of spend per transaction (Fader & Hardie 2013, "The Gamma-Gamma Model of
Monetary Value"; Colombo & Jiang 1999).

A customer's transaction values are Gamma(p, nu); her scale nu ~ Gamma(q, gamma) across customers.
Input: for each repeat customer, the number of repeat transactions x and their mean value zbar.
Assumes spend is independent of purchase frequency (check the correlation before relying on it).
"""

from __future__ import annotations

from typing import Any, ClassVar, Self

import numpy as np
from scipy.special import gammaln, psi

from junshi.errors import ModelError
from junshi.models._base import Array, CustomerModel, as_array, compress, wsum


class GammaGammaModel(CustomerModel):
    """Gamma-Gamma fitted by maximum likelihood on customers with at least one repeat transaction."""

    name: ClassVar[str] = "gamma_gamma"
    param_names: ClassVar[tuple[str, ...]] = ("p", "q", "gamma")

    def fit(self, frequency: Any, monetary_value: Any, *, sample_weight: Any = None) -> Self:
        """Fit on (x, zbar) of customers with x > 0; customers with x == 0 or zbar <= 0 are left out."""
        x, z = as_array(frequency, "frequency"), as_array(monetary_value, "monetary_value")
        w0 = np.ones_like(x) if sample_weight is None else as_array(sample_weight, "sample_weight")
        keep = (x > 0) & (z > 0)
        if keep.sum() < 3:
            raise ModelError(
                "The spend model needs customers with repeat purchases; there are fewer than 3.",
                "消费金额模型需要有复购的客户；目前不足 3 位。",
                hint_en="Use a longer period of orders.",
                hint_zh="请使用更长时间段的订单。",
            )
        (x, z), w = compress(x[keep], z[keep], weights=w0[keep])
        self.n_customers_ = float(w.sum())
        mean, var = float(np.average(z, weights=w)), float(np.average((z - np.average(z, weights=w)) ** 2, weights=w))
        start = np.log([max(mean * mean / max(var, 1e-9), 0.1), 2.0, mean])
        self._minimise(lambda lp: self._negll(lp, x, z, w), start, self.n_customers_)
        return self

    @staticmethod
    def _negll(logp: Array, x: Array, z: Array, w: Array) -> tuple[float, Array]:
        """Weighted negative log-likelihood of the mean spend zbar and its gradient on log-parameters."""
        p, q, g = np.exp(logp)
        px = p * x
        log_xz = np.log(g + x * z)
        ll = (
            gammaln(px + q)
            - gammaln(px)
            - gammaln(q)
            + q * np.log(g)
            + (px - 1) * np.log(z)
            + px * np.log(x)
            - (px + q) * log_xz
        )
        dp = x * (psi(px + q) - psi(px) + np.log(z) + np.log(x) - log_xz)
        dq = psi(px + q) - psi(q) + np.log(g) - log_xz
        dg = q / g - (px + q) / (g + x * z)
        grad = np.array([wsum(w, dp) * p, wsum(w, dq) * q, wsum(w, dg) * g])
        return -wsum(w, ll), -grad

    def expected_spend(self, frequency: Any, monetary_value: Any) -> Array:
        """E[value of a transaction | x, zbar]: a weighted mean of the population and own mean.

        ``(p (gamma + x zbar)) / (p x + q - 1)``; customers with x == 0 get the population mean
        ``p gamma / (q - 1)``.
        """
        self._check_fitted()
        x, z = as_array(frequency, "frequency"), as_array(monetary_value, "monetary_value")
        p, q, g = (self.params_[k] for k in self.param_names)
        z = np.where(x > 0, z, 0.0)
        out: Array = p * (g + x * z) / (p * x + q - 1)
        return out

    @property
    def population_mean(self) -> float:
        """Mean spend per transaction across customers, p gamma / (q - 1) (infinite when q <= 1)."""
        self._check_fitted()
        p, q, g = (self.params_[k] for k in self.param_names)
        return p * g / (q - 1) if q > 1 else float("inf")


def simulate_gamma_gamma(params: dict[str, float], frequency: Array, seed: int = 0) -> Array:
    """Mean transaction value zbar for customers with the given repeat counts (0 where x == 0)."""
    rng = np.random.default_rng(seed)
    nu = rng.gamma(params["q"], 1.0 / params["gamma"], len(frequency))
    x = frequency.astype(np.int64)
    # the sum of x Gamma(p, nu) values is Gamma(p x, nu)
    total = np.where(x > 0, rng.gamma(np.maximum(params["p"] * x, 1e-12), 1.0 / nu), 0.0)
    out: Array = np.where(x > 0, total / np.maximum(x, 1), 0.0)
    return out
