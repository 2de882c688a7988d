"""Simulator runs: determinism, re-running over a shop, bad arguments, English data, the CLI commands."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from typing import Any

import duckdb
import pytest
from typer.testing import CliRunner

from junshi.cli.app import _register, app
from junshi.errors import ConfigError
from junshi.simulate import GroundTruth, run, simulate
from junshi.simulate.truth import TRUTH_TABLES
from junshi.simulate.writer import Writer

TABLES = ("shops", "products", "customers", "sessions", "events", "orders", "order_items", "refunds", "reviews",
          "ad_spend", "searches", "inventory", "benchmarks", *TRUTH_TABLES)
SMALL = {"days": 90, "visitors_per_day": 150, "end_date": dt.date(2025, 6, 30)}  # holds 618 and every event


def fingerprint(db: Path, shop: str = "default") -> dict[str, tuple[int, int]]:
    """Per table: row count and an order-independent hash of all its rows (run id columns excluded)."""
    out = {}
    with duckdb.connect(str(db), read_only=True) as con:
        for t in TABLES:
            row = con.execute(f"SELECT count(*), coalesce(bit_xor(hash(x)), 0) FROM {t} x WHERE shop_id = ?",
                              [shop]).fetchone()
            assert row is not None
            out[t] = (int(row[0]), int(row[1]))
    return out


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, GroundTruth]:
    path = tmp_path_factory.mktemp("sim") / "a.duckdb"
    return path, simulate(path, seed=5, **SMALL)  # type: ignore[arg-type]  # SMALL holds valid keyword values


def test_same_seed_same_data(small: tuple[Path, GroundTruth], tmp_path: Path) -> None:
    path, truth = small
    other = tmp_path / "b.duckdb"
    again = simulate(other, seed=5, **SMALL)  # type: ignore[arg-type]
    assert fingerprint(path) == fingerprint(other)
    assert again.events == truth.events and again.incremental_sales == truth.incremental_sales
    assert all(n > 0 for t, (n, _h) in fingerprint(path).items() if t != "sim_truth_fake_orders")


def test_other_seed_other_data(small: tuple[Path, GroundTruth], tmp_path: Path) -> None:
    other = tmp_path / "c.duckdb"
    simulate(other, seed=6, **SMALL)  # type: ignore[arg-type]
    a, b = fingerprint(small[0]), fingerprint(other)
    assert a["events"] != b["events"] and a["orders"] != b["orders"]


def test_rerun_replaces_the_shop_and_keeps_others(small: tuple[Path, GroundTruth], tmp_path: Path) -> None:
    copy = tmp_path / "d.duckdb"
    shutil.copy(small[0], copy)
    simulate(copy, seed=1, days=20, visitors_per_day=50, shop="other", lang="en", end_date=dt.date(2025, 6, 30))
    simulate(copy, seed=5, **SMALL)  # type: ignore[arg-type]
    assert fingerprint(copy) == fingerprint(small[0])
    other = fingerprint(copy, "other")
    assert other["events"][0] > 0 and other["sim_truth_runs"][0] == 1


def test_truth_round_trips(small: tuple[Path, GroundTruth]) -> None:
    path, truth = small
    loaded = GroundTruth.load(path)
    assert loaded == truth
    assert truth.promotion is not None and truth.promotion.name == "618"
    assert [e.kind for e in truth.events] == ["landing_stockout", "product_conversion", "traffic_drop",
                                              "courier_delay", "fake_orders"]


def test_english_data(tmp_path: Path) -> None:
    path = tmp_path / "en.duckdb"
    simulate(path, seed=2, days=10, visitors_per_day=100, lang="en", end_date=dt.date(2025, 3, 31))
    with duckdb.connect(str(path), read_only=True) as con:
        sources = {r[0] for r in con.execute("SELECT DISTINCT source FROM sessions").fetchall()}
        names = [r[0] for r in con.execute("SELECT name FROM products").fetchall()]
    assert sources <= {"search", "recommendation", "direct", "cpc_ads", "display_ads", "affiliate", "social",
                       "email_sms"}
    assert all(n.isascii() for n in names)


@pytest.mark.parametrize(("kwargs", "word"), [({"days": 0}, "--days"), ({"visitors_per_day": 0}, "--visitors"),
                                              ({"lang": "fr"}, "--lang")])
def test_bad_arguments(tmp_path: Path, kwargs: dict[str, object], word: str) -> None:
    with pytest.raises(ConfigError, match=word):
        simulate(tmp_path / "x.duckdb", **kwargs)  # type: ignore[arg-type]  # deliberately bad values


def test_simulate_command(tmp_path: Path) -> None:
    _register()
    db = tmp_path / "cli.duckdb"
    result = CliRunner().invoke(app, ["simulate", "--days", "15", "--visitors-per-day", "80", "--seed", "3",
                                      "--db", str(db), "--end-date", "2025-03-31", "--shop", "s1"])
    assert result.exit_code == 0, result.output
    assert "2025-03-17" in result.output and "s1" in result.output
    assert GroundTruth.load(db, "s1").days == 15
    bad = CliRunner().invoke(app, ["simulate", "--days", "5", "--end-date", "31/03/2025", "--db", str(db)])
    assert bad.exit_code != 0 and isinstance(bad.exception, ConfigError)


def test_headline_comes_from_the_metrics(demo_db: Path, demo_truth: GroundTruth, capsys: pytest.CaptureFixture[str]
                                         ) -> None:
    import junshi
    from junshi.cli.simulate import print_headline

    print_headline(str(demo_db), "default", demo_truth.end)
    out = capsys.readouterr().out
    with junshi.connect(demo_db) as s:
        sales = s.kpi(["sales"], start=demo_truth.end, end=demo_truth.end).value("sales")
    assert f"¥{float(sales):,.2f}" in out and "%" in out  # in the shop's currency (CNY)


def test_demo_is_current(small: tuple[Path, GroundTruth]) -> None:
    from junshi.cli.simulate import demo_is_current

    path, truth = small
    same = {"days": truth.days, "visitors": truth.visitors_per_day, "seed": 5, "lang": "zh", "end": truth.end}
    assert demo_is_current(str(path), "default", **same)  # type: ignore[arg-type]
    assert not demo_is_current(str(path), "default", **{**same, "seed": 6})  # type: ignore[arg-type]
    assert not demo_is_current(str(path.with_name("missing.duckdb")), "default", **same)  # type: ignore[arg-type]


def test_truth_readable_while_the_warehouse_is_open(small: tuple[Path, GroundTruth]) -> None:
    """DuckDB refuses a read-only connection beside a read-write one in the same process: the truth copes."""
    import junshi

    path, truth = small
    with junshi.connect(path) as s:
        assert s.table("orders").count().execute() > 0
        assert len(GroundTruth.load(path).customers()) == len(truth.customers())


def test_chunks_written_concurrently_give_the_same_rows(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Many small chunks, written by the writer threads while later days are generated, hold exactly the
    rows of one chunk written at the end."""
    args = {"days": 20, "visitors_per_day": 300, "end_date": dt.date(2025, 3, 31), "seed": 2}
    monkeypatch.setattr(run, "CHUNK_EVENTS", 10**9)
    simulate(tmp_path / "one.duckdb", **args)  # type: ignore[arg-type]  # valid keyword values
    monkeypatch.setattr(run, "CHUNK_EVENTS", 500)  # about one chunk a day
    simulate(tmp_path / "many.duckdb", **args)  # type: ignore[arg-type]  # valid keyword values
    assert fingerprint(tmp_path / "many.duckdb") == fingerprint(tmp_path / "one.duckdb")


def test_a_failing_insert_stops_the_run_with_its_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """An INSERT that fails in a writer thread is raised by simulate, after the other writes have stopped;
    the rows the run wrote are removed, the warehouse is closed cleanly and other shops keep their rows."""
    db = tmp_path / "w.duckdb"
    simulate(db, days=5, visitors_per_day=50, end_date=dt.date(2025, 3, 31), shop="kept")
    before = fingerprint(db, "kept")
    insert = Writer._insert

    def failing(self: Writer, table: str, data: dict[str, Any], select: str) -> None:
        if table == "searches":
            select = select.replace("$1, ", "coalesce(error('disk on fire'), $1), ", 1)
        insert(self, table, data, select)

    monkeypatch.setattr(Writer, "_insert", failing)
    with pytest.raises(duckdb.Error, match="disk on fire"):
        simulate(db, days=5, visitors_per_day=50, end_date=dt.date(2025, 3, 31), shop="broken")
    assert fingerprint(db, "kept") == before
    left = {t: n for t, (n, _h) in fingerprint(db, "broken").items() if t != "shops"}
    assert set(left.values()) == {0}, left  # no half shop: what the run wrote is gone
