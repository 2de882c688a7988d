"""A quick CLI: ``junshi --version``, ``junshi --help`` and every command's ``--help`` import no engine
(Ibis, DuckDB, pandas, NumPy, scikit-learn, SciPy, FastAPI, Rich ...): each command imports what it
uses inside its function. Checked in a fresh interpreter, for every command of the Typer app.
Speed itself is measured by bench/cli_startup.py (whole process, against ``python -c pass``)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from cli_commands import command_paths, option_names

SRC = Path(__file__).resolve().parents[1] / "src"
HEAVY = ("ibis", "duckdb", "pandas", "numpy", "pyarrow", "sklearn", "scipy", "fastapi", "uvicorn", "rich",
         "openpyxl", "sqlglot", "junshi.shop", "junshi.metrics", "junshi.customers", "junshi.ingest",
         "junshi.analysis", "junshi.simulate", "junshi.warehouse")
PROBE = """
import json, sys
from junshi.cli import main
for argv in json.loads(sys.argv[1]):
    try:
        main(argv)
    except SystemExit as exc:
        assert not exc.code, (argv, exc.code)
print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in HEAVY or m in HEAVY)))
"""


def loaded_after(*argvs: list[str]) -> list[str]:
    """The heavy modules a fresh interpreter holds after running the CLI with each argv in turn."""
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    code = f"HEAVY = {HEAVY!r}\n{PROBE}"
    done = subprocess.run([sys.executable, "-c", code, json.dumps(list(argvs))], env=env, check=True,
                          capture_output=True, text=True)
    loaded: list[str] = json.loads(done.stdout.splitlines()[-1])
    return loaded


def test_version_and_help_import_no_engine() -> None:
    assert loaded_after(["--version"]) == []
    assert loaded_after(["--help"]) == []


def test_no_command_help_imports_an_engine() -> None:
    paths = command_paths()
    assert ("kpi",) in paths and ("customers", "churn") in paths
    assert loaded_after(*[[*p, "--help"] for p in paths]) == []


def test_every_command_takes_db_and_shop() -> None:
    """As the README says: every command takes --db and --shop."""
    missing = {" ".join(p): {"--db", "--shop"} - option_names(p) for p in command_paths()}
    assert {k: v for k, v in missing.items() if v} == {}


SERVER_PROBE = """
import json, sys
from fastapi.testclient import TestClient
from junshi.api import create_app
token = "s" * 32
client = TestClient(create_app(sys.argv[1], token), headers={"Authorization": f"Bearer {token}"})
assert client.get("/").status_code == 200
print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in sys.argv[2].split(","))))
"""
LATE = ("scipy", "sklearn", "datasketch", "jieba", "statsmodels")
"""Libraries the server imports where an analysis uses them, not at start (server start to first page, issue 14)."""


def test_server_start_imports_no_analysis_library(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    done = subprocess.run([sys.executable, "-c", SERVER_PROBE, str(tmp_path / "w.duckdb"), ",".join(LATE)],
                          env=env, check=True, capture_output=True, text=True)
    assert json.loads(done.stdout.splitlines()[-1]) == []


SHELL_PROBE = """
import json, sys
from fastapi.testclient import TestClient
from junshi.api import create_app
from junshi.api.app import LazyApi
LazyApi.soon = lambda self: None  # what the pages needed, not what a server loads next in the background
token = "s" * 32
client = TestClient(create_app(sys.argv[1], token), headers={"Authorization": f"Bearer {token}"})
pages = [client.get(path, params={"lang": "en"}) for path in ("/", "/traffic")]
assert all(page.status_code == 200 for page in pages)
loaded = sorted(m for m in sys.argv[2].split(",") if m in sys.modules)
print(json.dumps({"pages": [page.text for page in pages], "loaded": loaded}))
"""
AFTER_START = ("pandas", "ibis", "junshi.analysis.service", "junshi.api.routes", "junshi.api.pages.overview",
               "junshi.api.pages.traffic", "junshi.metrics.query")
"""What the first pages of a restarted server do without: the analyses, pandas, the view modules and the API's
routes, the metric layer's queries and Ibis (the API loads them when first asked, or after the first page, in the
background; Ibis's DuckDB backend when a query is first compiled or run through Ibis)."""


def _shell(db: Path) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    done = subprocess.run([sys.executable, "-c", SHELL_PROBE, str(db), ",".join(AFTER_START)], env=env, check=True,
                          capture_output=True, text=True)
    answer: dict[str, Any] = json.loads(done.stdout.splitlines()[-1])
    return answer


def test_a_restarted_servers_first_pages_load_no_analysis(demo_db: Path, tmp_path: Path) -> None:
    """What every page's shell shows of the shop (its days, default period, the tables with rows) is kept beside
    the warehouse for the data version: a second server process on unchanged data answers the first pages without
    importing any of :data:`AFTER_START` (no query of the metric layer, no view module), with the same pages; after
    a load (a new data version) it is computed anew."""
    import shutil

    from junshi import rollup
    from junshi.warehouse import Warehouse

    db = tmp_path / "demo.duckdb"
    shutil.copyfile(demo_db, db)
    first, second = _shell(db), _shell(db)
    assert "junshi.metrics.query" in first["loaded"] and second["loaded"] == []
    assert second["pages"] == first["pages"]
    warehouse = Warehouse(db)
    with warehouse.transaction() as con:  # a reload of one review: the rollups' stamp moves on
        con.execute("UPDATE reviews SET rating = rating WHERE review_id = (SELECT min(review_id) FROM reviews)")
        rollup.refresh(con, "default", ["reviews"])
    warehouse.close()
    assert "junshi.metrics.query" in _shell(db)["loaded"]


CALL_PROBE = """
import json, sys
from fastapi.testclient import TestClient
from junshi.api import create_app
token = "s" * 32
client = TestClient(create_app(sys.argv[1], token), headers={"Authorization": f"Bearer {token}"})
assert client.get("/").status_code == 200
answers = [client.get(f"/api/{call}", params={"date": "2024-11-30"}) for call in sys.argv[2].split(",")]
assert all(answer.status_code == 200 for answer in answers)
print(json.dumps({"answers": [a.text for a in answers], "backend": "ibis.backends.duckdb" in sys.modules}))
"""


def test_calls_of_stored_plans_make_no_ibis_backend(demo_db: Path, tmp_path: Path) -> None:
    """A new process whose calls find every query kept beside the warehouse (the plans, the SQL beside them, the
    purchase days) runs them on DuckDB alone: the overview, traffic, transactions, products and customers calls of
    a second process never make Ibis's DuckDB backend (its import with all of Ibis's SQL compilers), and answer as
    the first process, which compiled and stored them, did."""
    import shutil

    db = tmp_path / "demo.duckdb"
    shutil.copyfile(demo_db, db)
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    calls = "overview,traffic,transactions,products,customers"
    runs = [json.loads(subprocess.run([sys.executable, "-c", CALL_PROBE, str(db), calls], env=env, check=True,
                                      capture_output=True, text=True).stdout.splitlines()[-1]) for _ in range(2)]
    assert runs[0]["backend"] and not runs[1]["backend"]
    assert runs[1]["answers"] == runs[0]["answers"]
