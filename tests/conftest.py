"""Shared fixtures: real DuckDB warehouses in temporary folders, and the real datasets in ../shared/data."""

from __future__ import annotations

import datetime
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from junshi import Shop, connect
from junshi.i18n import set_lang
from junshi.simulate import GroundTruth, simulate

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"


@pytest.fixture(autouse=True)
def _interface_language() -> Iterator[None]:
    """Each test starts in the default language: ``junshi --lang zh`` in one test does not leak into the next."""
    yield
    set_lang(None)


@pytest.fixture
def shared_data() -> Path:
    """The folder of real public datasets (``../shared/data``); tests fail loudly when it is missing."""
    assert SHARED_DATA.is_dir(), f"missing {SHARED_DATA}: the real datasets must sit beside the project"
    return SHARED_DATA


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "shop.duckdb"


@pytest.fixture
def shop(db_path: Path) -> Iterator[Shop]:
    """An empty shop in a fresh DuckDB file."""
    with connect(db_path) as s:
        yield s


# The demo shop, simulated once per test session (read-only: copy the file before writing to it).
DEMO_END = datetime.date(2024, 11, 30)  # 120 days from 2024-08-03, with 双11 (2024-11-11) inside


@pytest.fixture(scope="session")
def demo_truth(tmp_path_factory: pytest.TempPathFactory) -> GroundTruth:
    """Ground truth of the demo shop (120 days, ~1000 new visits a day, seed 0, zh); ``.db`` is its path."""
    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    return simulate(path, days=120, visitors_per_day=1000, seed=0, lang="zh", end_date=DEMO_END)


@pytest.fixture(scope="session")
def demo_db(demo_truth: GroundTruth) -> Path:
    """Path of the demo shop's warehouse (shop id "default"). Do not write to it: copy it first."""
    return Path(demo_truth.db)


def _olist_tail(folder: Path) -> Path:
    """An Olist export (the olist preset's files) shaped like the end of the public Olist sample.

    Every day of August 2018: order A of the returning person u0 paying 100.00 and order B of a new person
    paying 50.00 (150.00 a day, 2 paying buyers). 2018-09-03: one new person pays 80.00. 2018-09-29 and
    2018-10-17: orders never paid (canceled). Reviews, products and the other files are the fixture's.

    August: sales 31 x 150.00 = 4,650.00; paid orders 62; paying buyers 1 + 31 = 32 (u0 counted once).
    """
    folder.mkdir()
    for name in ["olist_products_dataset.csv", "product_category_name_translation.csv", "olist_sellers_dataset.csv"]:
        shutil.copy(ROOT / "tests" / "fixtures" / "ingest" / "olist" / name, folder / name)
    orders = ["order_id,customer_id,order_status,order_purchase_timestamp,order_approved_at,"
              "order_delivered_carrier_date,order_delivered_customer_date,order_estimated_delivery_date"]
    items = ["order_id,order_item_id,product_id,seller_id,shipping_limit_date,price,freight_value"]
    payments = ["order_id,payment_sequential,payment_type,payment_installments,payment_value"]
    customers = ["customer_id,customer_unique_id,customer_zip_code_prefix,customer_city,customer_state"]

    def order(oid: str, person: str, day: str, amount: str | None) -> None:
        paid = f"{day} 10:05:00" if amount else ""
        status = "delivered" if amount else "canceled"
        orders.append(f"{oid},c-{oid},{status},{day} 10:00:00,{paid},,,{day} 00:00:00")
        customers.append(f"c-{oid},{person},01001,sao paulo,SP")
        items.append(f"{oid},1,p1,s1,{day} 11:00:00,{amount or '58.90'},0.00")
        if amount:
            payments.append(f"{oid},1,credit_card,1,{amount}")

    for d in range(1, 32):
        day = f"2018-08-{d:02d}"
        order(f"a{d}", "u0", day, "100.00")
        order(f"b{d}", f"u{d}", day, "50.00")
    order("s1", "u100", "2018-09-03", "80.00")
    order("x1", "u101", "2018-09-29", None)
    order("x2", "u102", "2018-10-17", None)
    for name, lines in [("olist_orders_dataset.csv", orders), ("olist_order_items_dataset.csv", items),
                        ("olist_order_payments_dataset.csv", payments), ("olist_customers_dataset.csv", customers)]:
        (folder / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


@pytest.fixture(scope="session")
def olist_tail_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A warehouse of the Olist tail export (see ``_olist_tail``). Do not write to it: copy it first."""
    work = tmp_path_factory.mktemp("olist-tail")
    db = work / "olist.duckdb"
    with connect(db) as shop:
        report = shop.ingest(_olist_tail(work / "export"), preset="olist")
        assert not report.quarantined
    return db


# A shop simulated, written as a Taobao seller's downloads and loaded again from those files only.
TAOBAO_END = datetime.date(2024, 6, 30)  # 60 days from 2024-05-02
TAOBAO_SHOP = "tb"


@pytest.fixture(scope="session")
def taobao_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """(simulated warehouse, its --as taobao folder, a warehouse with shop "tb" loaded only from that folder
    by ``junshi ingest FOLDER``). 60 days, ~400 new visits a day, seed 5. Read-only: copy before writing."""
    from junshi.simulate.export import export_shop

    root = tmp_path_factory.mktemp("taobao")
    truth = simulate(root / "sim.duckdb", days=60, visitors_per_day=400, seed=5, lang="zh", end_date=TAOBAO_END)
    folder = root / "taobao-files"
    export_shop(truth.db, folder)
    with connect(root / "files.duckdb", TAOBAO_SHOP) as s:
        s.ingest(folder, strict=True)
    return Path(truth.db), folder, root / "files.duckdb"


@pytest.fixture(scope="session")
def spark_session() -> Any:
    """The run's one Spark session (local, tuned for small tables; it takes seconds to start)."""
    from junshi.warehouse.spark import spark_session

    session = spark_session("local[2]")
    session.conf.set("spark.sql.shuffle.partitions", "1")
    session.conf.set("spark.sql.adaptive.enabled", "false")
    session.sparkContext.setLogLevel("ERROR")
    return session
