"""活动策划 and demand forecasting: the plan's identity and its parts on the demo shop; censored demand on a
hand-made history; the forecast against the seasonal naive on the demo shop and on Online Retail."""

from __future__ import annotations

import datetime as dt
import math
from itertools import pairwise
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from junshi import connect
from junshi.analysis.source import kpi_frame
from junshi.errors import ConfigError
from junshi.promo.forecast import HISTORY_DAYS, UnitHistory, backtest, fit, forecast, unit_history
from junshi.promo.plan import plan


@pytest.fixture(scope="module")
def demo_plan(demo_db: Path) -> dict:
    with connect(demo_db) as shop:
        return plan(shop, 300000.0, dt.date(2024, 11, 11))


def test_plan_identity_and_parts(demo_plan: dict) -> None:
    """uv x conversion x spend per buyer is the target; the sources' visitors add up to uv and their spend to
    the plan's; the main day is the target; each product's stock needed covers its upper quantile."""
    p = demo_plan
    assert p["uv"] * p["payment_conversion_rate"] * p["spend_per_buyer"] == pytest.approx(300000.0, rel=1e-12)
    assert p["uv_interval"][0] <= p["uv"] <= p["uv_interval"][1]
    lo, hi = p["payment_conversion_rate_interval"]
    assert lo <= p["payment_conversion_rate"] <= hi
    assert sum(s["uv"] for s in p["sources"]) == pytest.approx(p["uv"], abs=0.5 * len(p["sources"]))
    assert p["spend"] == pytest.approx(sum(s["spend"] for s in p["sources"] if s["spend"] is not None), abs=0.05)
    assert any(s["spend"] for s in p["sources"]) and p["spend_ratio"] == pytest.approx(p["spend"] / 300000.0, abs=1e-4)
    assert p["as_of"] == "2024-10-31" and p["basis"]["kind"] == "ordinary_days"
    assert [d["phase"] for d in p["days"]] == ["warm_up"] * 10 + ["main"] + ["after"] * 3
    main = p["days"][10]
    assert main["date"] == "2024-11-11" and main["sales"] == 300000.0
    hourly = p["hourly"]
    assert hourly[-1] == pytest.approx(1.0) and all(a <= b for a, b in pairwise(hourly))
    assert p["products"]
    for r in p["products"]:
        free = r["stock"] - r["presale_units"]
        assert r["stock_needed"] == max(0, math.ceil(r["upper_units"] - free))
        assert r["upper_units"] >= r["forecast_units"] * 0.9
        assert 0 <= r["stockout_risk"] <= 1
    needs = [r for r in p["products"] if r["stock_needed"]]
    assert needs and all(r["stockout_risk"] > 0.1 for r in needs)  # a product to restock is at risk without it


def test_plan_learns_from_a_past_event(demo_db: Path) -> None:
    """双12 after the demo's 双11: the rates are the 双11 main day's."""
    with connect(demo_db) as shop:
        p = plan(shop, 100000.0, dt.date(2024, 12, 12))
        day = kpi_frame(shop, ["payment_conversion_rate", "spend_per_buyer"], [], start=dt.date(2024, 11, 11),
                        end=dt.date(2024, 11, 11))
        with pytest.raises(ConfigError):
            plan(shop, -5, dt.date(2024, 12, 12))
    assert p["basis"]["kind"] == "past_event" and p["basis"]["start"] == "2024-11-11"
    assert p["payment_conversion_rate"] == pytest.approx(float(day["payment_conversion_rate"].iloc[0]))
    assert p["basis"]["warm_up"] < 1  # the simulator's pull-forward: the warm-up sold less than usual


def _history(censor: bool) -> UnitHistory:
    """56 days: product A sells 3 a day, but ran out on the last 10 days (0 sold); B sells 2 a day."""
    days = pd.date_range("2025-01-01", periods=56, freq="D")
    a = np.full(56, 3.0)
    a[-10:] = 0
    units = pd.DataFrame({"A": a, "B": np.full(56, 2.0)}, index=days)
    cens = pd.DataFrame(False, index=days, columns=units.columns)
    cens.iloc[-10:, 0] = censor
    return UnitHistory(units, cens)


