"""Diagnosis of a tiny real DuckDB shop through the metric layer (numbers written out in the docstrings)."""

from __future__ import annotations

import json
import math
from datetime import date, datetime, timedelta
from decimal import Decimal

import pandas as pd
import pytest
from typer.testing import CliRunner

from junshi import Shop
from junshi.analysis.decompose import log_mean
from junshi.analysis.diagnosis import OTHER, UNKNOWN, Cell, _says_nothing
from junshi.analysis.service import diagnose
from junshi.errors import ConfigError, MetricError, MissingDataError

D0, D1 = date(2026, 11, 2), date(2026, 11, 9)  # Mondays


def _day(shop: Shop, day: date, groups: list[tuple[str, str, int, int, int]]) -> None:
    """groups: (source, product, visitors viewing it, buyers among them, price): one visit, one view and
    for buyers one paid order of one line each."""
    sessions, events, orders, items = [], [], [], []
    t = datetime.combine(day, datetime.min.time()) + timedelta(hours=9)
    for source, product, n, buyers, price in groups:
        for i in range(n):
            vid = f"{day}-{source}-{product}-{i}"
            sessions.append({"shop_id": "default", "session_id": vid, "visitor_id": vid, "started_at": t,
                             "source": source, "device": "mobile", "region": "浙江"})
            events.append({"shop_id": "default", "event_id": vid, "session_id": vid, "visitor_id": vid, "ts": t,
                           "event_type": "product_view", "product_id": product})
            if i < buyers:
                orders.append({"shop_id": "default", "order_id": vid, "customer_id": vid, "visitor_id": vid,
                               "session_id": vid, "created_at": t, "paid_at": t + timedelta(minutes=i),
                               "source": source, "device": "mobile", "region": "浙江",
                               "pay_amount": Decimal(price), "item_amount": Decimal(price)})
                items.append({"shop_id": "default", "order_id": vid, "line_no": 1, "product_id": product,
                              "quantity": 1, "unit_price": Decimal(price), "amount": Decimal(price)})
    con = shop.warehouse.con
    for name, rows in (("sessions", sessions), ("events", events), ("orders", orders), ("order_items", items)):
        if rows:
            con.register("rows_df", pd.DataFrame(rows))
            cols = ", ".join(rows[0])
            con.execute(f"INSERT INTO {name} ({cols}) SELECT {cols} FROM rows_df")
            con.unregister("rows_df")


@pytest.fixture
def tiny(shop: Shop) -> Shop:
    """D0: 直通车 15 visitors (10 view P1, 4 buy at 100; 5 view P2, 1 buys at 50), 搜索 10 view P2, 2 buy at 50.
    D1: P1 is out of stock (stock 5 -> 0): 直通车 brings 4 P1 viewers who cannot buy; the rest is unchanged.

    Shop: visitors 25 -> 19, buyers 7 -> 3, sales 550.00 -> 150.00, change -400.00.
    """
    shop.warehouse.ensure_shop("default")
    _day(shop, D0, [("直通车", "P1", 10, 4, 100), ("直通车", "P2", 5, 1, 50), ("搜索", "P2", 10, 2, 50)])
    _day(shop, D1, [("直通车", "P1", 4, 0, 100), ("直通车", "P2", 5, 1, 50), ("搜索", "P2", 10, 2, 50)])
    con = shop.warehouse.con
    con.execute("INSERT INTO products (shop_id, product_id, name, category, price) VALUES "
                "('default', 'P1', '连衣裙', '女装', 100), ('default', 'P2', '面霜', '美妆', 50)")
    con.execute("INSERT INTO inventory VALUES ('default', ?, 'P1', 5), ('default', ?, 'P1', 0), "
                "('default', ?, 'P2', 9), ('default', ?, 'P2', 9)", [D1 - timedelta(days=1), D1, D0, D1])
    return shop


