"""风控: fake-order scores on seeded simulations (precision, recall, ranking) and clean metrics."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pytest
from sklearn.metrics import average_precision_score
from typer.testing import CliRunner

from junshi.analysis.alerts import AlertEngine
from junshi.cli.app import _register, app
from junshi.errors import MissingDataError
from junshi.reports import build_report
from junshi.reports.html import render_html, title
from junshi.risk import OrderRisk, save_suspects, score_orders, suspect_orders
from junshi.risk.graph import ring_components
from junshi.risk.score import order_risks, placed_per_day, score_frame
from junshi.risk.service import risk_orders
from junshi.shop import Shop, connect
from junshi.simulate import GroundTruth, simulate
from junshi.simulate.lookalikes import plant_lookalikes, reshape_ring
from junshi.warehouse import Warehouse, writable
from tiny_shop import add_day

# The default threshold was chosen on seeds 0 and 1 (bench/risk_eval.py); these seeds are held out.
# (seed, ring accounts, ring addresses, ring devices, ring opens the item page first)
HELD_OUT = ((7, 12, 3, 2, False), (8, 6, 2, 1, False))


@pytest.fixture(scope="module", params=HELD_OUT,
                ids=lambda p: f"seed{p[0]}-{p[1]}acc-{p[2]}addr-{p[3]}dev-browse{p[4]}")
def held_out(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, set[str]]:
    """A simulated shop with its ring reshaped and honest look-alikes planted: families, offices, loyal buyers
    paying from a one-page visit or from a chat link (no page at all), new accounts buying once (half of them
    from a chat link)."""
    seed, accounts, addresses, devices, browse = request.param
    path = tmp_path_factory.mktemp("risk") / f"sim{seed}.duckdb"
    truth = simulate(path, days=120, visitors_per_day=300, seed=seed, end_date=dt.date(2024, 6, 30))
    looks = plant_lookalikes(path, seed=seed)
    assert set(looks["kind"]) == {"family", "office", "loyal_one_page", "loyal_chat", "new_account",
                                  "new_account_chat"}
    reshape_ring(path, accounts=accounts, addresses=addresses, devices=devices, browse=browse)
    return path, set(truth.fake_order_ids)


def test_precision_recall_on_held_out_seeds(held_out: tuple[Path, set[str]]) -> None:
    """At the default threshold precision and recall of the planted ring's orders are both >= 0.9, and
    the scores rank them first (average precision >= 0.9); no look-alike order is a suspect."""
    path, fake = held_out
    assert len(fake) >= 30
    wh = Warehouse(path)
    scored = score_orders(wh, "default", dt.date(2024, 3, 3), dt.date(2024, 6, 30))
    suspects = {o.order_id for o in scored if o.suspect}
    tp = len(suspects & fake)
    assert tp / len(suspects) >= 0.9
    assert tp / len(fake) >= 0.9
    look = set(wh.con.execute("SELECT order_id FROM orders WHERE customer_id IN (SELECT customer_id FROM "
                              "sim_truth_lookalikes) OR order_id IN (SELECT order_id FROM sim_truth_lookalikes)"
                              ).df()["order_id"])
    assert len(look) > 100 and not (suspects & look) - fake
    labels = [o.order_id in fake for o in scored]
    assert average_precision_score(labels, [o.score for o in scored]) >= 0.9
    top = next(o for o in scored if o.suspect)
    assert top.reasons and all(r("zh") and r("en") for r in top.reasons)
    wh.close()


def test_clean_sales_differ_by_the_suspects_paid_amount(held_out: tuple[Path, set[str]]) -> None:
    """sales(raw) - sales(clean) = sum of pay_amount of the saved suspects paid in the period; paid_orders
    differ by their number; metrics not read from orders (uv) are the same."""
    path, _ = held_out
    with connect(path) as shop:
        with pytest.raises(MissingDataError):
            connect(path, clean=True).kpi("sales", None, "2024-03-03", "2024-06-30")
        risk_orders(shop.warehouse, "default")
        raw = shop.kpi(["sales", "paid_orders", "uv"], None, "2024-03-03", "2024-06-30").to_pandas().iloc[0]
        ids = list(suspect_orders(shop.warehouse, "default")["order_id"])
        paid, n = shop.warehouse.con.execute(
            "SELECT sum(pay_amount), count(*) FROM orders WHERE order_id IN (SELECT unnest(?)) AND paid_at IS NOT NULL "
            "AND paid_at >= '2024-03-03' AND paid_at < '2024-07-01'", [ids]).fetchall()[0]
    with connect(path, clean=True) as clean:
        cleaned = clean.kpi(["sales", "paid_orders", "uv"], None, "2024-03-03", "2024-06-30").to_pandas().iloc[0]
    assert n > 0
    assert raw["sales"] - cleaned["sales"] == pytest.approx(float(paid), abs=1e-6)
    assert raw["paid_orders"] - cleaned["paid_orders"] == n
    assert raw["uv"] == cleaned["uv"]


def test_suspects_without_reading_every_visit(held_out: tuple[Path, set[str]]) -> None:
    """The page's scoring (``every=False``: only orders in a ring or a burst read, their views and reviews only
    when they could tip them over) finds the same suspects with the same scores and reasons as scoring every
    order; the orders placed per day add up to every order scored."""
    path, _ = held_out
    wh = Warehouse(path)
    start, end = dt.date(2024, 3, 3), dt.date(2024, 6, 30)
    scored = score_orders(wh, "default", start, end)
    lazy = score_frame(wh, "default", start, end, every=False)
    assert sum(placed_per_day(wh, "default", start, end).values()) == len(scored) > len(lazy)
    every = [o for o in scored if o.suspect]
    assert every and order_risks(lazy[lazy["suspect"]]) == every
    wh.close()


def test_rings_stars_and_density(shop: Shop, tmp_path: Path) -> None:
    """Address X used first by A, then B and C; device D first by C, then D and E: stars A-B, A-C and C-D, C-E
    link A..E (5 buyers, a ring) by 4 edges, density 2 x 4 / (5 x 4) = 0.4, kinds address and device. G and H
    share address Z (a family of 2: no ring); F is alone."""
    rows = [("A", "X", None), ("B", "X", None), ("C", "X", "D"), ("D", None, "D"), ("E", "Y", "D"),
            ("F", "W", None), ("G", "Z", None), ("H", "Z", None)]
    path = tmp_path / "orders.csv"
    pd.DataFrame([{"order_id": f"o{i}", "customer_id": c, "address_hash": a, "device_hash": d,
                   "created_at": f"2024-06-0{i + 1} 10:00:00"} for i, (c, a, d) in enumerate(rows)]).to_csv(
        path, index=False)
    shop.ingest(path, table="orders")
    [ring] = ring_components(writable(shop.warehouse), shop.shop_id, dt.date(2024, 6, 30))
    assert (ring.id, ring.buyers, ring.edges, ring.density) == (0, frozenset("ABCDE"), 4, 0.4)
    assert ring.kinds == {"address_hash", "device_hash"}
    assert not ring_components(writable(shop.warehouse), shop.shop_id, dt.date(2024, 6, 4))  # E not yet: 4 buyers


def test_cli_risk_orders_json_and_kpi_clean(held_out: tuple[Path, set[str]]) -> None:
    """`junshi risk orders --format json` gives {"orders": [{order_id, score, suspect, reasons}]} ranked;
    `junshi kpi --clean` then answers without the suspects."""
    path, fake = held_out
    _register()
    runner = CliRunner()
    out = runner.invoke(app, ["risk", "orders", "--from", "2024-03-03", "--to", "2024-06-30", "--format", "json",
                              "--db", str(path)])
    assert out.exit_code == 0, out.output
    rows = json.loads(out.output)["orders"]
    assert {"order_id", "score", "suspect", "reasons"} <= set(rows[0])
    assert [r["score"] for r in rows] == sorted((r["score"] for r in rows), reverse=True)
    assert {r["order_id"] for r in rows if r["suspect"]} & fake
    raw = runner.invoke(app, ["kpi", "-m", "paid_orders", "--format", "json", "--db", str(path)])
    clean = runner.invoke(app, ["kpi", "-m", "paid_orders", "--format", "json", "--clean", "--db", str(path)])
    assert clean.exit_code == 0, clean.output
    assert raw.output != clean.output


def test_clean_with_given_orders_equals_raw_minus_them(held_out: tuple[Path, set[str]]) -> None:
    """A warehouse read without given orders (what the dashboard does with a period's suspects): paid_orders and
    sales drop by exactly those orders' count and paid amount, by day too."""
    path, fake = held_out
    ids = sorted(fake)[:10]
    wh = Warehouse(path)
    raw = Shop(wh).kpi(["sales", "paid_orders"], "day", "2024-03-03", "2024-06-30").to_pandas().set_index("day")
    clean = Shop(wh.without_suspects(ids)).kpi(["sales", "paid_orders"], "day", "2024-03-03", "2024-06-30"
                                               ).to_pandas().set_index("day")
    gone = wh.con.execute("SELECT CAST(paid_at AS DATE) AS day, sum(pay_amount) AS sales, count(*) AS n FROM orders "
                          "WHERE order_id IN (SELECT unnest(?)) AND paid_at IS NOT NULL GROUP BY 1", [ids]).df()
    diff = (raw["sales"] - clean["sales"].reindex(raw.index).fillna(0))
    expected = {pd.Timestamp(d).date(): float(v) for d, v in zip(gone["day"], gone["sales"], strict=True)}
    assert {pd.Timestamp(d).date(): v for d, v in diff[diff != 0].items()} == pytest.approx(expected)
    assert int((raw["paid_orders"] - clean["paid_orders"].reindex(raw.index).fillna(0)).sum()) == int(gone["n"].sum())
    wh.close()


def test_suspect_share_metric_and_its_jump_alert(held_out: tuple[Path, set[str]]) -> None:
    """After `junshi risk orders` saved the scores: suspect_orders by day counts the saved suspects by the day they
    were placed, suspect_share = suspect_orders / placed_orders; the ring's first day raises suspect_share_jump
    in `alerts` (beyond normal variation), the week before it does not."""
    path, _ = held_out
    ring = GroundTruth.load(path).event("fake_orders")
    with connect(path) as shop:
        risk_orders(shop.warehouse, "default")
        start, end = ring.start - dt.timedelta(days=7), ring.end
        got = shop.kpi(["suspect_orders", "placed_orders", "suspect_share"], "day", start, end).to_pandas()
        expected = dict(shop.warehouse.con.execute(
            "SELECT CAST(o.created_at AS DATE), count(*) FROM risk_suspects s JOIN orders o USING (shop_id, order_id) "
            "WHERE s.suspect GROUP BY 1").fetchall())
        by_day = got.set_index("day")
        assert {d: int(n) for d, n in by_day["suspect_orders"].items() if n} == {
            d: n for d, n in expected.items() if start <= d <= end}
        assert (by_day["suspect_share"] == by_day["suspect_orders"] / by_day["placed_orders"]).all()
        engine = AlertEngine(shop)
        jump = [a for a in engine.run(ring.start) if a.code == "suspect_share_jump"]
        assert len(jump) == 1 and jump[0].metric == "suspect_share" and jump[0].numbers["p_value"] < 0.001
        assert jump[0].numbers["suspect_orders"] == int(by_day.loc[ring.start, "suspect_orders"])
        assert not [d for d in range(1, 8) if engine.suspect_jump(ring.start - dt.timedelta(days=d))]


def test_report_clean_shows_figures_without_suspects_and_says_so(shop: Shop) -> None:
    """A hand-made shop: 2024-05-10, 20 visitors, 10 paid orders of ¥100 (sales ¥1,000 as the raw figures say).
    Two orders saved as suspects (a third scored and cleared): `build_report(..., clean=True)` (junshi report
    --clean) shows sales ¥800 and 8 paid orders; its title and header say it is without suspect orders."""
    day = dt.date(2024, 5, 10)
    for d in range(14):
        add_day(shop, day - dt.timedelta(days=d), 20, 10, 100)
    ids = [f"{day}-{i}" for i in range(3)]
    save_suspects(writable(shop.warehouse), "default", [
        OrderRisk(ids[0], 0.8, True), OrderRisk(ids[1], 0.5, True), OrderRisk(ids[2], 0.1, False)])
    raw = shop.kpi(["sales", "paid_orders"], None, day, day).records()[0]
    clean = build_report(shop, day, "day", "en", clean=True)
    assert (raw["sales"], raw["paid_orders"]) == (1000, 10)
    assert (clean.card("sales").value, clean.card("paid_orders").value) == (800, 8)  # type: ignore[union-attr]
    assert clean.clean and title(clean).endswith("(Without suspect orders)")
    assert "without the suspect (刷单) orders" in render_html(clean)
    clean.clean = False
    assert "suspect" not in title(clean) and "without the suspect" not in render_html(clean)


def test_scored_orders_are_known_per_warehouse(tmp_path: Path) -> None:
    """Clean figures need scored orders: one warehouse's scores say nothing of another's, even while both are open
    (their Ibis backends compare equal)."""
    from junshi.risk.store import _scored

    scored, unscored = Warehouse(str(tmp_path / "a.duckdb")), Warehouse(str(tmp_path / "b.duckdb"))
    scored.con.execute("INSERT INTO risk_suspects (shop_id, order_id, score, suspect) "
                       "VALUES ('default', 'o1', 0.9, true)")
    assert _scored(scored, "default") and not _scored(unscored, "default")
    scored.close()
    unscored.close()


def test_the_fingerprint_graphs_components_are_scipys() -> None:
    """risk.graph.components gives exactly the labels of scipy.sparse.csgraph.connected_components (it is written
    out to spare a first 风控 call importing SciPy's sparse graphs): random graphs from empty to dense, with isolated
    nodes, self-loops, repeated edges, stars and long chains (the worst case of label propagation)."""
    import numpy as np
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    from junshi.risk.graph import components

    rng = np.random.default_rng(5)
    chain = np.arange(300)
    graphs = [(np.array([], dtype=np.int64), np.array([], dtype=np.int64), 4),
              (chain[:-1], chain[1:], 300), (chain[1:][::-1], chain[:-1][::-1], 300),  # a chain either way
              (np.zeros(50, dtype=np.int64), np.arange(1, 51), 60),  # a star and isolated nodes
              (np.array([3, 3, 1, 1]), np.array([3, 2, 2, 2]), 5)]  # a self-loop and a repeated edge
    for n, m in ((10, 4), (50, 40), (200, 150), (1000, 900), (3000, 6000)):
        graphs.append((rng.integers(0, n, m), rng.integers(0, n, m), n))
    for u, v, n in graphs:
        _, expected = connected_components(coo_matrix((np.ones(len(u)), (u, v)), shape=(n, n)), directed=False)
        assert np.array_equal(components(u, v, n), expected), (n, len(u))
