"""Anomaly scores on hand-made series."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import pytest

from junshi.analysis.alerts import _anomaly_alert, promotion_days
from junshi.analysis.anomalies import AnomalySettings, is_alert, score_day

DAY = date(2026, 11, 20)  # a Friday


def _series(values_by_weekday: dict[int, float], days: int = 42, key: str | None = None) -> list[dict[str, object]]:
    rows = []
    for i in range(1, days + 1):
        d = DAY - timedelta(days=i)
        row: dict[str, object] = {"day": d, "value": values_by_weekday.get(d.weekday(), 100.0) + (i % 3)}
        if key:
            row["source"] = key
        rows.append(row)
    return rows


def test_expected_is_same_weekday_median_and_drop_scores_low() -> None:
    """Fridays were 500 + (i % 3) for i = 7, 14, ..., 42 -> values 501, 502, 500, 501, 502, 500:
    median 501. Other days 100..102. Today 200: far below the range."""
    h = pd.DataFrame([*_series({4: 500.0}), {"day": DAY, "value": 200.0}])
    out = score_day(h, DAY, keys=[], unit="count")
    row = out.iloc[0]
    assert row["expected"] == 501.0
    assert row["actual"] == 200.0
    assert row["score"] < -4 and row["lower"] > 200
    assert row["rel_change"] == pytest.approx(200 / 501 - 1)
    assert is_alert(row["score"], row["rel_change"])


def test_normal_day_is_not_an_alert() -> None:
    h = pd.DataFrame([*_series({4: 500.0}), {"day": DAY, "value": 503.0}])
    row = score_day(h, DAY, keys=[], unit="count").iloc[0]
    assert row["lower"] <= 503 <= row["upper"]
    assert not is_alert(row["score"], row["rel_change"])


def test_promotion_days_are_left_out_of_history() -> None:
    """Two of the six Fridays were promotion days at 5000: without them the median stays 500-ish."""
    rows = _series({4: 500.0})
    promos = [DAY - timedelta(days=7), DAY - timedelta(days=14)]
    rows = [{**r, "value": 5000.0} if r["day"] in promos else r for r in rows]
    h = pd.DataFrame([*rows, {"day": DAY, "value": 500.0}])
    with_promo = score_day(h, DAY, keys=[], unit="count", promo_days=promos).iloc[0]
    assert with_promo["expected"] < 510 and not is_alert(with_promo["score"], with_promo["rel_change"])


def test_the_default_promotion_calendar_follows_the_shops_market() -> None:
    """CNY shops: 618, 双11, 双12 (10 days before to 3 after). Others: Black Friday 2011 was 25 November
    (Thanksgiving, the fourth Thursday, was the 24th) and Cyber Monday the 28th."""
    cny = promotion_days({2011}, "CNY")
    gbp = promotion_days({2011}, "GBP")
    assert {date(2011, 11, 1), date(2011, 11, 11), date(2011, 11, 14), date(2011, 6, 18)} <= cny
    assert date(2011, 11, 15) not in cny and date(2011, 10, 31) not in cny
    assert {date(2011, 11, 15), date(2011, 11, 25), date(2011, 12, 1)} <= gbp
    assert date(2011, 11, 11) not in gbp and date(2011, 12, 2) not in gbp and date(2011, 6, 18) not in gbp
    assert len(cny) == 3 * 14 and len(gbp) == 14 + 3


def test_a_silent_series_scores_as_zero_and_missing_days_count_as_zero() -> None:
    """Source B had 30 every day and nothing today -> actual 0; source C had 50 on 3 of the 6
    Fridays (the 2nd, 4th and 6th before) and no rows on the other 3 (zeros): median of 0, 50, 0, 50, 0,
    50 = 25."""
    rows = _series({}, key="A") + [{**r, "value": 30.0} for r in _series({}, key="B")]
    rows += [{"day": DAY - timedelta(days=7 * i), "value": 50.0, "source": "C"} for i in (2, 4, 6)]
    rows += [{"day": DAY, "value": 100.0, "source": "A"}]
    out = score_day(pd.DataFrame(rows), DAY, keys=["source"], unit="count").set_index("source")
    assert out.loc["B", "actual"] == 0 and out.loc["B", "expected"] == 30
    b = out[out.index == "B"].iloc[0]
    assert is_alert(b["score"], b["rel_change"])
    assert out.loc["C", "expected"] == 25

def test_rate_floor_uses_visitors() -> None:
    """Conversion 5% on 20 visitors: the binomial floor sqrt(.05*.95/20) = 0.0487 keeps 0% from alerting."""
    rows = [{"day": DAY - timedelta(days=i), "value": 0.05} for i in range(1, 43)]
    h = pd.DataFrame([*rows, {"day": DAY, "value": 0.0}])
    w = pd.DataFrame([{"day": DAY, "n": 20}])
    row = score_day(h, DAY, keys=[], unit="ratio", weights=w).iloc[0]
    assert row["score"] == pytest.approx(-0.05 / (0.05 * 0.95 / 20) ** 0.5)
    assert not is_alert(row["score"], row["rel_change"], AnomalySettings())


def test_a_series_is_scored_only_with_history_of_its_own() -> None:
    """Product A had rows for 42 days; product N appeared 10 days ago (its earlier days are not zeros of
    history: it did not exist). Today both jump: A is scored, N (10 < 21 days of history) is not."""
    rows = [{**r, "product": "A"} for r in _series({})]
    rows += [{"day": DAY - timedelta(days=i), "value": 100.0, "product": "N"} for i in range(1, 11)]
    rows += [{"day": DAY, "value": 400.0, "product": k} for k in ("A", "N")]
    out = score_day(pd.DataFrame(rows), DAY, keys=["product"], unit="count")
    assert list(out["product"]) == ["A"] and out.iloc[0]["history_days"] == 42


def test_a_rate_that_never_had_events_is_not_scored_and_a_rare_one_expects_its_pooled_rate() -> None:
    """P (presale: 200 visitors a day, no payment in 42 days) pays at 6% today: no expectation, not
    scored. R (40 visitors a day, 1 buyer on every third day: the Fridays' rates are 0, 0, 2.5%, 0, 0,
    2.5% -> median 0) expects the pooled rate of its Fridays, 2 buyers / 240 visitors = 0.83%, and its
    range does not go below 0."""
    rows, weights = [], []
    for i in range(1, 43):
        d = DAY - timedelta(days=i)
        rows += [{"day": d, "value": 0.0, "product": "P"}, {"day": d, "value": 0.025 if i % 3 == 0 else 0.0,
                                                           "product": "R"}]
        weights += [{"day": d, "n": 200, "product": "P"}, {"day": d, "n": 40, "product": "R"}]
    rows += [{"day": DAY, "value": 0.06, "product": "P"}, {"day": DAY, "value": 0.2, "product": "R"}]
    weights += [{"day": DAY, "n": 200, "product": "P"}, {"day": DAY, "n": 40, "product": "R"}]
    out = score_day(pd.DataFrame(rows), DAY, keys=["product"], unit="ratio", weights=pd.DataFrame(weights))
    assert list(out["product"]) == ["R"]
    r = out.iloc[0]
    assert r["expected"] == pytest.approx(2 / 240) and r["lower"] == 0.0
    assert r["rel_change"] == pytest.approx(0.2 / (2 / 240) - 1)


def test_alert_text_never_shows_an_empty_change() -> None:
    """An expected value of 0 has no relative change: the text leaves the change out instead of "()"."""
    row = {"metric": "paid_buyers", "actual": 9.0, "expected": 0.0, "lower": 0.0, "upper": 3.0, "score": 9.0,
           "rel_change": float("nan"), "history_days": 42, "promotion_day": False}
    alert = _anomaly_alert(DAY, "product", "P1", [row], "CNY")
    assert "()" not in alert.text.en and "（）" not in alert.text.zh
    assert "expected 0 [0 .. 3]" in alert.text.en


def test_many_series_moving_one_metric_the_same_way_become_one_alert_after_the_strongest() -> None:
    """Six products' sales rise on one day (scores 9..4) and one product's visitors fall: the three strongest rises
    stay separate, the other three (P4, P5, P6) become one alert naming them; the fall is untouched."""
    from junshi.analysis.alerts import Alert, group_alerts
    from junshi.i18n import Text

    day = date(2026, 3, 2)

    def alert(key: str, code: str, metric: str, score: float) -> Alert:
        return Alert(day=day, kind="anomaly", code=code, severity="info", score=score, level="product", key=key,
                     metric=metric, numbers={"actual": 1.0}, text=Text(en=key, zh=key))

    rises = [alert(f"P{i}", "metric_rise", "sales", 10.0 - i) for i in range(1, 7)]
    fall = alert("Q", "metric_drop", "uv", 5.0)
    out = group_alerts([*rises, fall], keep=3)
    assert [a.key for a in out if a.code == "metric_rise"] == ["P1", "P2", "P3"]
    group = next(a for a in out if a.code == "metric_rise_group")
    assert group.numbers == {"count": 3, "keys": ["P4", "P5", "P6"]} and group.score == 6.0
    assert [r["key"] for r in group.related] == ["P4", "P5", "P6"]
    assert "P4、P5、P6" in group.text.zh and "3 more product" in group.text.en.lower()
    assert fall in out and len(out) == 5
    assert group_alerts([*rises[:4], fall], keep=3) == [*rises[:4], fall]  # four: nothing to gain by grouping
