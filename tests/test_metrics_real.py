"""The metric layer on real data: the CDNOW sample (Fader, Hardie & Lee 2005), checked against pandas
computations on the raw file and against facts published about the data set."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from junshi import Shop


@pytest.fixture
def cdnow(shop: Shop, shared_data: Path) -> tuple[Shop, pd.DataFrame]:
    path = shared_data / "cdnow" / "CDNOW_sample.txt"
    shop.ingest(path, preset="cdnow")
    raw = pd.read_csv(path, sep=r"\s+", header=None, names=["customer", "sample_id", "date", "cds", "dollars"],
                      dtype={"customer": str, "date": str})
    raw["month"] = pd.to_datetime(raw.date, format="%Y%m%d").dt.to_period("M").dt.start_time.dt.date
    return shop, raw


def test_cdnow_sales_buyers_and_units_by_month(cdnow: tuple[Shop, pd.DataFrame]) -> None:
    """Sales, paying buyers and units per month equal the sums and distinct customers of the raw file."""
    shop, raw = cdnow
    got = shop.kpi("sales,paid_buyers,units", by="month").to_pandas()
    expected = raw.groupby("month").agg(sales=("dollars", "sum"), paid_buyers=("customer", "nunique"),
                                        units=("cds", "sum")).reset_index()
    assert len(got) == 18 == len(expected)
    assert got.month.tolist() == expected.month.tolist()
    assert got.sales.round(2).tolist() == expected.sales.round(2).tolist()
    assert got.paid_buyers.tolist() == expected.paid_buyers.tolist()
    assert got.units.tolist() == expected.units.tolist()


def test_cdnow_cohort_has_no_new_buyers_after_the_first_quarter(cdnow: tuple[Shop, pd.DataFrame]) -> None:
    """Every customer of the sample first bought in 1997 Q1 (the data set's design): the 2,357 new
    buyers all fall in January-March 1997, and every buyer after March is a returning one (老买家占比 1),
    while fewer than half of a month's buyers buy on two days of it (复购率)."""
    shop, _ = cdnow
    months = shop.kpi("new_buyers,returning_buyers,paid_buyers,returning_buyer_share,repurchase_rate",
                      by="month").to_pandas()
    first_quarter = months[months.month.astype(str) <= "1997-03-01"]
    later = months[months.month.astype(str) > "1997-03-01"]
    assert first_quarter.new_buyers.sum() == 2357
    assert (later.new_buyers == 0).all() and (later.returning_buyer_share == 1.0).all()
    assert (later.repurchase_rate > 0).all() and (later.repurchase_rate < 0.5).all()
    assert (later.returning_buyers == later.paid_buyers).all()