def test_out_of_stock_days_are_censored_demand() -> None:
    """With the days out of stock marked, A's demand stays 3 a day (7 x 3 = 21 over a week); without, the zeros
    drag it down."""
    censored = fit(_history(True), 7)
    assert censored.total("A") == pytest.approx(21.0, rel=0.05)
    assert censored.total("B") == pytest.approx(14.0, rel=0.05)
    assert fit(_history(False), 7).total("A") < 15


def test_forecast_beats_seasonal_naive_on_the_demo_shop(demo_db: Path) -> None:
    with connect(demo_db) as shop:
        data = forecast(shop, horizon=14)
    bt = data["backtest"]
    assert bt["origins"] == 4 and bt["products"] > 20
    assert bt["forecast"]["wape"] < bt["seasonal_naive"]["wape"]
    assert bt["forecast"]["mase"] < bt["seasonal_naive"]["mase"]
    presale = [r for r in data["products"] if r["presale_units"]]
    assert all(r["oversell_risk"] == r["stockout_risk"] for r in presale)
    assert all(r["upper_units"] >= r["forecast_units"] * 0.9 for r in data["products"])


@pytest.mark.slow
def test_forecast_beats_seasonal_naive_on_online_retail(shared_data: Path, tmp_path: Path) -> None:
    """UCI Online Retail (no shop on Saturdays, thousands of products): the last 16 weeks."""
    with connect(tmp_path / "or.duckdb") as shop:
        shop.ingest(shared_data / "online_retail" / "online_retail_2010-12-01_2011-12-09.csv", preset="online-retail")
        end = dt.date(2011, 12, 9)
        bt = backtest(unit_history(shop, end - dt.timedelta(days=HISTORY_DAYS + 40), end), 14, 4)
    assert bt["forecast"]["wape"] < bt["seasonal_naive"]["wape"]
    assert bt["forecast"]["mase"] < bt["seasonal_naive"]["mase"]


def test_a_weekday_the_shop_is_closed_is_left_out() -> None:
    """Online Retail sells nothing on Saturdays: a product selling 2 a day on the six open days is forecast at
    6 x 2 = 12 over a week, 0 on the Saturday (not a level dragged to nothing by days that cannot sell)."""
    days = pd.date_range("2025-01-06", periods=56, freq="D")  # a Monday
    units = pd.DataFrame({"B": np.where(days.weekday == 5, 0.0, 2.0)}, index=days)
    fc = fit(UnitHistory(units, pd.DataFrame(False, index=days, columns=units.columns)), 7)
    assert fc.total("B") == pytest.approx(12.0, rel=0.05)
    assert float(fc.mean["B"][fc.mean.index.weekday == 5].iloc[0]) == 0.0


def test_an_orders_only_shop_is_planned_by_buyers(olist_tail_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Olist has orders but no visitors: the target is paying buyers x spend per buyer (no visitors, conversion,
    sources or spend), with the same curve and stock as a shop with visits; the CLI says what visitor data adds."""
    from cli_commands import run_cli
    from junshi.promo.history import paid_span

    with connect(olist_tail_db) as shop:
        day = paid_span(shop)[1] + dt.timedelta(days=20)
        p = plan(shop, 50000.0, day)
    assert p["uv"] is None and p["payment_conversion_rate"] is None and p["sources"] == [] and p["spend"] is None
    assert p["paid_buyers"] * p["spend_per_buyer"] == pytest.approx(50000.0, abs=0.05 * p["spend_per_buyer"])
    assert p["paid_buyers_interval"][0] <= p["paid_buyers"] <= p["paid_buyers_interval"][1]
    assert [d["sales"] for d in p["days"] if d["phase"] == "main"] == [50000.0]
    assert all(d["uv"] is None for d in p["days"]) and p["products"]
    code, out, err = run_cli(capsys, "--lang", "en", "promo", "plan", "--target-sales", "50000",
                             "--date", day.isoformat(), "--db", str(olist_tail_db))
    assert code == 0, err
    assert "paying buyers" in out and "load visitor data" in out
