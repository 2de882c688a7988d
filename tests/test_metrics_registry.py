"""The metric registry: its validation, its generated docs, the CLI and the result object."""

from __future__ import annotations

import dataclasses
import importlib.util
import json
from pathlib import Path
from typing import Any

import pytest

from cli_commands import run_cli
from junshi import Shop
from junshi.errors import ConfigError
from junshi.i18n import Text
from junshi.metrics import REGISTRY, public_metrics
from junshi.metrics.docs import render
from junshi.metrics.model import Metric, Source, col, ratio
from junshi.metrics.registry import METRICS
from junshi.metrics.validate import RegistryError, check, validate
from junshi.warehouse import Warehouse
from test_metrics import S, load_duckdb, orders_data, visits_data

ROOT = Path(__file__).resolve().parents[1]

REQUIRED = """pv uv visits bounce_rate second_click_rate pages_per_visit avg_visit_seconds add_to_cart_rate
favorite_rate order_buyers order_conversion_rate paid_buyers paid_orders payment_conversion_rate
order_to_payment_rate sales units
spend_per_buyer avg_order_value uv_value refund_amount refund_rate net_sales cogs gross_profit gross_margin new_buyers
returning_buyers repurchase_rate returning_buyer_share repeat_buyers
impressions clicks ctr ad_cost cpc cpm cpa roas spend_ratio visitor_cost dsr_item
dsr_service dsr_logistics positive_review_rate hours_to_ship days_to_deliver""".split()  # noqa: SIM905


def test_registry_has_every_required_metric_and_is_valid() -> None:
    assert set(REQUIRED) <= {m.id for m in public_metrics()}
    assert validate(METRICS) == []


def test_two_metrics_never_share_a_name() -> None:
    """One name, one definition: 复购率 (buyers paying on 2+ days) and 老买家占比 (buyers who had bought before)
    are two metrics with two names; a twin named 复购率 or "Repurchase rate" (any case) is refused."""
    for lang in ("zh", "en"):
        names = [m.name(lang).casefold() for m in METRICS]
        assert len(names) == len(set(names)), lang
    assert REGISTRY["repurchase_rate"].name.zh == "复购率" and REGISTRY["returning_buyer_share"].name.zh == "老买家占比"
    twin_zh = dataclasses.replace(REGISTRY["returning_buyer_share"], id="twin_zh", name=Text(en="Twin", zh="复购率"))
    twin_en = dataclasses.replace(REGISTRY["sales"], id="twin_en", name=Text(en="repurchase rate", zh="双胞胎"))
    problems = [p for p in validate([*METRICS, twin_zh, twin_en]) if p.rule == "unique_names"]
    assert [(p.metric, "repurchase_rate" in p.message) for p in problems] == [("twin_zh", True), ("twin_en", True)]


def _ratio(mid: str, parts: tuple[str, ...], combine: Any) -> Metric:
    return Metric(id=mid, name=Text(en=mid.upper(), zh="甲" + mid), definition=Text(en="a ratio", zh="比率"),
                  unit="ratio", direction="up", additive=False, parts=parts, combine=combine)


def test_metrics_are_keyword_only_records() -> None:
    """The old positional declaration M("pv", "浏览量", "Page views", ...) fails loudly instead of shifting fields."""
    with pytest.raises(TypeError):
        Metric("pv", Text(en="Page views", zh="浏览量"), Text(en="d", zh="定义"), "count", "up", True)


def test_validation_reports_every_problem_at_once() -> None:
    """Five broken declarations give five problems in one error: an unknown fact, an unknown column,
    a missing Chinese name, an unknown part, and a cycle a -> b -> a."""
    good = REGISTRY["sales"]
    broken = [
        dataclasses.replace(good, id="bad_fact", sources=(Source("nowhere", "count"),)),
        dataclasses.replace(good, id="bad_column", sources=(Source("orders_paid", "sum", col("pay_amout")),)),
        dataclasses.replace(good, id="no_zh", name=Text(en="No zh", zh=""), definition=Text(en="sum", zh="sum")),
        _ratio("bad_part", ("sales", "gmv"), ratio()),
        _ratio("a", ("b",), lambda x: x),
        _ratio("b", ("a",), lambda x: x),
    ]
    problems = validate([*METRICS, *broken])
    found = {(p.metric, p.rule) for p in problems}
    assert {("bad_fact", "sources"), ("bad_column", "sources"), ("no_zh", "translations"),
            ("bad_part", "parts")} <= found
    assert any("cycle" in p.message for p in problems)
    assert any("pay_amout" in p.message for p in problems)
    with pytest.raises(RegistryError) as caught:
        check([*METRICS, *broken])
    assert len(caught.value.problems) == len(problems) >= 6
    assert "bad_fact" in caught.value.en and "bad_column" in caught.value.en


def test_docs_are_generated_from_the_registry() -> None:
    """docs/metrics.md is stale when it differs from `python -m junshi.metrics.docs`."""
    doc = (ROOT / "docs" / "metrics.md").read_text(encoding="utf-8")
    assert doc == render(), "docs/metrics.md is stale: run python -m junshi.metrics.docs > docs/metrics.md"
    for m in METRICS:
        assert f"### {m.id}\n" in doc


