"""Recommendation rules on hand-made snapshots (arithmetic in the docstrings), then on the demo shop."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from junshi import Shop, connect
from junshi.analysis.advice import (
    AdviceSettings,
    Snapshot,
    advise,
    cut_losers,
    negative_reviews,
    peer_gap,
    sources,
    spend_ratio,
    stockout_traffic,
    traffic_to_winners,
    visits_no_sales,
)
from junshi.simulate import GroundTruth

DAY = date(2026, 11, 20)
EMPTY = pd.DataFrame()


def snap(**kw: Any) -> Snapshot:
    base: dict[str, Any] = dict(day=DAY, window=7, products=EMPTY, sources=EMPTY, shop={}, shop_day={},
                                dsr_before={}, stock_today=EMPTY, product_sources_today=EMPTY,
                                negative_reviews=EMPTY)
    return Snapshot(**{**base, **kw})


def products(rows: dict[str, dict[str, Any]]) -> pd.DataFrame:
    f = pd.DataFrame.from_dict(rows, orient="index")
    for t in ("now", "prev", "base"):
        if f"uv_{t}" in f.columns:
            f[f"payment_conversion_rate_{t}"] = f[f"paid_buyers_{t}"] / f[f"uv_{t}"]
    return f


def test_winner_needs_high_rising_significant_conversion_and_price() -> None:
    """Shop conversion 2%. A: 500 visitors, 25 buyers (5%), before 3%, price 300 >= median 200:
    z = (25 - 500 x 0.02) / sqrt(10) = 4.7 -> a winner. B: same rates on 100 visitors (5 buyers,
    z = (5 - 2)/sqrt(2) = 2.1 < 3) -> not significant. C: cheap (100)."""
    p = products({
        "A": {"uv_now": 500, "paid_buyers_now": 25, "uv_prev": 500, "paid_buyers_prev": 15, "price": 300.0},
        "B": {"uv_now": 100, "paid_buyers_now": 5, "uv_prev": 100, "paid_buyers_prev": 3, "price": 300.0},
        "C": {"uv_now": 500, "paid_buyers_now": 25, "uv_prev": 500, "paid_buyers_prev": 15, "price": 100.0},
        "D": {"uv_now": 500, "paid_buyers_now": 10, "uv_prev": 500, "paid_buyers_prev": 10, "price": 200.0},
    })
    out = traffic_to_winners(snap(products=p, shop={"payment_conversion_rate": 0.02}), AdviceSettings())
    assert [a.subject for a in out] == [{"product": "A"}]
    assert out[0].numbers["conversion"] == 0.05 and out[0].numbers["median_price"] == 250.0
    assert "5.00%" in out[0].text.en and "5.00%" in out[0].text.zh


def test_loser_must_fall_in_both_windows_significantly() -> None:
    """A: base 1000 visitors 50 buyers (5%); prev 1000/20 (2%); now 1000/25 (2.5%): both <= 3.5%,
    expected 100 buyers, got 45: z = -5.5 -> cut. B recovered (now 5%). Lost = 1000 x 2.5% x 200 = 5000."""
    p = products({
        "A": {"uv_base": 1000, "paid_buyers_base": 50, "sales_base": 10000.0, "uv_prev": 1000,
              "paid_buyers_prev": 20, "uv_now": 1000, "paid_buyers_now": 25},
        "B": {"uv_base": 1000, "paid_buyers_base": 50, "sales_base": 10000.0, "uv_prev": 1000,
              "paid_buyers_prev": 20, "uv_now": 1000, "paid_buyers_now": 50},
    })
    out = cut_losers(snap(products=p), AdviceSettings())
    assert [a.subject["product"] for a in out] == ["A"]
    assert out[0].priority == 1 and out[0].value == pytest.approx(5000.0)
    assert out[0].numbers["expected_buyers"] == 100
    assert cut_losers(snap(products=p, base_in_promotion=True), AdviceSettings()) == []


def test_sources_grow_and_fix() -> None:
    """Shop conversion 3%; paid visitor cost = (1000 + 300) / (500 + 300) = 1.625.
    直通车: 2% conversion at 2.00 a visitor -> fix or cut. 淘宝客: 5% at 1.00 -> grow. 搜索: 4% free, < 1.2 x 3%."""
    f = pd.DataFrame([
        {"source": "直通车", "uv": 500, "payment_conversion_rate": 0.02, "visitor_cost": 2.0, "ad_cost": 1000.0},
        {"source": "淘宝客", "uv": 300, "payment_conversion_rate": 0.05, "visitor_cost": 1.0, "ad_cost": 300.0},
        {"source": "搜索", "uv": 900, "payment_conversion_rate": 0.035, "visitor_cost": None, "ad_cost": None},
    ])
    out = sources(snap(sources=f, shop={"payment_conversion_rate": 0.03}), AdviceSettings())
    assert sorted((a.rule, a.subject["source"]) for a in out) == [("fix_source", "直通车"), ("grow_source", "淘宝客")]
    fix = next(a for a in out if a.rule == "fix_source")
    assert fix.numbers["paid_visitor_cost"] == pytest.approx(1.625)


def test_only_sources_that_can_be_bought_are_told_to_grow() -> None:
    """Shop conversion 3%; every source converts at 6% (>= 1.2 x 3%) on 500 visitors. 直接访问, 短信/邮件
    and 搜索 cost nothing and cannot be bought: no "invest more". 万相台 is a known paid channel (no cost
    in this window), 站外推广 has cost in ad_spend (``costed``), 淘宝客 has ad cost in the window at 0.50 a
    visitor, below the paid average (250 + 1000) / (500 + 500) = 1.25: grow them. (直通车 converts at 2%.)"""
    names = ["直接访问", "短信/邮件", "搜索", "万相台", "站外推广", "淘宝客", "直通车"]
    f = pd.DataFrame({"source": names, "uv": 500, "payment_conversion_rate": [0.06] * 6 + [0.02],
                      "visitor_cost": [None] * 5 + [0.5, 2.0], "ad_cost": [None] * 5 + [250.0, 1000.0]})
    s = snap(sources=f, shop={"payment_conversion_rate": 0.03}, costed=frozenset({"站外推广"}))
    out = sources(s, AdviceSettings())
    assert sorted(a.subject["source"] for a in out if a.rule == "grow_source") == ["万相台", "淘宝客", "站外推广"]
    assert s.paid() == frozenset({"万相台", "站外推广", "淘宝客", "直通车"})


def test_spend_ratio_band_per_category() -> None:
    """Spend 1,200 on sales 10,000 = 12%: above the default 10% band (warning, priority 2); a category
    band of 15% silences it; 16% is loss-making (priority 1)."""
    s = snap(shop={"spend_ratio": 0.12, "ad_cost": 1200.0, "sales": 10000.0}, main_category="家电")
    assert [a.priority for a in spend_ratio(s, AdviceSettings())] == [2]
    assert spend_ratio(s, AdviceSettings(spend_ratio_by_category={"家电": 0.15})) == []
    s16 = snap(shop={"spend_ratio": 0.16}, main_category=None)
    assert [a.priority for a in spend_ratio(s16, AdviceSettings())] == [1]


def test_visits_no_sales_and_stockout_traffic() -> None:
    p = products({
        "A": {"uv_now": 150, "paid_buyers_now": 0, "is_presale": False, "name": "连衣裙"},
        "B": {"uv_now": 150, "paid_buyers_now": 0, "is_presale": True, "name": "预售外套"},
        "C": {"uv_now": 99, "paid_buyers_now": 0, "is_presale": False, "name": "T恤"},
    })
    assert [a.subject["product"] for a in visits_no_sales(snap(products=p), AdviceSettings())] == ["A"]
    stock = pd.DataFrame({"product_id": ["A", "B", "C"], "stock": [0, 0, 5]})
    ps = pd.DataFrame({"product": ["A", "A", "B"], "source": ["直通车", "搜索", "搜索"], "uv": [30, 10, 50]})
    src = pd.DataFrame({"source": ["直通车", "搜索"], "ad_cost": [100.0, 0.0]})
    out = stockout_traffic(snap(products=p, stock_today=stock, product_sources_today=ps, sources=src),
                           AdviceSettings())
    assert [(a.subject["product"], a.numbers["visitors"], a.numbers["paid_visitors"]) for a in out] == [("A", 40, 30)]
    assert "连衣裙 (A)" in out[0].text.zh


def test_peer_gap_value_of_closing_it() -> None:
    """Conversion 2% vs peers 2.5% on 10,000 visitors at 200 a buyer: 10,000 x 0.5% x 200 = 10,000 a week."""
    s = snap(shop={"uv": 10000, "paid_buyers": 200, "spend_per_buyer": 200.0},
             shop_day={"payment_conversion_rate": 0.02, "payment_conversion_rate_peer_avg": 0.025,
                       "spend_per_buyer": 210.0, "spend_per_buyer_peer_avg": 200.0})
    out = peer_gap(s, AdviceSettings())
    assert [a.subject["metric"] for a in out] == ["payment_conversion_rate"]
    assert out[0].value == pytest.approx(10000.0)


def test_negative_reviews_listed() -> None:
    r = pd.DataFrame([{"review_id": "R1", "order_id": "O1", "product_id": "P1", "rating": 1, "text": "质量差"}])
    out = negative_reviews(snap(negative_reviews=r), AdviceSettings())
    assert out[0].priority == 1 and out[0].numbers["reviews"][0]["text"] == "质量差"
    assert json.loads(json.dumps(out[0].to_json(), ensure_ascii=False))["numbers"]["count"] == 1


@pytest.fixture(scope="module")
def demo_shop(demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Shop]:
    path = tmp_path_factory.mktemp("advice") / "demo.duckdb"
    shutil.copy(demo_db, path)
    with connect(path) as shop:
        yield shop


def test_demo_stockout_and_planted_conversion_drop(demo_shop: Shop, demo_truth: GroundTruth) -> None:
    stockout = demo_truth.event("landing_stockout")
    recs = advise(demo_shop, stockout.start)
    assert any(a.rule == "stockout_traffic" and a.subject["product"] == stockout.product_id and a.priority == 1
               for a in recs)
    drop = demo_truth.event("product_conversion")
    recs = advise(demo_shop, drop.end)
    assert any(a.rule == "cut_losers" and a.subject["product"] == drop.product_id for a in recs)
    assert recs == sorted(recs, key=lambda a: (a.priority, -(a.value or 0.0), a.rule))


def test_advise_cli_text_is_a_morning_note(demo_shop: Shop, demo_truth: GroundTruth) -> None:
    from typer.testing import CliRunner

    from junshi.cli.app import _register, app

    _register()
    db = demo_shop.warehouse.url
    day = demo_truth.event("landing_stockout").start
    demo_shop.close()
    res = CliRunner().invoke(app, ["--lang", "zh", "advise", "--db", db, "--date", day.isoformat()])
    assert res.exit_code == 0, res.output
    assert "晨报" in res.output and "建议" in res.output and "预警" in res.output
    res = CliRunner().invoke(app, ["advise", "--db", db, "--date", (day + timedelta(days=1)).isoformat(),
                                   "--format", "json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert out["recommendations"] and {"rule", "priority", "numbers", "text"} <= set(out["recommendations"][0])


def test_every_rule_threshold_and_alert_code_is_documented() -> None:
    """docs/diagnosis.md names every rule, every threshold of AdviceSettings / AlertSettings and every
    alert code; a new one fails here until it is documented."""
    from dataclasses import fields

    from junshi.analysis.advice import RULES
    from junshi.analysis.alerts import AlertSettings
    from junshi.analysis.significance import SignalSettings

    doc = (Path(__file__).resolve().parents[1] / "docs" / "diagnosis.md").read_text(encoding="utf-8")
    names = [*RULES, "grow_source", "fix_source"]
    names += [f.name for f in fields(AdviceSettings) if f.name != "window"]
    names += [f.name for f in fields(AlertSettings) if f.name != "anomaly"]
    names += [f.name for f in fields(SignalSettings) if f.name != "anomaly"]
    names += ["metric_drop", "metric_rise", "intraday_drop", "stockout_traffic", "source_silent",
              "quarantine_jump", "presale_distortion", "suspect_share_jump"]
    missing = [n for n in names if f"`{n}`" not in doc]
    assert not missing, f"undocumented in docs/diagnosis.md: {missing}"