def test_total_effects_are_lmdi_to_the_cent(tiny: Shop) -> None:
    """L(150, 550) = 400 / ln(550/150); visitors: L ln(19/25); conversion: L ln((3/19)/(7/25));
    spend per buyer: L ln(50/(550/7)); rounded to cents with the remainder fix, they sum to -400.00."""
    diag = diagnose(tiny, D1, "week")
    t = diag.total
    assert (t.current, t.baseline, t.change) == (Decimal("150.00"), Decimal("550.00"), Decimal("-400.00"))
    weight = log_mean(150, 550)
    expect = {"visitors": weight * math.log(19 / 25), "conversion": weight * math.log((3 / 19) / (7 / 25)),
              "spend_per_buyer": weight * math.log(50 / (550 / 7))}
    for k, v in expect.items():
        assert abs(float(t.effects[k]) - v) <= 0.01
    assert sum(t.effects.values()) == Decimal("-400.00")


def test_cells_sum_and_path_reaches_the_stockout(tiny: Shop) -> None:
    """Source cells: 直通车 450 -> 50 (-400), 搜索 100 -> 100 (0). Path: product P1 400 -> 0 (excess
    -400 - 400/550*-400 = -109.09, more than 直通车's -400 - 450/550*-400 = -72.73), out of stock since D1,
    then the only source its loss went through, 直通车 (its single cell; device and region have one value)."""
    diag = diagnose(tiny, D1, "week", depth=3)
    j = json.loads(json.dumps(diag.to_json()))
    for dim in j["dimensions"]:
        assert round(sum(c["contribution"] for c in dim["cells"]), 2) == -400.0, dim["name"]
    src = {c["value"]: c for c in next(d for d in j["dimensions"] if d["name"] == "source")["cells"]}
    assert src["直通车"]["contribution"] == -400.0 and src["搜索"]["contribution"] == 0.0
    path = [(s["dimension"], s["value"], s["contribution"], s["share"]) for s in j["path"]]
    assert path == [("product", "P1", -400.0, 1.0), ("source", "直通车", -400.0, 1.0)]
    assert j["path"][0]["facts"]["out_of_stock_since"] == D1.isoformat()
    assert j["path"][0]["facts"]["last_sale_hour"] is None  # nothing sold on D1
    assert j["path"][0]["main_factor"] == "conversion"


def test_baseline_by_date_and_bad_input(tiny: Shop) -> None:
    """--vs 2026-11-02 is the same baseline as --vs week for 2026-11-09; --vs previous (11-08, no data)
    makes the whole 150.00 a change from nothing: all of it the visitor effect."""
    assert diagnose(tiny, D1, D0.isoformat(), depth=0).total == diagnose(tiny, D1, "week", depth=0).total
    prev = diagnose(tiny, D1, "previous", depth=0).total
    assert prev.baseline == 0 and prev.effects["visitors"] == Decimal("150.00") and prev.method == "shapley"
    with pytest.raises(MetricError):
        diagnose(tiny, D1, "week", metric="pv")
    with pytest.raises(ConfigError, match="date"):
        diagnose(tiny, "yesterday-ish")
    with pytest.raises(ConfigError, match="baseline"):
        diagnose(tiny, D1, "last-month")


