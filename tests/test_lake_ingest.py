"""``junshi ingest ... --db lake:DIR --engine spark``: Spark reads, checks and quarantines the file itself.

The same files loaded with DuckDB and with Spark into two lakes must give identical rows in every table,
the same quarantine (line, reason and raw row) and the same load records; a re-load on Spark replaces its
rows; presets Spark does not run are refused naming DuckDB.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from cli_commands import run_cli
from junshi import Shop, connect
from junshi.errors import ConfigError
from junshi.rollup.build import CATALOGUE
from junshi.schema import TABLES
from junshi.warehouse import lake_catalog
from junshi.warehouse.lake import LakeWarehouse

pytestmark = pytest.mark.spark

ROOT = Path(__file__).resolve().parents[1]
RETAIL = ROOT.parent / "shared" / "data" / "online_retail" / "online_retail_2010-12-01_2011-12-09.csv"
BAD_LINES = [  # one row for each check the preset makes
    "A563185,B,Adjust bad debt,1,2011-08-12 14:50:00,11062.06,,United Kingdom\n",
    "536999,22222,NOT A DATE,3,yesterday,1.25,17850.0,United Kingdom\n",
    "537000,22223,NOT A NUMBER,three,2010-12-02 10:00:00,1.25,17850.0,United Kingdom\n",
    "537001,22224,NEGATIVE,-2,2010-12-02 10:00:00,1.25,17850.0,United Kingdom\n",
    "C537002,22225,POSITIVE CANCEL,2,2010-12-02 10:00:00,1.25,17850.0,United Kingdom\n",
    '537003,22226,"QUOTED, WITH ""COMMA""",1,12/2/2010 11:00,£2.50,17850.0,"United Kingdom"\n',
    "537004,,MISSING CODE,1,2010-12-02 10:00:00,1.00,,France\n",
]
EVENTS = """event_id,session_id,visitor_id,ts,event_type,product_id
e1,s1,v1,2024-06-01 10:00:00,page_view,
e2,s1,v1,2024-06-01 10:00:05.250,product_view,p1
e3,s1,v1,2024-06-01 10:01:00,加购,p1
e4,s2,v2,2024-06-01T23:59:59,pv,p2
e5,s2,v2,1717286400,page_view,
e6,s3,v3,2024/6/2 8:05,fly,p3
e7,s3,v3,not a time,page_view,
e1,s1,v1,2024-06-01 10:00:01,page_view,
"""
"""Events without a preset (the alias table): spellings of types and times, an unknown type, a bad time, and a
repeated key (the later row wins, the earlier is quarantined)."""


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every 80th line of Online Retail (~6,800 rows over 13 months) plus one bad row per check; the events."""
    folder = tmp_path_factory.mktemp("files")
    lines = RETAIL.read_text(encoding="utf-8").splitlines(keepends=True)
    retail = folder / "retail.csv"
    retail.write_text(lines[0] + "".join(lines[1::80]) + "".join(BAD_LINES), encoding="utf-8")
    events = folder / "events.csv"
    events.write_text(EVENTS, encoding="utf-8")
    return {"retail": retail, "events": events}


def _spark(lake: str, session: Any, shop: str = "default") -> Shop:
    from junshi.warehouse.lake_spark import SparkLakeWarehouse

    return Shop(SparkLakeWarehouse(lake, session=session), shop)


def _load(lake: str, session: Any, engine: str, path: Path, **how: Any) -> Any:
    with connect(lake) if engine == "duckdb" else _spark(lake, session) as shop:
        return shop.ingest(path, **how)


_SKIP = {"quarantine": ("run_id",), "loads": ("run_id", "started_at", "finished_at")}


def _rows(lake: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every canonical table's rows (run ids and times left out), every rollup (the input marks without their
    fingerprint: Spark's are 0, unknown) and which shops are built."""
    wh = LakeWarehouse(lake)
    out = {}
    for name, spec in TABLES.items():
        columns = ", ".join(f'"{c}"' for c in spec.column_names if c not in _SKIP.get(name, ()))
        out[name] = wh.con.execute(f'SELECT {columns} FROM "{name}" ORDER BY ALL').fetchall()
    for name in ("rollup_visits", "rollup_paid", "rollup_first_paid", "rollup_products", "rollup_ids"):
        out[name] = wh.con.execute(f"SELECT * FROM {name} ORDER BY ALL").fetchall()
    out["rollup_marks"] = wh.con.execute(  # but the catalogue's: its marks are those of a grain Spark does not build
        "SELECT shop_id, input, date, n FROM rollup_marks WHERE input <> ? ORDER BY ALL", [CATALOGUE]).fetchall()
    out["rollup_built"] = wh.con.execute("SELECT shop_id FROM rollup_built").fetchall()
    wh.close()
    return out


