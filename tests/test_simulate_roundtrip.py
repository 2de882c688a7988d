"""simulate → Taobao files → `junshi ingest FOLDER`: the shop loaded from its files gives the figures of the
simulated shop's raw tables wherever both have them (by day, by day and source, by day and product).

The simulated shop answers from sessions, events and orders; the loaded one from 生意参谋's daily
reports, the order and item reports and the ad reports: two independent paths to the same numbers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

import pandas as pd
import pytest

from conftest import TAOBAO_END, TAOBAO_SHOP
from junshi import connect
from junshi.simulate.export.files import item_id
from junshi.simulate.export.sycm import source_names

START = TAOBAO_END - dt.timedelta(days=59)
MONEY = ("sales", "refund_amount", "ad_cost", "ad_sales")


def figures(db: Path, shop: str, metrics: Sequence[str], by: list[str]) -> pd.DataFrame:
    with connect(db, shop) as s:
        frame = s.kpi(list(metrics), by=by, start=START, end=TAOBAO_END).to_pandas()
    frame["day"] = frame["day"].astype(str)
    return frame


def assert_same(raw: pd.DataFrame, loaded: pd.DataFrame, keys: list[str], metrics: Sequence[str]) -> None:
    """Every cell of either side is in the other with the same figures (a missing cell counts as zero)."""
    both = raw.merge(loaded, on=keys, how="outer", suffixes=("_raw", "_files"))
    assert len(both) >= len(raw) > 0
    for m in metrics:
        a, b = both[f"{m}_raw"].fillna(0).astype(float), both[f"{m}_files"].fillna(0).astype(float)
        tolerance = 0.005 if m in MONEY else 0
        bad = both[(a - b).abs() > tolerance]
        assert bad.empty, f"{m} differs in {len(bad)} cells:\n{bad[[*keys, f'{m}_raw', f'{m}_files']].head()}"


@pytest.fixture(scope="module")
def dbs(taobao_files: tuple[Path, Path, Path]) -> tuple[Path, Path]:
    sim, _folder, files = taobao_files
    return sim, files


def test_by_day(dbs: tuple[Path, Path]) -> None:
    """The shop's day: visitors and page views from 整体看板, orders and sales from the order reports."""
    metrics = ("uv", "pv", "paid_buyers", "sales", "paid_orders", "units", "order_buyers", "cart_visitors",
               "favorite_visitors", "payment_conversion_rate", "spend_per_buyer")
    sim, files = dbs
    assert_same(figures(sim, "default", metrics, ["day"]), figures(files, TAOBAO_SHOP, metrics, ["day"]),
                ["day"], metrics)


def named(sim: Path, frame: pd.DataFrame) -> pd.DataFrame:
    """Raw figures by source under the 来源明细 the export gives each source (钻展 is 万相台)."""
    with connect(sim, "default") as s:
        names = {source: name for source, (name, _level_1) in source_names(s).items()}
    return frame.assign(source=frame["source"].map(lambda x: names.get(x, x)))


def test_by_day_and_source(dbs: tuple[Path, Path]) -> None:
    """店铺来源: each source's visitors, page views, buyers and sales as the raw sessions and orders give them."""
    metrics = ("uv", "pv", "paid_buyers", "sales", "order_buyers", "cart_visitors", "favorite_visitors")
    sim, files = dbs
    assert_same(named(sim, figures(sim, "default", metrics, ["day", "source"])),
                figures(files, TAOBAO_SHOP, metrics, ["day", "source"]), ["day", "source"], metrics)


def test_by_day_and_product(dbs: tuple[Path, Path]) -> None:
    """商品效果 and the item report: each item's visitors, buyers, units and sales (items keyed by 商品ID)."""
    metrics = ("uv", "pv", "paid_buyers", "sales", "units", "order_buyers", "cart_visitors", "favorite_visitors")
    sim, files = dbs
    raw = figures(sim, "default", metrics, ["day", "product"])
    raw = raw[raw["product"].notna()].assign(product=lambda f: f["product"].map(item_id))
    loaded = figures(files, TAOBAO_SHOP, metrics, ["day", "product"])
    assert_same(raw, loaded[loaded["product"].notna()], ["day", "product"], metrics)


def test_ads_by_day_and_channel(dbs: tuple[Path, Path]) -> None:
    """直通车 and 万相台 plans: spend, clicks, impressions and attributed sales per day and channel equal
    ad_spend's rows of 直通车 and 钻展 (淘宝客 is not in the files), the channel being the traffic source."""
    metrics = ("ad_cost", "ad_sales", "clicks", "impressions")
    sim, files = dbs
    raw = named(sim, figures(sim, "default", metrics, ["day", "source"]))
    assert_same(raw[raw["source"].isin(["直通车", "万相台"])], figures(files, TAOBAO_SHOP, metrics, ["day", "source"]),
                ["day", "source"], metrics)


def test_period_totals(dbs: tuple[Path, Path]) -> None:
    """Over the 60 days: sales, units and refunds equal; refunds are dated differently (the order report has
    no refund time), so only their total is compared."""
    sim, files = dbs
    metrics = ["sales", "units", "refund_amount", "paid_orders"]
    with connect(sim, "default") as a, connect(files, TAOBAO_SHOP) as b:
        ra = a.kpi(metrics, start=START, end=TAOBAO_END)
        rb = b.kpi(metrics, start=START, end=TAOBAO_END)
        for m in metrics:
            assert ra.value(m) == pytest.approx(rb.value(m), abs=0.005), m


@pytest.mark.parametrize("days", [7, 30])
def test_last_days_are_the_platforms_period_figures(dbs: tuple[Path, Path], days: int) -> None:
    """The 最近7天 / 最近30天 overviews give the period's distinct visitors and buyers (no sum over days, no
    note); a week they do not cover is the sum of its days, with the daily_sum note, and more than the truth."""
    sim, files = dbs
    metrics = ["uv", "pv", "paid_buyers", "cart_visitors", "payment_conversion_rate"]
    first = TAOBAO_END - dt.timedelta(days=days - 1)
    with connect(sim, "default") as a, connect(files, TAOBAO_SHOP) as b:
        ra, rb = a.kpi(metrics, start=first, end=TAOBAO_END), b.kpi(metrics, start=first, end=TAOBAO_END)
        for m in metrics:
            assert ra.value(m) == pytest.approx(rb.value(m)), m
        assert not [n for n in rb.notes if n.code == "daily_sum"], rb.notes
        shifted = (first - dt.timedelta(days=1), TAOBAO_END - dt.timedelta(days=1))
        summed, truth = b.kpi(["uv"], start=shifted[0], end=shifted[1]), a.kpi(["uv"], start=shifted[0], end=shifted[1])
        assert "uv" in {n.metric for n in summed.notes if n.code == "daily_sum"}
        assert summed.value("uv") > truth.value("uv")