def test_cli_json_and_text(tiny: Shop, db_path: object) -> None:
    from junshi.cli.app import _register, app

    _register()
    tiny.close()
    runner = CliRunner()
    res = runner.invoke(app, ["diagnose", "--db", str(db_path), "--date", D1.isoformat(), "--format", "json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert out["change"] == -400.0 and out["path"][0]["value"] == "P1"
    res = runner.invoke(app, ["--lang", "zh", "diagnose", "--db", str(db_path), "--date", D1.isoformat()])
    assert res.exit_code == 0, res.output
    assert "直通车" in res.output and "销售额" in res.output


def test_without_visits_it_says_so_and_still_adds_up(tiny: Shop) -> None:
    """No sessions or events: buyers 7 -> 3 and spend per buyer 550/7 -> 50 explain the -400.00;
    visitors and conversion are null. Refunds were never loaded: diagnosing them is a clear error."""
    con = tiny.warehouse.con
    con.execute("DELETE FROM sessions")
    con.execute("DELETE FROM events")
    diag = diagnose(tiny, D1, "week", depth=1)
    assert "needs_sessions" in diag.notes
    j = diag.to_json()
    assert j["effects"]["visitors"] is None and j["effects"]["conversion"] is None
    assert round(j["effects"]["buyers"] + j["effects"]["spend_per_buyer"], 2) == -400.0
    weight = log_mean(150, 550)
    assert abs(j["effects"]["buyers"] - weight * math.log(3 / 7)) <= 0.01
    with pytest.raises(MissingDataError, match="refund"):
        diagnose(tiny, D1, "week", metric="refund_amount")


def test_a_split_by_a_mostly_unknown_dimension_is_left_out(tiny: Shop) -> None:
    """P1 without a category: category cells (unknown) 400 -> 0 and 美妆 150 -> 150, the unknown value 400 of
    the 700 in both periods (57 %): the split stays. Neither product with one: the split names no place, and is
    left out with a note, as is device (every visit on mobile). The rule's threshold: unknown 90 of 100 (current
    + baseline, absolute) is out, 89 is not."""
    con = tiny.warehouse.con
    con.execute("UPDATE products SET category = NULL WHERE product_id = 'P1'")
    cells = {c.value: c.contribution for c in diagnose(tiny, D1, "week", depth=0).dimensions["category"]}
    assert cells == {"(unknown)": Decimal("-400.00"), "美妆": Decimal("0.00")}
    con.execute("UPDATE products SET category = NULL")
    diag = diagnose(tiny, D1, "week", depth=0)
    assert "category" not in diag.dimensions and "no_dimension:category" in diag.notes
    assert set(diag.dimensions) >= {"source", "product"}

    def cell(value: str, current: int, baseline: int) -> Cell:
        return Cell(value, Decimal(current), Decimal(baseline), Decimal(current - baseline), {}, {}, Decimal(0))

    assert _says_nothing([cell(UNKNOWN, 50, 40), cell("美妆", 6, 4)])
    assert not _says_nothing([cell(UNKNOWN, 50, 39), cell("美妆", 6, 5)])
    assert _says_nothing([cell(UNKNOWN, 1, 2), cell(OTHER, 3, 0)])
    assert _says_nothing([cell("CD", 5, 4)]) and _says_nothing([cell("CD", 5, 4), cell(OTHER, 1, 0)])
    assert not _says_nothing([cell("CD", 5, 4), cell(UNKNOWN, 5, 4)])
    assert "device" not in diag.dimensions and "no_dimension:device" in diag.notes  # every visit on mobile


def test_a_shop_nothing_splits_says_so(tiny: Shop) -> None:
    """Only 直通车's P2 left (one buyer at 50.00 each day, each new): one source, product, device and region, no
    returning buyer: no dimension is left, and the note says so instead of listing no movers."""
    from junshi.analysis.morning_note import diagnosis_text

    con = tiny.warehouse.con
    for table in ("sessions", "orders", "events"):
        con.execute(f"DELETE FROM {table} WHERE session_id LIKE '%搜索%' OR session_id LIKE '%P1%'")
    con.execute("DELETE FROM order_items WHERE product_id = 'P1' OR order_id LIKE '%搜索%'")
    diag = diagnose(tiny, D1, "week", depth=2)
    assert (diag.total.current, diag.total.baseline) == (Decimal("50.00"), Decimal("50.00"))
    assert not diag.dimensions and not diag.path
    text = diagnosis_text(diag, "CNY")
    assert "No dimension splits the shop's figures" in text and "Largest movers" not in text
