"""The lake warehouse (``lake:PATH``): Parquet partitions and a catalog per commit, read by DuckDB and Spark.

A sample of the real Online Retail file (every 40th line: ~13,500 rows over 13 months) and a small simulated
shop are each put in a lake and in a DuckDB file; every kpi, diagnosis and customer figure must be equal on
DuckDB-on-lake, Spark-on-lake and the DuckDB file. Loads are atomic (a killed load, a lost race and a
concurrent reader are tested with real processes) and a re-load rewrites only the partitions it moved.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from junshi import Shop, connect
from junshi.schema import SCHEMA_VERSION
from junshi.warehouse import lake_catalog
from junshi.warehouse.lake import LakeWarehouse
from junshi.warehouse.lake_catalog import LakeConflict

RETAIL = "online_retail/online_retail_2010-12-01_2011-12-09.csv"
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def retail_sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every 40th line of the Online Retail file (whole invoices are not needed: figures are compared)."""
    lines = (ROOT.parent / "shared" / "data" / RETAIL).read_text(encoding="utf-8").splitlines(keepends=True)
    path = tmp_path_factory.mktemp("retail") / "retail_sample.csv"
    path.write_text(lines[0] + "".join(lines[1::40]), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory, retail_sample: Path) -> tuple[str, Path]:
    """(lake URL, DuckDB file), both holding the sample loaded by ``junshi ingest``'s function."""
    root = tmp_path_factory.mktemp("loaded")
    lake, file = f"lake:{root / 'lake'}", root / "shop.duckdb"
    for db in (lake, file):
        with connect(db) as shop:
            assert shop.ingest(retail_sample, preset="online-retail").committed
    return lake, file


