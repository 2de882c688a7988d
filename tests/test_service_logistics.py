"""Logistics (junshi.service.logistics) on the Olist sample, against an independent pandas computation
over the same CSV files."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from junshi.service.logistics import logistics
from junshi.shop import connect
from test_metrics import load_duckdb

OLIST = Path(__file__).parent / "fixtures" / "ingest" / "olist"


def _sample(folder: Path) -> Path:
    """The Olist fixture plus orders that arrive late or are overdue (the fixture's are all on time).

    o5 promised 03-10, delivered 03-11 23:00 (late, rated 1); o6 promised 03-12, delivered 03-12 23:59
    (on time: same day); o7 paid, shipped, promised 03-15, not delivered (overdue in transit);
    o8 paid, not shipped, promised 03-14 (overdue, not shipped); o9 placed 03-20, the last order day."""
    shutil.copytree(OLIST, folder)
    extra = {
        "olist_orders_dataset.csv": [
            "o5,c1,delivered,2018-03-01 09:00:00,2018-03-01 10:00:00,2018-03-03 10:00:00,2018-03-11 23:00:00,"
            "2018-03-10 00:00:00",
            "o6,c3,delivered,2018-03-02 09:00:00,2018-03-02 09:30:00,2018-03-02 21:30:00,2018-03-12 23:59:00,"
            "2018-03-12 00:00:00",
            "o7,c2,shipped,2018-03-05 09:00:00,2018-03-05 09:00:00,2018-03-06 09:00:00,,2018-03-15 00:00:00",
            "o8,c2,processing,2018-03-06 09:00:00,2018-03-06 09:00:00,,,2018-03-14 00:00:00",
            "o9,c3,processing,2018-03-20 09:00:00,2018-03-20 09:00:00,,,2018-04-10 00:00:00",
        ],
        "olist_order_items_dataset.csv": [
            "o5,1,p1,s1,2018-03-03 10:00:00,10.00,1.00", "o6,1,p2,s1,2018-03-03 10:00:00,10.00,1.00",
            "o7,1,p2,s1,2018-03-06 10:00:00,10.00,1.00", "o8,1,p1,s1,2018-03-07 10:00:00,10.00,1.00",
            "o9,1,p1,s1,2018-03-21 10:00:00,10.00,1.00",
        ],
        "olist_order_reviews_dataset.csv": [
            "r5,o5,1,,atrasou,2018-03-12 00:00:00,2018-03-13 00:00:00",
            "r6,o6,5,,,2018-03-13 00:00:00,2018-03-14 00:00:00",
        ],
    }
    for name, lines in extra.items():
        with (folder / name).open("a", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")
    return folder


@pytest.fixture
def olist_shop(tmp_path: Path):  # type: ignore[no-untyped-def]  # a generator fixture
    folder = _sample(tmp_path / "olist")
    with connect(tmp_path / "w.duckdb") as shop:
        shop.ingest(folder, preset="olist")
        yield shop, folder


def test_logistics_equals_pandas_over_the_csvs(olist_shop) -> None:  # type: ignore[no-untyped-def]
    """Independent computation: delivered orders, late = delivered date > estimated date, hours to ship
    (approved -> carrier), days to deliver (carrier -> customer), ratings of on-time vs late orders
    (reviews the preset keeps: a valid 1-5 score; o4 is quarantined, paid before placed), by region
    (customer_state) and product, overdue orders."""
    shop, folder = olist_shop
    ts = ["order_purchase_timestamp", "order_approved_at", "order_delivered_carrier_date",
          "order_delivered_customer_date", "order_estimated_delivery_date"]
    o = pd.read_csv(folder / "olist_orders_dataset.csv", parse_dates=ts)
    cust = pd.read_csv(folder / "olist_customers_dataset.csv")
    o = o.merge(cust[["customer_id", "customer_state"]], on="customer_id", how="left")
    o = o[~(o["order_approved_at"] < o["order_purchase_timestamp"])]  # o4, paid before placed: quarantined
    d = o[o["order_delivered_customer_date"].notna()].copy()
    d["late"] = (d["order_delivered_customer_date"].dt.normalize()
                 > d["order_estimated_delivery_date"].dt.normalize()).astype(float)
    d["ship_h"] = (d["order_delivered_carrier_date"] - d["order_approved_at"]).dt.total_seconds() / 3600
    d["deliver_d"] = (d["order_delivered_customer_date"] - d["order_delivered_carrier_date"]).dt.total_seconds() / 86400
    rv = pd.read_csv(folder / "olist_order_reviews_dataset.csv")
    rv = rv[rv["review_score"].between(1, 5)].merge(d[["order_id", "late"]], on="order_id")

    got = logistics(shop)
    assert got.delivered_orders == len(d) == 4
    assert got.late_orders == int(d["late"].sum()) == 1
    assert got.late_share == pytest.approx(d["late"].mean(), abs=1e-4)
    assert got.hours_to_ship == pytest.approx(d["ship_h"].mean(), abs=0.01)
    assert got.days_to_deliver == pytest.approx(d["deliver_d"].mean(), abs=0.01)
    assert got.rating_on_time == pytest.approx(rv[rv["late"] == 0]["review_score"].mean(), abs=1e-3)
    assert got.rating_late == pytest.approx(rv[rv["late"] == 1]["review_score"].mean(), abs=1e-3) == 1.0
    regions = d.groupby("customer_state")["late"].agg(["count", "sum"])
    assert {r["region"]: (r["delivered_orders"], r["late_orders"]) for r in got.by_region} == {
        k: (int(v["count"]), int(v["sum"])) for k, v in regions.iterrows()}
    items = pd.read_csv(folder / "olist_order_items_dataset.csv")[["order_id", "product_id"]].drop_duplicates()
    products = items.merge(d, on="order_id").groupby("product_id")["late"].agg(["count", "sum"])
    assert {r["product_id"]: (r["delivered_orders"], r["late_orders"]) for r in got.by_product} == {
        k: (int(v["count"]), int(v["sum"])) for k, v in products.iterrows()}
    # overdue on the last order day: paid, not delivered, promised day before it
    as_of = o["order_purchase_timestamp"].max().normalize()
    over = o[o["order_approved_at"].notna() & o["order_delivered_customer_date"].isna()
             & (o["order_estimated_delivery_date"] < as_of)]
    assert sorted(r["order_id"] for r in got.overdue) == sorted(over["order_id"]) == ["o7", "o8"]
    stages = {r["order_id"]: (r["stage"], r["days_overdue"]) for r in got.overdue}
    assert stages == {"o7": ("in_transit", 5), "o8": ("not_shipped", 6)}
    assert got.by_carrier == []  # Olist names no carrier


def test_olist_promised_day_loaded(olist_shop) -> None:  # type: ignore[no-untyped-def]
    shop, _ = olist_shop
    o = shop.table("orders").execute().set_index("order_id")
    assert str(o.loc["o1", "promised_at"]) == "2017-10-18 00:00:00"


def test_a_past_days_overdue_list_is_what_it_was_that_day(tmp_path: Path) -> None:
    """Order a: paid 06-01, promised 06-05, shipped 06-07 10:00, delivered 06-10 12:00. On 06-06 it is 1 day
    overdue and not shipped; on 06-08 3 days overdue, in transit; on 06-10 it is delivered (not listed)."""
    with connect(tmp_path / "w.duckdb", "s") as shop:
        load_duckdb(shop.warehouse, {"orders": [dict(
            order_id="a", created_at="2024-06-01 09:00", paid_at="2024-06-01 09:00", promised_at="2024-06-05 00:00",
            shipped_at="2024-06-07 10:00", delivered_at="2024-06-10 12:00", carrier="中通")]})
        lists = {d: logistics(shop, as_of=date(2024, 6, d)).overdue for d in (6, 8, 10)}
    assert [(r["stage"], r["days_overdue"], r["shipped_at"]) for r in lists[6]] == [("not_shipped", 1, None)]
    assert [(r["stage"], r["days_overdue"], r["shipped_at"]) for r in lists[8]] == [
        ("in_transit", 3, "2024-06-07 10:00:00")]
    assert lists[10] == []


def test_reviews_in_another_language_say_why_they_name_no_aspect(olist_shop) -> None:  # type: ignore[no-untyped-def]
    """Olist's review texts are Portuguese (atrasou ...): none is read, so the 服务 page has no aspect rows and says
    why, with the count of review texts of its days (those of the CSV that are not blank)."""
    from junshi.api.pages.service import service
    from junshi.periods import Period

    shop, folder = olist_shop
    texts = pd.read_csv(folder / "olist_order_reviews_dataset.csv")["review_comment_message"]
    n = int(texts.fillna("").str.strip().ne("").sum())
    assert n > 0
    years = Period(date(2016, 1, 1), date(2019, 12, 31))
    got = service(shop, years, "en")
    assert got.aspects == []
    assert got.aspects_note == (f"{n:,} of the {n:,} review texts are not in Chinese and were not read (Junshi reads "
                                "aspects in Chinese reviews).")
    zh = service(shop, years, "zh").aspects_note
    assert zh == f"{n:,} 条评价内容中有 {n:,} 条不是中文，未读取（军师读中文评价的方面）。"
