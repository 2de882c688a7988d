"""DSR early warning (junshi.service.dsr) on hand-made ratings, and its backtest on the demo shop."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from junshi.service.dsr import backtest, daily_ratings, dsr_forecast, forecast_frame, new_level, rolling_origin
from junshi.shop import connect
from test_metrics import load_duckdb


def test_forecast_arithmetic(tmp_path: Path) -> None:
    """As of 2024-06-28: 10 ratings of 5 on 2024-01-01 (in today's 180 days, out of those in 30 days) and
    3 ratings of 2 on 2024-06-20 (product p9, text 质量很差).
    current = (10x5 + 3x2) / 13 = 4.3077; known in 30 days: 3 ratings, sum 6 (the ten 5s leave the window);
    3 new ratings as in the last 30 days, at the mean so far (too little history for a line): 56/13;
    forecast = (6 + 3 x 56/13) / 6 = 3.1538 < threshold 4.7 and < peers 4.8: an alert naming 质量
    (3 negative mentions) and p9 (3 low ratings). No past forecast can be scored yet: the model, and the
    80% interval from the ratings' variance: variance of the 13 = (10x25 + 3x4 - 56^2/13) / 12 = 1.73077;
    the new ratings are 3 / 6 of the window in 30 days; half-width 1.2816 x 0.5 x sqrt(2 x 1.73077 / 3)
    = 0.68834: 2.4655 .. 3.8422, whose top is below 4.7: the alert is likely. Without peers, against a
    threshold of 3.5 only the forecast is below it (possible); against 3.0 there is no alert."""
    rows = [dict(review_id=f"a{i}", product_id="p1", created_at="2024-01-01 10:00", dsr_item=5) for i in range(10)]
    rows += [dict(review_id=f"b{i}", product_id="p9", created_at="2024-06-20 10:00", dsr_item=2, text="质量很差")
             for i in range(3)]
    with connect(tmp_path / "w.duckdb", "s") as shop:
        load_duckdb(shop.warehouse, {"reviews": rows, "benchmarks": [
            dict(date="2024-06-01", metric="dsr_item", level="peer_avg", value=4.8)]})
        got = dsr_forecast(shop, date(2024, 6, 28))
    item = got["scores"][0]
    assert item["metric"] == "dsr_item" and len(got["scores"]) == 1  # no service / logistics ratings
    assert item["current"] == pytest.approx(56 / 13, abs=1e-4)
    assert item["forecast"] == pytest.approx((6 + 3 * 56 / 13) / 6, abs=1e-4)
    assert item["alert"] and item["below_peer"] and item["below_threshold"] and item["peer"] == 4.8
    half = 1.2816 * 0.5 * (2 * (262 - 56 ** 2 / 13) / 12 / 3) ** 0.5
    assert item["low"] == pytest.approx(item["forecast"] - half, abs=1e-4)
    assert item["high"] == pytest.approx(item["forecast"] + half, abs=1e-4)
    assert item["method"] == "model" and item["certainty"] == "likely"
    assert item["aspects"] == [{"aspect": "quality", "negative": 3}]
    assert item["products"] == [{"product_id": "p9", "low_ratings": 3}]
    with connect(tmp_path / "no_peers.duckdb", "s") as shop:  # the same ratings, no peers
        load_duckdb(shop.warehouse, {"reviews": rows})
        unsure, clear = (dsr_forecast(shop, date(2024, 6, 28), threshold)["scores"][0] for threshold in (3.5, 3.0))
    assert unsure["certainty"] == "possible" and unsure["below_threshold"] and not unsure["below_peer"]
    assert clear["certainty"] is None and not clear["alert"]


def test_new_ratings_level_against_a_separate_fit() -> None:
    """120 days of 5-7 ratings a day around a level moving as 4.5 + 0.2 sin(t / 40) with a wobble. On the
    last day the level of the next 30 days is the line fitted (numpy.polyfit: slope 0.20) on every day's
    30-day mean against the one 30 days before, at today's 30-day mean; on day 50 (21 pairs, fewer than
    30) it is the mean of every rating so far."""
    t = np.arange(120)
    n = 5.0 + t % 3
    level = 4.5 + 0.2 * np.sin(t / 40) + 0.05 * ((t * 7) % 5 - 2)
    daily = pd.DataFrame({"dsr_item_n": n, "dsr_item_sum": n * level}, index=pd.date_range("2024-01-01", periods=120))
    got = new_level(daily, "dsr_item")
    sums = daily.rolling(30, min_periods=1).sum()
    recent = sums["dsr_item_sum"] / sums["dsr_item_n"]
    slope, intercept = np.polyfit(recent.shift(30).to_numpy()[30:], recent.to_numpy()[30:], 1)
    assert 0 < slope < 1
    assert got.iloc[-1] == pytest.approx(intercept + slope * recent.iloc[-1])
    so_far = daily.iloc[:51].sum()
    assert got.iloc[50] == pytest.approx(so_far["dsr_item_sum"] / so_far["dsr_item_n"])


def test_a_day_before_the_first_rating_has_no_score(tmp_path: Path) -> None:
    """Ratings from 2024-01-01 only: as of 1999-12-31 there is nothing in the 180-day window, so no score (the
    API answered 500 here for /api/service?date=2000-01-01)."""
    rows = [dict(review_id=f"a{i}", product_id="p1", created_at="2024-01-01 10:00", dsr_item=5) for i in range(3)]
    with connect(tmp_path / "w.duckdb", "s") as shop:
        load_duckdb(shop.warehouse, {"reviews": rows})
        got = dsr_forecast(shop, date(1999, 12, 31))
    assert got["as_of"] == "1999-12-31" and got["scores"] == []


def test_a_score_whose_ratings_all_leave_the_window_stays(tmp_path: Path) -> None:
    """Three ratings of 5 on 2024-01-01 only: on 2024-06-15 they are in the 180-day window (score 5.0) but
    leave it within 30 days and nothing new comes; the forecast is no change (it was NaN) without a range."""
    rows = [dict(review_id=f"a{i}", product_id="p1", created_at="2024-01-01 10:00", dsr_item=5) for i in range(3)]
    with connect(tmp_path / "w.duckdb", "s") as shop:
        load_duckdb(shop.warehouse, {"reviews": rows})
        item = dsr_forecast(shop, date(2024, 6, 15))["scores"][0]
    assert (item["current"], item["forecast"], item["low"], item["high"]) == (5.0, 5.0, 5.0, 5.0)
    assert item["method"] == "no_change" and not item["alert"]


def _stepping_ratings(days: int = 200, step_day: int = 120) -> pd.DataFrame:
    """``days`` of 20-22 ratings a day at a level of 4.5 that steps up by 0.2 for good on ``step_day``,
    with a daily sum of squares as if a tenth of the ratings were one point off the level."""
    t = np.arange(days)
    n = 20.0 + t % 3
    level = 4.5 + 0.2 * (t >= step_day)
    return pd.DataFrame({"dsr_item_n": n, "dsr_item_sum": n * level, "dsr_item_sq": n * (level ** 2 + 0.1)},
                        index=pd.date_range("2024-01-01", periods=days))


def test_the_method_and_interval_come_from_the_past_alone() -> None:
    """On days 150 and 199 of a history whose level steps up on day 120: the method is the one whose
    forecasts made on days 60..T-30 erred less (recomputed here from the model's and no change's forecasts
    and the actual 180-day means), the interval spans at least the 10th..90th percentile of its errors, and
    the day's row is the same when the history after it is cut off (no look-ahead). On day 150 no change
    has erred less (the model's line, fitted on a flat history, pulled the step back), by day 199 the model
    (its line has learnt that the step lasts)."""
    daily = _stepping_ratings()
    full = rolling_origin(daily, "dsr_item")
    f = forecast_frame(daily, "dsr_item")
    for day in (150, 199):
        past = f.iloc[60:day - 30 + 1]
        err = {"model": past["forecast"] - past["actual"], "no_change": past["current"] - past["actual"]}
        method = min(err, key=lambda k: err[k].abs().mean())
        row = full.iloc[day]
        assert row["method"] == method
        assert row["low"] <= row["point"] - err[method].quantile(0.9) + 1e-12
        assert row["high"] >= row["point"] - err[method].quantile(0.1) - 1e-12
        cut = rolling_origin(daily.iloc[:day + 1], "dsr_item").iloc[day]
        assert cut[["method", "point", "low", "high"]].tolist() == row[["method", "point", "low", "high"]].tolist()
    assert [full.iloc[150]["method"], full.iloc[199]["method"]] == ["no_change", "model"]


def test_backtest_on_the_demo_shop(demo_db: Path) -> None:
    """The rolling-origin backtest on the demo fixture (120 days, 1,000 visits a day; docs/service.md has
    the figures on it and on longer shops): every day with 60 days behind it and 30 ahead, the forecast as
    the shop's past would have chosen it then. It beats no change on each score here, its errors stay
    below 0.15 points and its 80% interval holds the actual on at least half of the days."""
    with connect(demo_db) as shop:
        daily = daily_ratings(shop)
    for score in ("dsr_item", "dsr_service", "dsr_logistics"):
        bt = backtest(daily, score)
        assert bt is not None and bt.days >= 20
        assert bt.mae < 0.15, (score, bt)
        assert bt.mae <= bt.mae_naive, (score, bt)
        assert bt.coverage >= 0.5, (score, bt)
