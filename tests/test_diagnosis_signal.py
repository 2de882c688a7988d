"""Signal or noise in a diagnosis: the cells' count test and the total's range, on hand-made histories."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import pytest

from junshi.analysis.significance import SignalSettings, cell_pvalues, flag

UNKNOWN = "(unknown)"
D1 = date(2026, 11, 8)


def test_a_cell_without_history_selling_once_is_not_a_surprise() -> None:
    """New product N: no row in 42 days (E = 42 days of exposure, all weekdays alike), one buyer today.
    The day's count is NB(r = 0 + 1/2, p = 42/43): P(X >= 1) = 1 - (42/43)^0.5 = 0.01170, two-sided
    p = 0.0234 (one count: no Bonferroni). Twelve buyers: P(X >= 12) is below 1e-8."""
    h = pd.DataFrame([{"day": D1 - timedelta(days=i), "product": "A", "uv": 100, "paid_buyers": 10, "sales": 1000}
                      for i in range(1, 43)])
    today = pd.DataFrame([{"day": D1, "product": "N", "uv": 0, "paid_buyers": b, "sales": 100.0 * b}
                          for b in (1,)] + [{"day": D1, "product": "A", "uv": 100, "paid_buyers": 10, "sales": 1000}])
    p = cell_pvalues(pd.concat([h, today]), "product", ["paid_buyers", "sales"], D1, (), SignalSettings(),
                     unknown=UNKNOWN)
    assert p["N"] == pytest.approx(2 * (1 - (42 / 43) ** 0.5), rel=1e-9)
    assert p["A"] == pytest.approx(1.0)
    today.loc[today["product"] == "N", "paid_buyers"] = 12
    p = cell_pvalues(pd.concat([h, today]), "product", ["paid_buyers", "sales"], D1, (), SignalSettings(),
                     unknown=UNKNOWN)
    assert p["N"] < 1e-8


def test_overdispersion_is_measured_from_the_cells_own_history() -> None:
    """Source S alternates 50 and 150 visitors (mean 100): Pearson dispersion 50^2/100 x 42/41 = 25.6;
    today's 60 is then 60/25.6 = 2.3 scaled visitors against 3.9 expected: not a surprise (p > 0.3).
    Source T had exactly 100 every day (dispersion floored at 1): 60 is 4 standard deviations low."""
    rows = [{"day": D1 - timedelta(days=i), "source": "S", "uv": 50 if i % 2 else 150, "paid_buyers": 0}
            for i in range(1, 43)]
    rows += [{"day": D1 - timedelta(days=i), "source": "T", "uv": 100, "paid_buyers": 0} for i in range(1, 43)]
    rows += [{"day": D1, "source": k, "uv": 60, "paid_buyers": 0} for k in ("S", "T")]
    p = cell_pvalues(pd.DataFrame(rows), "source", ["uv"], D1, (), SignalSettings(), unknown=UNKNOWN)
    assert p["S"] > 0.3 and p["T"] < 1e-4


def test_benjamini_hochberg_across_every_cell_each_dimension_weighing_the_same() -> None:
    """Four dimensions of one cell each (weights 1): p = 0.001, 0.02, 0.04, 0.5 at q = 0.05 have BH
    thresholds 0.0125, 0.025, 0.0375, 0.05 by rank; the largest rank under its threshold is 2 (0.02 <=
    0.025): the first two are flagged.
    One source (p 0.02) and three products (0.3, 0.4, 0.5): m = 4 over 2 dimensions, so the source weighs
    4 / (2 x 1) = 2 and each product 4 / (2 x 3) = 2/3; the source's weighted p 0.01 <= 0.0125 is
    flagged (unweighted BH would flag nothing: 0.02 > 0.0125)."""
    p = {("source", "a"): 0.001, ("region", "b"): 0.02, ("device", "c"): 0.04, ("product", "d"): 0.5}
    assert flag(p, 0.05) == {("source", "a"): True, ("region", "b"): True, ("device", "c"): False,
                             ("product", "d"): False}
    p = {("source", "a"): 0.02, ("product", "x"): 0.3, ("product", "y"): 0.4, ("product", "z"): 0.5}
    assert [k for k, v in flag(p, 0.05).items() if v] == [("source", "a")]


def test_the_adjusted_pvalues_are_scipys() -> None:
    """bh_adjusted gives exactly what scipy.stats.false_discovery_control(method="bh") gives (it is written out to
    spare a first diagnosis importing scipy.stats): random p-values with ties, zeros and ones, and 0-2 values."""
    import numpy as np
    from scipy.stats import false_discovery_control

    from junshi.analysis.significance import bh_adjusted

    rng = np.random.default_rng(7)
    cases = [np.array([]), np.array([0.3]), np.array([0.04, 0.01]), np.array([0.5, 0.6, 0.1, 0.001])]
    for size in (3, 17, 250, 4000):
        ps = rng.random(size) ** 3
        ps[rng.integers(0, size, size // 3 + 1)] = ps[0]  # ties
        ps[-1], ps[-2] = 0.0, 1.0
        cases.append(ps)
    for ps in cases:
        assert np.array_equal(bh_adjusted(ps), false_discovery_control(ps, method="bh")), ps.size


def test_the_binomial_tail_is_scipys() -> None:
    """binomial_sf gives exactly what scipy.stats.binom.sf gives (written out to spare a first 风控 call importing
    scipy.stats): random counts below, inside and beyond the support, totals from 0, rates from 0 to 1, NaN."""
    import numpy as np
    from scipy.stats import binom

    from junshi.analysis.significance import binomial_sf

    rng = np.random.default_rng(11)
    n = rng.integers(0, 3000, 5000)
    k = np.floor(rng.random(5000) * (n + 3)).astype(np.int64) - 1  # -1 .. n + 1
    for p in (0.0, 1e-6, 0.003, 0.25, 0.5, 0.97, 1.0):
        assert np.array_equal(binomial_sf(k, n, p), binom.sf(k, n, p)), p
    with_nan = np.array([1.0, np.nan, 3.0])
    assert np.array_equal(binomial_sf(with_nan, np.array([5.0, 5.0, np.nan]), 0.2),
                          binom.sf(with_nan, np.array([5.0, 5.0, np.nan]), 0.2), equal_nan=True)
