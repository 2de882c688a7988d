"""Diagnosis on the demo shop: exact sums on real data, and the planted stock-out found by the path."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from scipy.stats import binom

from junshi import Shop, connect
from junshi.analysis.diagnosis import Diagnoser, Period, Splits
from junshi.analysis.morning_note import diagnosis_text
from junshi.analysis.source import kpi_fetch, kpi_history, kpi_splits
from junshi.i18n import set_lang
from junshi.simulate import GroundTruth


@pytest.fixture(scope="module")
def demo_shop(demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Shop]:
    path = tmp_path_factory.mktemp("diagnosis") / "demo.duckdb"
    shutil.copy(demo_db, path)
    with connect(path) as shop:
        yield shop


def test_stockout_days_are_explained_by_the_landing_product(demo_shop: Shop, demo_truth: GroundTruth) -> None:
    """On every day of the planted stock-out, the product's cell loses over 80% of its sales and of its
    conversion (it sells out during the first day), conversion being its main effect; on at least one
    day (the demo's daily noise is +-30%) the path reaches it, with the day its stock ran out."""
    ev = demo_truth.event("landing_stockout")
    days = [ev.start + timedelta(days=i) for i in range((ev.end - ev.start).days + 1)]
    steps = []
    for day in days:
        diag = demo_shop.diagnose(day, vs="week", depth=3)
        t = diag.total
        assert sum(t.effects.values()) == t.change == t.current - t.baseline
        shop_sales = demo_shop.kpi(["sales"], start=day, end=day).value("sales")
        assert t.current == Decimal(str(shop_sales)).quantize(Decimal("0.01"))
        for name, cells in diag.dimensions.items():
            assert sum(c.contribution for c in cells) == t.change, name
        cell = next(c for c in diag.dimensions["product"] if c.value == ev.product_id)
        assert cell.baseline > 0 and cell.current < cell.baseline * Decimal("0.2")
        assert (cell.factor_changes["conversion"] or 0) <= -0.8
        assert cell.effects["conversion"] == min(cell.effects.values())
        steps += [(diag, s) for s in diag.path if s.dimension == "product" and s.value == ev.product_id]
    assert steps
    diag, step = steps[0]
    assert step.facts["out_of_stock_since"] == ev.start.isoformat()
    assert step.main_factor == "conversion"
    set_lang("zh")
    try:
        text = diagnosis_text(diag, "CNY")
    finally:
        set_lang(None)
    name = demo_shop.table("products").filter(lambda t: t.product_id == ev.product_id).name.execute()[0]
    assert f"商品 {name} ({ev.product_id})" in text and f"自 {ev.start.isoformat()} 起断货" in text


@pytest.mark.parametrize("metric", ["refund_amount", "gross_profit"])
def test_other_ratio_trees_add_up(demo_shop: Shop, demo_truth: GroundTruth, metric: str) -> None:
    day = demo_truth.event("traffic_drop").end
    diag = demo_shop.diagnose(day, vs="previous", metric=metric, depth=1)
    j = diag.to_json()
    assert j["metric"] == metric and round(sum(v for v in j["effects"].values() if v is not None), 2) == j["change"]
    extra = {"refund_amount": "refund_rate", "gross_profit": "gross_margin"}[metric]
    assert extra in j["effects"]
    for dim in j["dimensions"]:
        assert round(sum(c["contribution"] for c in dim["cells"]), 2) == j["change"], dim["name"]


def _ordinary_days(truth: GroundTruth, n: int) -> list[date]:
    """``n`` days spread over the season with three weeks of history, no planted event within two days
    and outside the promotion window (its presale, the days after and their history)."""
    busy = {ev.start + timedelta(days=i) for ev in truth.events for i in range(-2, (ev.end - ev.start).days + 3)}
    promo = truth.promotion
    assert promo is not None
    busy |= {promo.presale_start + timedelta(days=i) for i in range(-10, (promo.end - promo.presale_start).days + 8)}
    days = [d for d in (truth.start + timedelta(days=i) for i in range(21, truth.days)) if d not in busy]
    return [days[round(i * (len(days) - 1) / (n - 1))] for i in range(n)]


def test_ordinary_days_flag_almost_nothing_and_say_so(demo_shop: Shop, demo_truth: GroundTruth) -> None:
    """Benjamini-Hochberg at q = 5%: on a day when no cell moved, P(any cell flagged) <= q, so the number
    of ordinary days with a flag is at most Binomial(5, 0.05); its 99.9% quantile (2 days) is the bound."""
    days = _ordinary_days(demo_truth, 5)
    flagged = []
    for day in days:
        diag = demo_shop.diagnose(day, vs="week", depth=0)
        j = diag.to_json()
        assert j["significance"]["cells_tested"] >= 50  # every dimension's cells carry a test
        assert all(isinstance(c["significant"], bool) for d in j["dimensions"] for c in d["cells"])
        flagged.append(j["significance"]["cells_significant"])
        if j["significant"] is False:
            assert "Within normal variation" in diagnosis_text(diag, "CNY")
    print("\ncells flagged on ordinary days", dict(zip(map(str, days), flagged, strict=True)))
    assert sum(f > 0 for f in flagged) <= binom.ppf(0.999, len(days), 0.05)


def test_a_break_in_one_source_is_flagged_and_leads_the_note(demo_shop: Shop, demo_truth: GroundTruth) -> None:
    """The planted search-traffic drop (搜索 visitors halved for five days): the source's count test
    flags it on most days (a halving of ~300 visitors is about 8 standard deviations even with the
    measured overdispersion) and the note lists it before the drill-down."""
    ev = demo_truth.event("traffic_drop")
    days = [ev.start + timedelta(days=i) for i in range((ev.end - ev.start).days + 1)]
    hits = 0
    for day in days:
        diag = demo_shop.diagnose(day, vs="week", depth=1)
        cell = next(c for c in diag.dimensions["source"] if c.value == ev.source)
        if cell.significant:
            hits += 1
            text = diagnosis_text(diag, "CNY").splitlines()
            lead = text.index("Beyond normal variation (false discovery rate 5%):")
            assert any(f"source {ev.source}:" in line.lower() for line in text[lead:lead + 4])  # declared label
            assert "Why:" not in text or lead < text.index("Why:")
    print(f"\n{ev.source} flagged on {hits} of {len(days)} days of the drop")
    assert hits >= 3


@pytest.mark.parametrize("days", [1, 30])
def test_ranking_without_visitors_below_the_first_level_changes_nothing(demo_shop: Shop, demo_truth: GroundTruth,
                                                                        days: int) -> None:
    """On the planted stock-out's last day against the day before, and on the demo's last 30 days against the 30
    before, the drill-down ranking each level's cells without
    visitors (asking the metric layer which dimensions visitors split by) gives the JSON of one splitting every
    level with visitors, byte for byte."""
    end = demo_truth.event("landing_stockout").end if days == 1 else demo_truth.start + timedelta(demo_truth.days - 1)
    current = Period(end - timedelta(days=days - 1), end)
    back = timedelta(days=days)
    baseline = Period(current.start - back, current.end - back)

    def run(splits: Splits | None = None) -> str:
        diag = Diagnoser(kpi_fetch(demo_shop), history=kpi_history(demo_shop), splits=splits).run(
            "sales", current, baseline)
        return json.dumps(diag.to_json(), sort_keys=True, default=str)

    plain, lazy = run(), run(kpi_splits(demo_shop))
    assert len(json.loads(plain)["path"]) >= 2
    assert lazy == plain
