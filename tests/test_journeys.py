"""Attribution and the A/B readout on simulated journeys with known channel effects and a known creative
difference (junshi.simulate.journeys)."""

from __future__ import annotations

from pathlib import Path

import pytest
from scipy.stats import spearmanr

from junshi import connect
from junshi.marketing.abtest import readout
from junshi.marketing.attribution import MODELS, compare
from junshi.simulate.journeys import JourneyTruth, simulate_journeys


@pytest.fixture(scope="module")
def journeys(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, JourneyTruth]:
    db = tmp_path_factory.mktemp("journeys") / "journeys.duckdb"
    return db, simulate_journeys(db, visitors=30_000, seed=1)


def test_attribution_on_known_channel_effects(journeys: tuple[Path, JourneyTruth]) -> None:
    """Every model adds up to the simulated orders. The visit-sharing models (linear, time decay, position,
    Shapley) rank the channels as their true incremental orders do (rank correlation >= 0.9) and give the channel
    with no effect (钻展) the smallest share. Markov's removal effects measure how many converting paths pass
    through a channel: they give 钻展 more than its true share (recorded here, not hidden)."""
    db, truth = journeys
    with connect(db, shop="journeys") as shop:
        res = compare(shop, start=truth.start, end=truth.end)
    orders = int(truth.channels["orders"].iloc[0])
    assert res.total_conversions == orders
    incremental = dict(zip(truth.channels["channel"], truth.channels["incremental_orders"], strict=True))
    assert min(incremental, key=incremental.__getitem__) == "钻展"
    for model in MODELS:
        credit = {c.channel: float(c.conversions) for c in res.results[model].channels}
        assert sum(credit.values()) == pytest.approx(orders), model
        if model in ("linear", "time_decay", "position", "shapley"):
            rho = spearmanr([incremental[c] for c in incremental], [credit[c] for c in incremental]).statistic
            assert rho >= 0.9, (model, credit)
            assert min(credit, key=credit.__getitem__) == "钻展", model
    markov = {c.channel: float(c.conversions) for c in res.results["markov"].channels}
    assert markov["钻展"] / orders > incremental["钻展"] / sum(incremental.values())


def test_creative_readout_finds_the_known_difference(journeys: tuple[Path, JourneyTruth]) -> None:
    """创意B pulls twice as much as 创意A: the true conversions of the test's visitors all shown A and all shown B
    lie inside the readout's 95% intervals; the split passes the sample-ratio check; the always-valid p-value
    calls B better."""
    db, truth = journeys
    with connect(db, shop="journeys") as shop:
        res = readout(shop, column="campaign", control="创意A", treatment="创意B", start=truth.test_start,
                      end=truth.end)
    conversion = next(m for m in res.metrics if m.metric == "conversion")
    true_difference = truth.conversion_treatment - truth.conversion_control
    assert truth.lift > 0.2
    assert conversion.effect_ci[0] < true_difference < conversion.effect_ci[1]
    assert conversion.control == pytest.approx(truth.conversion_control, abs=0.01)
    assert res.srm_pvalue is not None and res.srm_pvalue > 0.01
    assert conversion.cuped and conversion.always_valid_pvalue is not None
    assert res.verdict == "treatment_better" and res.verdict_metric == "conversion"
    assert res.daily[-1]["conversion_pvalue"] == conversion.always_valid_pvalue


def test_daily_always_valid_pvalues_match_a_look_by_look_computation(journeys: tuple[Path, JourneyTruth]) -> None:
    """The readout's daily path against each look recomputed from scratch: the visitors in by that day, each
    visitor's outcomes up to that day, their means and variances, the mSPRT, the running minimum."""
    import numpy as np

    from junshi.marketing.abtest import visitor_days
    from junshi.marketing.sequential import always_valid_pvalues, msprt_statistic

    db, truth = journeys
    with connect(db, shop="journeys") as shop:
        res = readout(shop, column="campaign", control="创意A", treatment="创意B", start=truth.test_start,
                      end=truth.end)
        days = visitor_days(shop, column="campaign", control="创意A", treatment="创意B", start=truth.test_start,
                            end=truth.end, pre_days=0)
    days = days[(days["variant"] >= 0) & (days["day"] >= 0)]
    entry = days.groupby("visitor")["day"].min()
    n_days = (truth.end - truth.test_start).days + 1
    for metric, outcome in (("conversion", "orders"), ("revenue_per_visitor", "revenue")):
        log_l = []
        for look in range(n_days):
            upto = days[days["day"] <= look].groupby(["visitor", "variant"])[outcome].sum().reset_index()
            upto = upto[upto["visitor"].map(entry) <= look]
            y = (upto[outcome] > 0).astype(float) if metric == "conversion" else upto[outcome]
            arms = [y[upto["variant"] == g] for g in (0, 1)]
            log_l.append(msprt_statistic(*(np.array(v) for a in arms for v in (len(a), a.mean(), a.var(ddof=1))))
                         if min(len(a) for a in arms) > 1 else 0.0)
        expected = always_valid_pvalues(np.array(log_l, dtype=float))
        got = np.array([d[f"{metric}_pvalue"] for d in res.daily])
        assert got == pytest.approx(expected, rel=1e-6, abs=1e-12), metric
    assert [d["visitors_control"] + d["visitors_treatment"] for d in res.daily][-1] == sum(res.visitors.values())
