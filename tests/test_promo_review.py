"""活动复盘: the post-mortem's incremental sales against the simulator's recorded truth (sales minus the same
days simulated without the promotion), over seeded simulations of different sizes."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import shutil
import tempfile
from pathlib import Path

import pytest

from junshi import connect
from junshi.errors import ConfigError, MissingDataError
from junshi.promo.review import estimate, review
from junshi.simulate import GroundTruth, simulate

END = dt.date(2025, 11, 20)  # 双11 2025-11-11: presale from 11-01, three days after until 11-14
# (days, new visitors a day): small shops, where a day's sales are a handful of orders, to a few hundred visitors
SIZES = [(44, 80), (45, 120), (50, 150), (55, 200), (60, 250), (42, 300), (48, 100), (52, 180), (58, 400), (65, 60)]


def _cache_dir() -> Path:
    """The simulations, made once per version of the simulator's, the schema's and the rollups' code (they take
    ~15 s of CPU) in a folder under the system's temporary directory named after that code and the sizes (a shop
    whose rollups have an older layout reads as not built, and its answers are not stored)."""
    key = hashlib.sha256(repr((SIZES, END)).encode())
    src = Path(__file__).parents[1] / "src" / "junshi"
    for f in sorted(f for part in ("simulate", "schema", "rollup") for f in (src / part).rglob("*.py")):
        key.update(f.read_bytes())
    folder = Path(tempfile.gettempdir()) / f"junshi-promo-sims-{key.hexdigest()[:16]}"
    if not folder.is_dir():
        work = Path(tempfile.mkdtemp(prefix="junshi-promo-sims-"))
        for i, (d, v) in enumerate(SIZES):
            simulate(work / f"s{i}.duckdb", days=d, visitors_per_day=v, seed=10 + i, end_date=END)
        try:
            os.rename(work, folder)  # atomic: a concurrent run sees the whole folder or none
        except OSError:
            shutil.rmtree(work)  # another run made it meanwhile
    return folder


@pytest.fixture(scope="module")
def sims(tmp_path_factory: pytest.TempPathFactory) -> list[GroundTruth]:
    """The simulations, copied from the cache (each test may open them for writing)."""
    cache, root = _cache_dir(), tmp_path_factory.mktemp("promo-sims")
    out = []
    for i in range(len(SIZES)):
        shutil.copy(cache / f"s{i}.duckdb", root / f"s{i}.duckdb")
        out.append(GroundTruth.load(root / f"s{i}.duckdb"))
    return out


def test_interval_covers_the_true_incremental_sales(sims: list[GroundTruth]) -> None:
    """The 95% interval holds the truth in at least 8 of the 10 simulations; the estimates are not all on one
    side of the truth (no systematic bias)."""
    covered, above = 0, 0
    for truth in sims:
        p = truth.promotion
        assert p is not None
        with connect(truth.db) as shop:
            est = estimate(shop, p.presale_start, p.end)
        assert est.window.day == p.day  # the main day is found as the window's best day
        lo, hi = est.interval()
        assert lo < est.incremental < hi
        covered += lo <= truth.incremental_sales <= hi
        above += est.incremental > truth.incremental_sales
    assert covered >= 8, covered
    assert 2 <= above <= 8, above


def test_review_json(sims: list[GroundTruth]) -> None:
    """The review's keys; the phases add up to the window; pull-forward and hangover are the warm-up's and the
    after days' lift; the presale orders and the promoted products are the simulator's presale items."""
    truth = sims[4]
    p = truth.promotion
    assert p is not None
    with connect(truth.db) as shop:
        r = review(shop, p.presale_start, p.end)
        products = shop.table("products").execute()
        sales = shop.kpi(["sales"], start=p.presale_start, end=p.end).records()[0]["sales"]
    assert [ph["phase"] for ph in r["phases"]] == ["warm_up", "main", "after"]
    assert [(ph["start"], ph["end"]) for ph in r["phases"]] == [
        (str(p.presale_start), str(p.day - dt.timedelta(days=1))), (str(p.day), str(p.day)),
        (str(p.day + dt.timedelta(days=1)), str(p.end))]
    assert r["sales"] == pytest.approx(sum(ph["sales"] for ph in r["phases"]), abs=0.05)
    assert r["baseline"] == pytest.approx(sum(ph["baseline"] for ph in r["phases"]), abs=0.05)
    assert r["incremental_sales"] == pytest.approx(r["pull_forward"] + r["main_lift"] + r["hangover"], abs=0.05)
    assert r["pull_forward"] == r["phases"][0]["lift"] and r["hangover"] == r["phases"][2]["lift"]
    days = truth.promotion_days()
    # the shop's sales (the metric layer's): the simulator's days plus the orders simulate/abuse.py plants on top
    assert r["sales"] == pytest.approx(sales, abs=0.05) and r["sales"] >= float(days["sales"].sum()) - 0.05
    lo, hi = r["interval"]
    assert lo <= r["incremental_sales"] <= hi
    assert r["main_lift"] > 0 and r["phases"][1]["kpis"]["uv"] > 0
    presale = set(products.loc[products["is_presale"], "product_id"])
    assert set(r["cannibalisation"]["promoted_products"]) <= presale
    assert r["presale"]["orders"] == r["presale"]["paid_orders"] + r["presale"]["cancelled_orders"] > 0
    assert r["presale"]["deposits"] > 0 and r["presale"]["balance_paid"] > r["presale"]["deposits"]
    assert r["new_customers"]["acquired"] > 0 and r["new_customers"]["follow_up_days"] == (END - p.end).days
    assert len(r["daily"]) == (p.end - p.presale_start).days + 1


def test_bad_windows(sims: list[GroundTruth], tmp_path: Path) -> None:
    truth = sims[0]
    p = truth.promotion
    assert p is not None
    with connect(truth.db) as shop:
        with pytest.raises(ConfigError):
            review(shop, p.end, p.presale_start)
        with pytest.raises(ConfigError):
            review(shop, p.presale_start, p.end, day=p.end + dt.timedelta(days=1))
        with pytest.raises(MissingDataError, match="21"):
            review(shop, truth.start + dt.timedelta(days=5), truth.start + dt.timedelta(days=10))


def test_review_kept_until_the_next_load(sims: list[GroundTruth], tmp_path: Path) -> None:
    """The review is kept beside the warehouse for the shop's data version: another connection (a restarted
    server, a CLI command) reads the same figures without computing them; a load shows at once. One more presale
    order in the window, deposit 100, balance never paid: presale orders +1, cancelled +1, deposits and unpaid
    deposits +100."""
    from junshi import rollup
    from junshi.jsonable import jsonable

    db = tmp_path / "kept.duckdb"
    shutil.copy(sims[4].db, db)
    p = sims[4].promotion
    assert p is not None
    with connect(db) as shop:
        first = review(shop, p.presale_start, p.end)
    stored = sorted((tmp_path / "kept.duckdb.plans").glob("value-*.json"))
    assert stored
    with connect(db) as shop:
        again = review(shop, p.presale_start, p.end)
        assert again == jsonable(first)
        with shop.warehouse.transaction() as con:
            con.execute("INSERT INTO orders (shop_id, order_id, customer_id, created_at, pay_amount, is_presale, "
                        "deposit_amount) VALUES ('default', 'presale-extra', 'C-extra', ?, 0, true, 100)",
                        [dt.datetime.combine(p.presale_start, dt.time(10))])
            rollup.refresh(con, "default", ["orders"])
        after = review(shop, p.presale_start, p.end)["presale"]
    before = first["presale"]
    assert after["orders"] == before["orders"] + 1 and after["cancelled_orders"] == before["cancelled_orders"] + 1
    assert after["deposits"] == pytest.approx(before["deposits"] + 100)
    assert after["deposits_unpaid"] == pytest.approx(before["deposits_unpaid"] + 100)
    assert after["paid_orders"] == before["paid_orders"]
