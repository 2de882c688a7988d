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
