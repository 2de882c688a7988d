"""Diagnosis on the demo shop: exact sums on real data, and the planted stock-out found by the path."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from junshi import Shop, connect
from junshi.analysis.morning_note import diagnosis_text
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
    assert f"商品 {ev.product_id}" in text and f"自 {ev.start.isoformat()} 起断货" in text


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