def _same(value: object) -> object:
    """``value`` with floats to 10 significant digits and NaN as None: engines add floats in their own order."""
    if isinstance(value, float):
        return None if math.isnan(value) else float(f"{value:.10g}")
    if isinstance(value, dict):
        return {k: _same(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_same(v) for v in value]
    return value


SUB_SECOND = ("hours_to_ship", "days_to_deliver")
"""Metrics from time differences with fractions of a second (Spark's own epoch seconds would drop them)."""


def _metrics(shop: Shop) -> list[str]:
    """The registry's metrics the shop's tables answer."""
    from junshi.metrics import REGISTRY
    from junshi.metrics.compiler import required_tables

    have = {t for t in ("orders", "order_items", "refunds", "events", "sessions", "ad_spend", "reviews",
                        "products", "customers") if shop.warehouse.row_count(t, shop.shop_id)}
    return [m for m in REGISTRY if set(required_tables(m)) <= have]


def _figures(shop: Shop) -> object:
    """Every kind of figure the issue names: every metric the shop has by month, the last day's diagnosis,
    RFM groups, repurchase, and the per-customer summary the lifetime-value fit starts from."""
    monthly = shop.kpi(_metrics(shop), by="month").frame
    customers = shop.customers
    summary = customers.summary("2011-06-30" if monthly["month"].iloc[0].year == 2010 else "2024-06-15")
    return _same({
        "kpi": monthly.to_dict("records"), "diagnosis": shop.diagnose(depth=1).to_json(),
        "rfm": customers.rfm_groups().to_dict("records"), "repurchase": customers.repurchase().to_dict(),
        "summary": summary.sort_values(list(summary.columns)).to_dict("records")})


@pytest.fixture(scope="module")
def simulated(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    """(lake URL, DuckDB file) of a small simulated shop (30 days, ~60 new visits a day): the lake is the
    file copied in one commit (every table, rollups included)."""
    from junshi.simulate import simulate

    root = tmp_path_factory.mktemp("simulated")
    file = root / "sim.duckdb"
    simulate(file, days=30, visitors_per_day=60, seed=7, lang="en", end_date=dt.date(2024, 6, 30))
    lake = f"lake:{root / 'lake'}"
    LakeWarehouse(lake).copy_from(file)
    return lake, file


def _on_lake(request: pytest.FixtureRequest, lake: str, engine: str) -> Shop:
    if engine == "duckdb":
        return connect(lake)
    from junshi.warehouse.lake_spark import SparkLakeWarehouse

    return Shop(SparkLakeWarehouse(lake, session=request.getfixturevalue("spark_session")))


_FILE_FIGURES: dict[str, object] = {}


@pytest.mark.parametrize("dataset", ["loaded", "simulated"])
@pytest.mark.parametrize("engine", ["duckdb", pytest.param("spark", marks=pytest.mark.spark)])
def test_every_figure_is_equal_on_the_lake_on_each_engine_and_on_the_duckdb_file(
        request: pytest.FixtureRequest, dataset: str, engine: str) -> None:
    lake, file = request.getfixturevalue(dataset)
    if dataset not in _FILE_FIGURES:
        with connect(file) as shop:
            _FILE_FIGURES[dataset] = _figures(shop)
    with _on_lake(request, lake, engine) as on_lake:
        assert on_lake.warehouse.engine == engine
        assert _figures(on_lake) == _FILE_FIGURES[dataset]


@pytest.mark.spark
def test_time_differences_to_the_fraction_of_a_second_on_spark(
        request: pytest.FixtureRequest, simulated: tuple[str, Path]) -> None:
    """The simulator's times have fractions of a second: Spark's time differences keep them (unix_micros, not
    unix_timestamp), so hours to ship and days to deliver equal DuckDB's exactly."""
    lake, file = simulated
    with connect(file) as shop:
        expected = shop.kpi(list(SUB_SECOND)).frame.to_dict("records")
    with _on_lake(request, lake, "spark") as on_spark:
        assert on_spark.kpi(list(SUB_SECOND)).frame.to_dict("records") == expected


@pytest.mark.spark
def test_spark_rebuilds_the_rollups_exactly_as_duckdb(request: pytest.FixtureRequest, simulated: tuple[str, Path],
                                                      tmp_path: Path) -> None:
    """Spark rebuilds the rollups of a copy of the simulated lake: visits, paid orders, the buyers' first paid
    days, products, the id dictionary and every Roaring bitmap equal the DuckDB file's rollups byte for byte; the
    input marks have the file's row counts per input and day (fingerprint 0: unknown to Spark). A grain Spark
    does not build (UNBUILT: the product cells and their margins, landing pages, margins, categories, the plans'
    visitors, the 风控
    page's fingerprints, placed lines and the repeat buyers' orders and reviews, the review texts' tags) is cleared
    with the shop's built mark, so DuckDB reads raw rows until its next load rebuilds them (with none, the shop is
    marked built); the figures stay the file's."""
    from junshi.rollup.build import CATALOGUE
    from junshi.rollup.spark import UNBUILT, rebuild
    from junshi.rollup.tables import FIRST_PAID, IDS, PAID, PRODUCTS, VISITS
    from junshi.warehouse.lake_spark import SparkLakeWarehouse

    assert [t.name for t in UNBUILT] == ["rollup_product_cells", "rollup_product_margins", "rollup_landing",
                                         "rollup_margins", "rollup_categories", "rollup_plan_visitors",
                                         "rollup_plan_sets", "rollup_prints", "rollup_placed",
                                         "rollup_first_orders", "rollup_checks",
                                         "rollup_repeat_orders", "rollup_repeat_reviews", "rollup_review_tags",
                                         "rollup_path_steps", "rollup_path_touches", "rollup_searches",
                                         "rollup_search_sets", "rollup_search_orders"]
    lake, file = simulated
    figures = ["uv", "pv", "sales", "paid_buyers"]
    with connect(file) as shop:
        expected = shop.kpi(figures, by="source").frame.to_dict("records")
        by_product = shop.kpi(["uv", "cart_visitors", "units"], by="product").frame.to_dict("records")
    shutil.copytree(lake_catalog.lake_root(lake), tmp_path / "lake")
    copy = f"lake:{tmp_path / 'lake'}"
    committed = rebuild(SparkLakeWarehouse(copy, session=request.getfixturevalue("spark_session")), ["default"])
    assert committed.operation == "rollup"
    wh = LakeWarehouse(copy)
    wh.con.execute(f"ATTACH '{file}' AS file (READ_ONLY)")
    for table in (VISITS, PAID, FIRST_PAID, PRODUCTS, IDS):
        columns = ", ".join(c.name for c in table.columns)
        ours = wh.con.execute(f"SELECT {columns} FROM {table.name} ORDER BY ALL").fetchall()
        assert ours == wh.con.execute(f"SELECT {columns} FROM file.{table.name} ORDER BY ALL").fetchall(), table.name
        assert len(ours) > 50
    # the catalogue's marks are those of the categories' rows, a grain Spark leaves unbuilt
    marks = f"SELECT input, date, n FROM {{}}rollup_marks WHERE input <> '{CATALOGUE}' ORDER BY ALL"
    assert wh.con.execute(marks.format("")).fetchall() == wh.con.execute(marks.format("file.")).fetchall()
    assert wh.con.execute("SELECT DISTINCT h FROM rollup_marks").fetchall() == [(0,)]
    assert wh.con.execute("SELECT shop_id FROM rollup_built").fetchall() == ([] if UNBUILT else [("default",)])
    wh.con.execute("DETACH file")
    for table in UNBUILT:
        assert wh.con.execute(f"SELECT count(*) FROM {table.name}").fetchall() == [(0,)], table.name
    with Shop(wh) as shop:
        assert shop.kpi(figures, by="source").frame.to_dict("records") == expected
        assert shop.kpi(["uv", "cart_visitors", "units"], by="product").frame.to_dict("records") == by_product


@pytest.mark.spark
def test_the_cli_gives_the_same_output_on_both_engines(capsys: pytest.CaptureFixture[str],
                                                       loaded: tuple[str, Path], spark_session: Any) -> None:
    """``junshi kpi ... --db lake:DIR [--engine spark]``: the same JSON on both engines; Spark on a DuckDB
    file is refused with a message naming the lake."""
    from cli_commands import run_cli

    args = ["kpi", "-m", "sales,paid_buyers,units", "--by", "month", "--format", "json", "--db", loaded[0]]
    duck = run_cli(capsys, *args)
    spark = run_cli(capsys, *args, "--engine", "spark")
    assert duck[0] == spark[0] == 0 and json.loads(duck[1]) == json.loads(spark[1])
    code, _out, err = run_cli(capsys, *args[:-2], "--db", str(loaded[1]), "--engine", "spark")
    assert code != 0 and "lake" in err


def test_the_lake_has_partitions_and_a_catalog(loaded: tuple[str, Path]) -> None:
    lake, file = loaded
    root = lake_catalog.lake_root(lake)
    catalog = lake_catalog.newest(root)
    assert catalog.commit == 1 and catalog.schema_version == SCHEMA_VERSION
    orders = catalog.tables["orders"]
    months = sorted(f.month for f in orders.files if f.month)
    assert orders.time_column == "created_at" and months[0] == "2010-12" and months[-1] == "2011-12"
    assert len(months) == 13 == len(set(months))  # one file per shop x month
    assert all((root / f.path).is_file() and f"shop_id=default/month={f.month}/" in f.path for f in orders.files)
    assert "rollup_paid" in catalog.tables and "order_items" in catalog.tables  # rollups committed with the load
    json.loads((root / "_junshi" / "catalog" / "000001.json").read_text(encoding="utf-8"))
    with connect(lake) as a, connect(file) as b:
        assert a.warehouse.row_count("order_items") == b.warehouse.row_count("order_items") > 10_000


def test_a_reload_rewrites_only_the_partitions_it_moved(tmp_path: Path, retail_sample: Path) -> None:
    """The same file loaded again with one invoice of 2011-03 changed: the orders and lines of that month are
    rewritten (new files), every other month keeps its file; the figures equal a DuckDB file loaded the same way."""
    lake, file = f"lake:{tmp_path / 'lake'}", tmp_path / "shop.duckdb"
    lines = retail_sample.read_text(encoding="utf-8").splitlines(keepends=True)
    march = next(i for i, line in enumerate(lines) if "/3/2011" in line or "2011-03" in line)
    changed = lines[march].split(",")
    changed[3] = str(int(changed[3]) + 7)  # Quantity
    edited = tmp_path / retail_sample.name
    root = lake_catalog.lake_root(lake)
    commits = []
    for db in (lake, file):
        for text in ("".join(lines), "".join([*lines[:march], ",".join(changed), *lines[march + 1:]])):
            edited.write_text(text, encoding="utf-8")
            with connect(db) as shop:
                shop.ingest(edited, preset="online-retail")
            commits.append(lake_catalog.newest(root))
    before = commits[0]
    after = lake_catalog.newest(root)
    assert after.commit == before.commit + 1
    old = {(f.month): f.path for f in before.tables["orders"].files}
    new = {(f.month): f.path for f in after.tables["orders"].files}
    moved = {m for m in new if new[m] != old.get(m)}
    assert moved == {"2011-03"}, moved
    with connect(lake) as a, connect(file) as b:
        figures = ["sales", "units", "paid_orders", "refund_amount"]
        assert _same(a.kpi(figures, by="day").frame.to_dict("records")) == \
            _same(b.kpi(figures, by="day").frame.to_dict("records"))


def test_a_commit_on_a_stale_base_is_refused_and_leaves_no_files(tmp_path: Path) -> None:
    """Two writers read commit 1; the first commits 2; the second's commit is refused (LakeConflict), its
    Parquet files are removed and commit 2 is what everyone reads."""
    lake = f"lake:{tmp_path / 'lake'}"
    first = LakeWarehouse(lake)
    first.ensure_shop("a")
    second = LakeWarehouse(lake)
    base = second.catalog
    with first.transaction() as con:
        con.execute("INSERT INTO shops VALUES ('b', 'B', NULL, 'CNY', 'Asia/Shanghai')")
    files_before = {p for p in (tmp_path / "lake").rglob("*.parquet")}
    real_newest, stale = lake_catalog.newest, iter([base])  # the second writer checks out commit 1
    with pytest.raises(LakeConflict) as err, pytest.MonkeyPatch.context() as mp:
        mp.setattr(lake_catalog, "newest", lambda root: next(stale, None) or real_newest(root))
        with second.transaction() as con:
            con.execute("INSERT INTO shops VALUES ('c', 'C', NULL, 'CNY', 'Asia/Shanghai')")
    assert err.value.zh and err.value.hint_en
    assert {p for p in (tmp_path / "lake").rglob("*.parquet")} == files_before
    reader = LakeWarehouse(lake)
    assert reader.catalog.commit == 2
    assert sorted(reader.con.execute("SELECT shop_id FROM shops").fetchall()) == [("a",), ("b",)]


def test_an_incomplete_newest_catalog_is_skipped(tmp_path: Path) -> None:
    lake = f"lake:{tmp_path / 'lake'}"
    LakeWarehouse(lake).ensure_shop("a")
    (tmp_path / "lake" / "_junshi" / "catalog" / "000002.json").write_text('{"format": "junshi-la', encoding="utf-8")
    reader = LakeWarehouse(lake)
    assert reader.catalog.commit == 1 and reader.shop_settings("a")["name"] == "a"


_PAUSED_LOAD = """
import sys, time
from junshi.warehouse import lake_catalog
import junshi
real = lake_catalog.commit

def paused(*args, **kwargs):
    open(sys.argv[3], "w").close()  # every partition file is written: the catalog is next
    time.sleep(float(sys.argv[4]))
    return real(*args, **kwargs)

lake_catalog.commit = paused
with junshi.connect(sys.argv[1], "uk") as shop:
    shop.ingest(sys.argv[2], preset="online-retail")
"""


def _paused_load(lake: str, source: Path, marker: Path, pause: float) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src") + os.pathsep + os.environ.get("PYTHONPATH", "")}
    return subprocess.Popen([sys.executable, "-c", _PAUSED_LOAD, lake, str(source), str(marker), str(pause)],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_for(marker: Path, proc: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 120
    while not marker.exists():
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.05)


def _state(lake: str) -> tuple[int, int, int]:
    wh = LakeWarehouse(lake)
    rows = wh.con.execute("SELECT (SELECT count(*) FROM order_items), (SELECT count(*) FROM orders)").fetchall()
    wh.close()
    return wh.catalog.commit, int(rows[0][0]), int(rows[0][1])


def test_a_load_killed_before_its_commit_leaves_nothing_visible(tmp_path: Path, retail_sample: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    """A real process loading into the lake is killed (SIGKILL) once all its Parquet files are written and
    before its catalog commit: the new files exist on disk, yet the lake reads exactly as before; the same
    load then runs through."""
    lake = f"lake:{tmp_path / 'lake'}"
    LakeWarehouse(lake).ensure_shop("uk")
    before = _state(lake)
    files_before = set((tmp_path / "lake").rglob("*.parquet"))
    proc = _paused_load(lake, retail_sample, tmp_path / "written", 600)
    _wait_for(tmp_path / "written", proc)
    proc.kill()
    proc.communicate(timeout=60)
    assert proc.returncode != 0
    orphans = set((tmp_path / "lake").rglob("*.parquet")) - files_before
    assert len(orphans) > 10  # written, never committed
    assert _state(lake) == before
    with connect(lake, "uk") as shop:
        assert shop.ingest(retail_sample, preset="online-retail").committed
    assert _state(lake)[1] > 10_000
    _vacuum_keeps_what_a_kept_commit_names(lake, orphans, capsys)


def _vacuum_keeps_what_a_kept_commit_names(lake: str, orphans: set[Path], capsys: pytest.CaptureFixture[str]) -> None:
    """``junshi lake vacuum``: nothing goes while every file is younger than the retention; once all are 8 days
    old, ``--dry-run`` lists the killed load's orphans and the file commit 1 named that commit 2 replaced, deletes
    nothing, and the real run deletes exactly those and commit 1's catalog; every file of the newest commit stays
    and the lake reads as before."""
    from cli_commands import run_cli

    root = lake_catalog.lake_root(lake)
    state, newest = _state(lake), lake_catalog.newest(root)
    named = {root / f.path for t in newest.tables.values() for f in t.files}
    old = lake_catalog.Catalog.from_json(json.loads((root / "_junshi/catalog/000001.json").read_text("utf-8")))
    replaced = {root / f.path for t in old.tables.values() for f in t.files} - named
    assert newest.commit == 2 and replaced and orphans and not orphans & named
    from junshi.warehouse.lake_vacuum import parse_age, vacuum

    assert vacuum(root, parse_age("7d")).deleted_files == []
    aged = time.time() - 8 * 86400
    for path in root.rglob("*"):
        os.utime(path, (aged, aged))
    code, out, _err = run_cli(capsys, "lake", "vacuum", "--db", lake, "--older-than", "7d", "--dry-run",
                              "--format", "json")
    dry = json.loads(out)
    assert code == 0 and {root / p for p in dry["deleted_files"]} == orphans | replaced
    assert dry["deleted_commits"] == [1]
    assert all(p.exists() for p in orphans | replaced)
    assert vacuum(root, parse_age("7d"), dry_run=True, shop="another").deleted_files == []
    done = vacuum(root, parse_age("7d"))
    assert done.deleted_files == dry["deleted_files"] and done.kept_commits == [2] and done.deleted_bytes > 0
    assert not any(p.exists() for p in orphans | replaced) and all(p.exists() for p in named)
    assert not (root / "_junshi/catalog/000001.json").exists()
    assert _state(lake) == state


def test_a_reader_during_a_load_sees_all_of_it_or_none(tmp_path: Path, retail_sample: Path) -> None:
    """Readers open the lake over and over while another process loads (pausing 2 s between its files and its
    commit): every read is the state before or the state after, never a mix, and both are seen."""
    lake = f"lake:{tmp_path / 'lake'}"
    LakeWarehouse(lake).ensure_shop("uk")
    before = _state(lake)
    seen: list[tuple[int, int, int]] = []
    proc = _paused_load(lake, retail_sample, tmp_path / "written", 2)
    stop = threading.Event()

    def read() -> None:
        while not stop.is_set():
            seen.append(_state(lake))

    reader = threading.Thread(target=read)
    reader.start()
    try:
        _wait_for(tmp_path / "written", proc)
        assert proc.wait(timeout=120) == 0, proc.communicate()
        time.sleep(0.3)
    finally:
        stop.set()
        reader.join()
    after = _state(lake)
    assert after[0] == before[0] + 1 and after[1] > before[1]
    assert set(seen) <= {before, after} and before in seen and after in seen, set(seen)
