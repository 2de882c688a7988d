"""BG/NBD: the beta-geometric / negative binomial model of repeat purchases (Fader, Hardie & Lee 2005).

While active a customer buys at Poisson rate lambda ~ Gamma(r, alpha); after each purchase she
drops out with probability p ~ Beta(a, b). Input per customer: frequency x (repeat transactions),
recency t_x (time of the last transaction since the first) and age T (time since the first).
"""

from __future__ import annotations

from typing import Any, ClassVar, Self

import numpy as np
from scipy.special import betaln, expit, gammaln, hyp2f1, psi

from junshi.models._base import (
    Array,
    CustomerModel,
    Index,
    as_array,
    distinct_triples,
    purchase_clock,
    triples,
    wsum,
)


class BetaGeoModel(CustomerModel):
    """BG/NBD fitted by maximum likelihood on the distinct (x, t_x, T) triples.

    >>> m = BetaGeoModel().fit(frequency, recency, T)          # doctest: +SKIP
    >>> m.params_                                               # doctest: +SKIP
    {'r': 0.243, 'alpha': 4.414, 'a': 0.793, 'b': 2.426}
    """

    name: ClassVar[str] = "bgnbd"
    param_names: ClassVar[tuple[str, ...]] = ("r", "alpha", "a", "b")

    def fit(self, frequency: Any, recency: Any, T: Any, *, sample_weight: Any = None) -> Self:
        """Fit on per-customer (frequency, recency, T); ``sample_weight`` counts customers per row."""
        x, tx, t, w = distinct_triples(frequency, recency, T, sample_weight)
        self.n_customers_ = float(w.sum())
        start = np.log([1.0, max(float(np.average(t, weights=w)), 1e-3) / 10, 1.0, 1.0])
        ux, ix = np.unique(x, return_inverse=True)
        ut, it = np.unique(t, return_inverse=True)
        utx, itx = np.unique(tx, return_inverse=True)
        data = (ux, ix, ut, it, utx, itx, w)
        self._minimise(lambda lp: self._negll(lp, *data), start, self.n_customers_)
        return self

    @staticmethod
    def _negll(
        logp: Array, ux: Array, ix: Index, ut: Array, it: Index, utx: Array, itx: Index, w: Array
    ) -> tuple[float, Array]:
        """Weighted negative log-likelihood and its gradient with respect to the log-parameters.

        ``ux[ix]``, ``ut[it]``, ``utx[itx]`` are x, T and t_x. Terms that depend on x alone are summed
        per distinct x (weights pooled with bincount); per row only the two-branch mixture remains:
        ll = A(x) + a3 + softplus(z), with a3 = -(r+x) ln(alpha+T) ("still active") and
        z = ln(a/(b+x-1)) - (r+x) ln((alpha+t_x)/(alpha+T)) the log-odds of "dropped out after the last
        purchase" (-inf when x = 0), whose probability expit(z) weights the gradient.
        """
        r, alpha, a, b = np.exp(logp)
        wx: Array = np.bincount(ix, weights=w, minlength=len(ux)).astype(np.float64)  # customers per distinct x
        total = float(wx.sum())
        rep = ux > 0
        bx1 = np.where(rep, b + ux - 1, 1.0)
        with np.errstate(divide="ignore"):
            k = np.where(rep, np.log(a) - np.log(bx1), -np.inf)
        a1 = gammaln(r + ux) - gammaln(r) + r * np.log(alpha) + betaln(a, b + ux) - betaln(a, b)
        log_at, log_atx = np.log(alpha + ut)[it], np.log(alpha + utx)[itx]
        rx = (r + ux)[ix]
        d = log_atx - log_at
        z = k[ix] - rx * d
        p_drop = expit(z)
        softplus = np.maximum(z, 0.0) + np.log1p(np.exp(-np.abs(z)))  # log(1 + e^z), stable
        ll = wsum(wx, a1) - wsum(w, rx * log_at) + wsum(w, softplus)
        inv_t, inv_tx = (1.0 / (alpha + ut))[it], (1.0 / (alpha + utx))[itx]
        dr = wsum(wx, psi(r + ux) - psi(r) + np.log(alpha)) - wsum(w, log_at) - wsum(w, p_drop * d)
        dalpha = r / alpha * total - wsum(w, rx * (inv_t + p_drop * (inv_tx - inv_t)))
        pw = p_drop * w
        da = wsum(wx, psi(a + b) - psi(a + b + ux)) + float(pw.sum()) / a
        db = wsum(wx, psi(a + b) + psi(b + ux) - psi(b) - psi(a + b + ux)) - wsum(pw, (1.0 / bx1)[ix])
        return -ll, -np.array([dr * r, dalpha * alpha, da * a, db * b])

    def loglik(self, frequency: Any, recency: Any, T: Any) -> Array:
        """Per-customer log-likelihood under the fitted parameters."""
        self._check_fitted()
        x, tx, t = triples(frequency, recency, T)
        r, alpha, a, b = (self.params_[k] for k in self.param_names)
        rep = x > 0
        a3 = -(r + x) * np.log(alpha + t)
        a4 = np.where(rep, np.log(a) - np.log(np.where(rep, b + x - 1, 1.0)) - (r + x) * np.log(alpha + tx), -np.inf)
        out: Array = gammaln(r + x) - gammaln(r) + r * np.log(alpha) + betaln(a, b + x) - betaln(a, b)
        return out + np.logaddexp(a3, a4)

    def p_alive(self, frequency: Any, recency: Any, T: Any) -> Array:
        """P(still active at T | x, t_x, T); 1 for customers with no repeat purchase (a model property)."""
        self._check_fitted()
        x, tx, t = triples(frequency, recency, T)
        r, alpha, a, b = (self.params_[k] for k in self.param_names)
        rep = x > 0
        log_ratio = (
            np.log(a) - np.log(np.where(rep, b + x - 1, 1.0)) + (r + x) * (np.log(alpha + t) - np.log(alpha + tx))
        )
        out: Array = np.where(rep, 1.0 / (1.0 + np.exp(log_ratio)), 1.0)
        return out

    def expected_purchases(self, t: Any, frequency: Any, recency: Any, T: Any) -> Array:
        """E[purchases in the next ``t`` time units | x, t_x, T] (FHL 2005, eq. 10)."""
        self._check_fitted()
        x, tx, age = triples(frequency, recency, T)
        h = as_array(t, "t")
        r, alpha, a, b = (self.params_[k] for k in self.param_names)
        z = h / (alpha + age + h)
        hyp = hyp2f1(r + x, b + x, a + b + x - 1, z)
        first = (a + b + x - 1) / (a - 1)
        second = 1 - np.exp((r + x) * (np.log(alpha + age) - np.log(alpha + age + h))) * hyp
        out: Array = first * second * self.p_alive(x, tx, age)
        return out

    def expected_purchases_new(self, t: Any) -> Array:
        """E[purchases in (0, t]] for a customer just acquired (FHL 2005, eq. 9)."""
        self._check_fitted()
        h = as_array(t, "t")
        r, alpha, a, b = (self.params_[k] for k in self.param_names)
        hyp = hyp2f1(r, b, a + b - 1, h / (alpha + h))
        out: Array = (a + b - 1) / (a - 1) * (1 - (alpha / (alpha + h)) ** r * hyp)
        return out

    def expected_rate(self, frequency: Any, T: Any) -> Array:
        """Posterior mean purchase rate while active, (r + x) / (alpha + T), per time unit."""
        self._check_fitted()
        x, age = as_array(frequency, "frequency"), as_array(T, "T")
        out: Array = (self.params_["r"] + x) / (self.params_["alpha"] + age)
        return out

    def simulate(self, T: Any, seed: int = 0) -> dict[str, Array]:
        """Draw (frequency, recency, T) for customers observed for ``T`` time units, from the fitted params."""
        self._check_fitted()
        return simulate_bgnbd(self.params_, as_array(T, "T"), seed=seed)


def simulate_bgnbd(params: dict[str, float], T: Array, seed: int = 0) -> dict[str, Array]:
    """Simulate BG/NBD customers with known parameters (vectorised; continuous time).

    Each customer buys at rate lambda ~ Gamma(r, alpha) and after each purchase drops out with
    probability p ~ Beta(a, b); the number of purchases before dropping out is geometric.
    """
    rng = np.random.default_rng(seed)
    n = len(T)
    lam = rng.gamma(params["r"], 1.0 / params["alpha"], n)
    p = rng.beta(params["a"], params["b"], n)
    # alive until the first repeat purchase; after each repeat purchase drops out w.p. p, so the
    # number of repeat purchases made before dropping out (time permitting) is geometric on 1, 2, ...
    max_purchases = rng.geometric(p)
    x, tx = purchase_clock(rng, lam, T, max_purchases.astype(np.float64))
    return {"frequency": x, "recency": tx, "T": T.astype(np.float64)}