@pytest.fixture
def db(tmp_path: Path) -> str:
    path = tmp_path / "k.duckdb"
    w = Warehouse(path)
    data = visits_data()
    data.update(orders_data())
    load_duckdb(w, data)
    w.close()
    return str(path)


run = run_cli  # the in-process runner the every-command test uses


def test_cli_kpi_csv_json_table_and_explain(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    """sales by source: a 120, b 50 (see test_metrics.orders_data); csv/json use metric ids."""
    code, out, _ = run(capsys, "kpi", "--db", db, "--shop", S, "-m", "sales,uv", "--by", "source", "--format", "csv")
    assert code == 0 and out.splitlines() == ["source,sales,uv", "a,120.0,2", "b,50.0,1"]
    code, out, _ = run(capsys, "kpi", "--db", db, "--shop", S, "-m", "sales", "--where", "source=a", "--format", "json")
    payload = json.loads(out)
    assert payload["rows"] == [{"sales": 120.0}] and payload["metrics"][0]["zh"] == "支付金额"
    code, out, _ = run(capsys, "--lang", "zh", "kpi", "--db", db, "--shop", S, "-m", "sales", "--by", "day",
                       "--from", "2024-01-02", "--to", "2024-01-02", "--compare", "previous")
    assert code == 0 and "¥20.00" in out and "¥150.00" in out and "支付金额" in out
    code, out, _ = run(capsys, "kpi", "--db", db, "--shop", S, "-m", "sales", "--by", "source", "--explain")
    assert code == 0 and "SUM(" in out and "GROUP BY" in out


def test_cli_errors_are_messages(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "kpi", "--db", db, "-m", "gmv")
    assert code == 2 and "gmv" in err and "payment_conversion_rate" in err
    code, _, err = run(capsys, "kpi", "--db", db, "-m", "sales", "--where", "source")
    assert code == 2 and "DIMENSION=VALUE" in err


def test_cli_metrics_lists_the_registry(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "metrics", "--lang", "zh", "--format", "csv")
    assert code == 0 and "payment_conversion_rate,支付转化率," in out
    code, out, _ = run(capsys, "metrics", "--format", "json")
    ids = [m["id"] for m in json.loads(out)]
    assert set(REQUIRED) <= set(ids) and "visits_with_pv" not in ids


def test_result_conversions(tmp_path: Path) -> None:
    """The result carries definitions and converts to Arrow / pandas / polars (when installed)."""
    w = Warehouse(tmp_path / "r.duckdb")
    load_duckdb(w, orders_data())
    r = Shop(w, S).kpi(["sales", "paid_buyers"], by="source")
    table = r.to_arrow()
    assert table.column_names == ["source", "sales", "paid_buyers"] and table.num_rows == 2
    assert r.info("sales").definition("zh").startswith("期间内付款订单")
    assert r.value("sales", source="b") == 50.0 and r.value("sales", source="zz") is None
    data: dict[str, Any] = r.to_dict()
    assert data["metrics"][1]["unit"] == "count" and data["by"] == ["source"]
    if importlib.util.find_spec("polars") is None:
        with pytest.raises(ConfigError):
            r.to_polars()
    else:
        assert r.to_polars().shape == (2, 3)
    w.close()


def test_rolling_scores_need_dates_to_split_by_time(tmp_path: Path) -> None:
    """DSR by day without dates, or by hour, is left empty with a note; by day with dates it computes."""
    w = Warehouse(tmp_path / "d.duckdb")
    load_duckdb(w, {"reviews": [dict(review_id="r", created_at="2024-06-01 10:00", dsr_item=4)]})
    shop = Shop(w, S)
    for by, start in (("day", None), ("hour", "2024-06-01")):
        r = shop.kpi("dsr_item", by=by, start=start, end="2024-06-01")
        assert r.to_pandas().dsr_item.isna().all() and r.notes[0].code == "rolling_needs_period"
    assert shop.kpi("dsr_item", by="day", start="2024-06-01", end="2024-06-01").value("dsr_item") == 4.0
    w.close()


def test_tables_a_metric_reads_and_whether_an_empty_day_is_zero() -> None:
    """A ratio reads what its parts read; sales, paid orders and paying buyers are counted or summed (a day without
    rows had 0); a ratio and a mean score are not (a day without rows has no value)."""
    from junshi.metrics.compiler import counts_rows, readable_tables

    parts = {*readable_tables("sales"), *readable_tables("paid_buyers")}
    assert readable_tables("spend_per_buyer") == tuple(sorted(parts))
    assert {"orders", "order_items", "daily_shop"} <= set(readable_tables("sales"))
    assert counts_rows("sales") and counts_rows("paid_orders") and counts_rows("paid_buyers") and counts_rows("uv")
    assert not counts_rows("spend_per_buyer") and not counts_rows("dsr_item")

