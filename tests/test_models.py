"""Customer models against the published CDNOW results (Fader, Hardie & Lee 2005; Fader & Hardie 2013)
and against data simulated with known parameters."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from junshi.errors import ModelError
from junshi.models import (
    BetaGeoModel,
    GammaGammaModel,
    ParetoNBDModel,
    load_model,
    model_from_dict,
    simulate_bgnbd,
    simulate_gamma_gamma,
    simulate_pareto_nbd,
)


@pytest.fixture(scope="module")
def cdnow_summary() -> pd.DataFrame:
    """The published 39-week calibration summary of the CDNOW sample (2,357 customers, weeks)."""
    path = Path(__file__).resolve().parents[2] / "shared" / "data" / "cdnow" / "cdnow_customers_summary.csv"
    return pd.read_csv(path)


@pytest.fixture(scope="module")
def cdnow_spend() -> pd.DataFrame:
    path = Path(__file__).resolve().parents[2] / "shared" / "data" / "cdnow"
    return pd.read_csv(path / "cdnow_customers_summary_with_transactions.csv")


def test_bgnbd_reproduces_published_parameters(cdnow_summary: pd.DataFrame) -> None:
    """FHL 2005: r 0.243, alpha 4.414, a 0.793, b 2.426, LL -9582.4."""
    d = cdnow_summary
    m = BetaGeoModel().fit(d.frequency, d.recency, d["T"])
    got = {k: round(v, 3) for k, v in m.params_.items()}
    assert got == {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
    assert round(m.loglik_, 1) == -9582.4
    assert m.n_customers_ == 2357
    assert all(0 < se < v for v, se in zip(m.params_.values(), m.se_.values(), strict=True))
    # the per-customer log-likelihood sums to the fitted total
    assert m.loglik(d.frequency, d.recency, d["T"]).sum() == pytest.approx(m.loglik_, rel=1e-9)


def test_pareto_nbd_reproduces_published_parameters(cdnow_summary: pd.DataFrame) -> None:
    """FHL 2005: r 0.553, alpha 10.578, s 0.606, beta 11.669, LL -9595.0.

    The published summary rounds recency/T to 0.01 week; on it the MLE of the flat beta is 11.668
    (the raw-data test in test_customers_cdnow.py gets 11.669), hence a tolerance of 0.0015 there.
    """
    d = cdnow_summary
    m = ParetoNBDModel().fit(d.frequency, d.recency, d["T"])
    p = m.params_
    assert (round(p["r"], 3), round(p["alpha"], 3), round(p["s"], 3)) == (0.553, 10.578, 0.606)
    assert abs(p["beta"] - 11.669) < 0.0015
    assert round(m.loglik_, 1) == -9595.0
    alive = m.p_alive(d.frequency, d.recency, d["T"])
    assert np.all((alive > 0) & (alive <= 1))


def test_gamma_gamma_reproduces_published_parameters(cdnow_spend: pd.DataFrame) -> None:
    """Fader & Hardie 2013 on the 946 repeat customers: p 6.25, q 3.74, gamma 15.44, LL about -4055.9.

    This file rounds zbar to the cent; on it the MLE of gamma is 15.448 (as ``lifetimes`` also finds),
    so gamma gets 0.01 here; the raw-data test in test_customers_cdnow.py reproduces 15.44 exactly.
    """
    d = cdnow_spend
    m = GammaGammaModel().fit(d.x, d.zbar)
    assert m.n_customers_ == 946
    assert (round(m.params_["p"], 2), round(m.params_["q"], 2)) == (6.25, 3.74)
    assert abs(m.params_["gamma"] - 15.44) < 0.01
    assert round(m.loglik_, 1) == -4055.9
    # the conditional mean lies between the customer's own mean and the population mean
    spend = m.expected_spend(d.x, d.zbar)[d.x.to_numpy() > 0]
    own = d.zbar.to_numpy()[d.x.to_numpy() > 0]
    lo, hi = np.minimum(own, m.population_mean), np.maximum(own, m.population_mean)
    assert np.all((spend >= lo - 1e-9) & (spend <= hi + 1e-9))


def test_bgnbd_predictions_match_hand_formulas(cdnow_summary: pd.DataFrame) -> None:
    """P(alive) for x=0 is 1; E[Y(t)] for a new customer grows with t; the conditional expectation
    of customer 1 (x=2, t_x=30.43, T=38.86) equals eq. 10 evaluated by hand with scipy."""
    from scipy.special import hyp2f1

    d = cdnow_summary
    m = BetaGeoModel().fit(d.frequency, d.recency, d["T"])
    r, alpha, a, b = (m.params_[k] for k in ("r", "alpha", "a", "b"))
    assert m.p_alive([0], [0], [10])[0] == 1.0
    x, tx, T, t = 2, 30.43, 38.86, 39.0
    palive = 1 / (1 + a / (b + x - 1) * ((alpha + T) / (alpha + tx)) ** (r + x))
    by_hand = (
        (a + b + x - 1)
        / (a - 1)
        * (1 - ((alpha + T) / (alpha + T + t)) ** (r + x) * hyp2f1(r + x, b + x, a + b + x - 1, t / (alpha + T + t)))
        * palive
    )
    assert m.p_alive([x], [tx], [T])[0] == pytest.approx(palive, rel=1e-12)
    assert m.expected_purchases(t, [x], [tx], [T])[0] == pytest.approx(by_hand, rel=1e-12)
    new = m.expected_purchases_new([1.0, 10.0, 52.0])
    assert np.all(np.diff(new) > 0)


def test_bgnbd_recovers_simulated_parameters() -> None:
    """200k customers simulated (seed 7) from known parameters: each estimate within 3 SE (and 5%)."""
    truth = {"r": 0.5, "alpha": 6.0, "a": 0.7, "b": 3.0}
    rng = np.random.default_rng(7)
    T = rng.integers(7, 365, 200_000) / 7.0
    sim = simulate_bgnbd(truth, T, seed=7)
    rec = np.floor(sim["recency"] * 7) / 7  # observed on a day grid
    m = BetaGeoModel().fit(sim["frequency"], rec, sim["T"])
    for k, v in truth.items():
        assert abs(m.params_[k] - v) < max(3 * m.se_[k], 0.05 * v), (k, m.params_[k], m.se_[k])


def test_pareto_recovers_simulated_parameters() -> None:
    truth = {"r": 0.6, "alpha": 8.0, "s": 0.8, "beta": 12.0}
    T = np.random.default_rng(3).uniform(20, 52, 20_000)
    sim = simulate_pareto_nbd(truth, T, seed=3)
    m = ParetoNBDModel().fit(np.round(sim["frequency"]), np.round(sim["recency"], 1), np.round(sim["T"], 1))
    for k, v in truth.items():
        assert abs(m.params_[k] - v) < 3 * m.se_[k], (k, m.params_[k], m.se_[k])


def test_gamma_gamma_recovers_simulated_parameters() -> None:
    truth = {"p": 6.0, "q": 4.0, "gamma": 15.0}
    x = np.random.default_rng(5).integers(1, 10, 20_000).astype(float)
    z = simulate_gamma_gamma(truth, x, seed=5)
    m = GammaGammaModel().fit(x, z)
    for k, v in truth.items():
        assert abs(m.params_[k] - v) < 3 * m.se_[k], (k, m.params_[k], m.se_[k])


def test_weights_equal_repeated_rows(cdnow_summary: pd.DataFrame) -> None:
    """Fitting on distinct rows with counts is the same fit as on the repeated rows."""
    d = cdnow_summary.head(800)
    counts = np.arange(len(d)) % 3 + 1
    rep = d.loc[d.index.repeat(counts)]
    a = BetaGeoModel().fit(d.frequency, d.recency, d["T"], sample_weight=counts)
    b = BetaGeoModel().fit(rep.frequency, rep.recency, rep["T"])
    for k in a.params_:
        assert a.params_[k] == pytest.approx(b.params_[k], rel=1e-6)
    assert a.loglik_ == pytest.approx(b.loglik_, rel=1e-9)


def test_save_and_load_as_json(cdnow_summary: pd.DataFrame, tmp_path: Path) -> None:
    d = cdnow_summary
    m = BetaGeoModel(penalizer=0.0, max_iter=300).fit(d.frequency, d.recency, d["T"])
    path = tmp_path / "bg.json"
    m.save(path)
    raw = json.loads(path.read_text())
    assert (
        raw["model"] == "bgnbd" and raw["config"]["max_iter"] == 300 and set(raw["params"]) == {"r", "alpha", "a", "b"}
    )
    again = load_model(path)
    assert isinstance(again, BetaGeoModel) and again.get_params() == m.get_params()
    np.testing.assert_allclose(
        again.expected_purchases(10, d.frequency, d.recency, d["T"]),
        m.expected_purchases(10, d.frequency, d.recency, d["T"]),
    )
    with pytest.raises(ModelError):
        model_from_dict({"model": "nope"})
    with pytest.raises(ModelError):
        GammaGammaModel.from_dict(raw)


def test_sklearn_contract_and_clear_errors() -> None:
    m = BetaGeoModel(penalizer=0.1)
    assert m.get_params()["penalizer"] == 0.1
    assert m.set_params(max_iter=10) is m and m.max_iter == 10
    assert repr(m).startswith("BetaGeoModel(")
    assert not m.is_fitted and not hasattr(m, "params_")
    with pytest.raises(ModelError) as err:
        m.p_alive([1], [1], [2])
    assert "拟合" in err.value.zh
    with pytest.raises(ModelError):
        m.fit([1, np.nan], [0, 1], [2, 3])
    with pytest.raises(ModelError):
        m.set_params(bogus=1)
    with pytest.raises(ModelError):
        GammaGammaModel().fit([0, 0, 1], [0, 0, 5.0])