@pytest.mark.parametrize("kind", ["retail", "events"])
def test_spark_loads_the_same_rows_and_quarantine_as_duckdb(tmp_path: Path, files: dict[str, Path], spark_session: Any,
                                                           kind: str, capsys: pytest.CaptureFixture[str]) -> None:
    """One file, two lakes: DuckDB's load and Spark's give equal rows in every table (quarantine with its line,
    reason and raw row; load records; the shop's settings; the rollups). Loading it again on Spark replaces its
    rows (``junshi ingest ... --engine spark``): one more commit, the same rows, a second load record."""
    how: dict[str, Any] = {"preset": "online-retail"} if kind == "retail" else {"table": "events"}
    lakes = {e: f"lake:{tmp_path / e}" for e in ("duckdb", "spark")}
    reports = {e: _load(lake, spark_session, e, files[kind], **how) for e, lake in lakes.items()}
    duck, spark = _rows(lakes["duckdb"]), _rows(lakes["spark"])
    assert duck["quarantine"] and (duck["orders"] or duck["events"])
    from junshi.rollup.spark import UNBUILT

    if UNBUILT:  # a grain Spark does not build leaves the shop unbuilt (DuckDB reads raw rows): docs/lake.md
        assert spark.pop("rollup_built") == [] and duck.pop("rollup_built") == [("default",)]
    for name in duck:
        assert spark[name] == duck[name], name
    assert reports["spark"].tables == reports["duckdb"].tables
    assert [(q.table, q.reason, q.rows, q.examples) for q in reports["spark"].quarantined] == \
        [(q.table, q.reason, q.rows, q.examples) for q in reports["duckdb"].quarantined]
    before = lake_catalog.newest(lake_catalog.lake_root(lakes["spark"])).commit
    option = ["--preset", "online-retail"] if kind == "retail" else ["--table", "events"]
    code, out, err = run_cli(capsys, "ingest", str(files[kind]), *option, "--db", lakes["spark"], "--engine", "spark",
                             "--format", "json")
    assert code == 0 and json.loads(out)["committed"], err
    assert lake_catalog.newest(lake_catalog.lake_root(lakes["spark"])).commit == before + 1
    again = _rows(lakes["spark"])
    assert again.pop("loads") == spark.pop("loads") * 2  # a record per run
    if UNBUILT:
        assert again.pop("rollup_built") == []
    assert again == spark


def test_spark_refuses_the_presets_it_does_not_run(tmp_path: Path, files: dict[str, Path], spark_session: Any) -> None:
    """A preset Spark does not run is refused before anything is read, naming the engine that loads it."""
    lake = f"lake:{tmp_path / 'lake'}"
    with pytest.raises(ConfigError, match="DuckDB") as err:
        _load(lake, spark_session, "spark", files["retail"], preset="cdnow")
    assert "cdnow" in str(err.value) and err.value.zh and err.value.hint_en
    assert not lake_catalog.catalog_dir(lake_catalog.lake_root(lake)).exists()
