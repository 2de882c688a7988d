"""No traceback on real data: every command of the CLI (read from the Typer app, so a new command is
covered without editing this file) runs on each real dataset and on an orders-only shop, in-process
through the entry point. A command ends with exit code 0, or with a clear message (``Error:`` and what
to do, or a usage error) where this file expects one; any exception other than that fails the test.

Datasets: the Olist sample (tests/fixtures/ingest/olist, almost no repeat buyers), an orders-only shop
(the orders of test_customers.py as a plain CSV: no customers, lines, products or visits), and, marked
slow, CDNOW (master) and UCI Online Retail from ../shared/data. Each warehouse is built with
``junshi ingest`` itself.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from cli_commands import command_paths, run_cli
from conftest import ROOT, SHARED_DATA
from junshi.cli import main
from test_customers import ORDERS

FIXTURES = ROOT / "tests" / "fixtures" / "ingest"
SHOP = "s"


@dataclass(frozen=True)
class Dataset:
    """A shop to run every command on: how to load it, and the days its commands look at."""

    name: str
    load: Callable[[Path], list[str]]  # tmp folder -> the files (and options) for junshi ingest
    calibration_end: str
    holdout_end: str
    slow: bool = False


def orders_only_csv(tmp: Path) -> list[str]:
    path = tmp / "orders.csv"
    lines = ["order_id,customer_id,created_at,paid_at,cancelled_at,pay_amount"]
    lines += [f"{o},{c or ''},{p or '2024-03-10 10:00'},{p or ''},{x or ''},{a}" for o, c, p, x, a, _ in ORDERS]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return [str(path), "--table", "orders"]


DATASETS = [
    Dataset("olist", lambda tmp: [str(FIXTURES / "olist"), "--preset", "olist"], "2017-12-31", "2018-01-10"),
    Dataset("orders-only", orders_only_csv, "2024-02-15", "2024-03-31"),
    Dataset("cdnow", lambda tmp: [str(SHARED_DATA / "cdnow" / "CDNOW_master.txt"), "--preset", "cdnow"],
            "1997-09-30", "1998-06-30", slow=True),
    Dataset("online-retail",
            lambda tmp: [str(SHARED_DATA / "online_retail" / "online_retail_2010-12-01_2011-12-09.csv"),
                         "--preset", "online-retail"], "2011-06-30", "2011-12-09", slow=True),
]

# Arguments beyond --db and --shop; a command not listed runs with --db and --shop alone.
ARGS: dict[tuple[str, ...], Callable[[Dataset, Path], list[str]]] = {
    ("kpi",): lambda d, tmp: ["-m", "sales,paid_buyers,uv,spend_per_buyer,refund_amount", "--by", "month"],
    ("customers", "audience"): lambda d, tmp: [
        '{"name": "recent", "conditions": [{"kind": "bought", "since": "30d"}]}', "--export", str(tmp / "a.xlsx")],
    ("customers", "validate"): lambda d, tmp: ["--calibration-end", d.calibration_end, "--holdout-end", d.holdout_end],
    ("customers", "clv"): lambda d, tmp: ["--per-customer", "--format", "json"],
    ("simulate",): lambda d, tmp: ["--days", "2", "--visitors-per-day", "10"],
    ("shop", "set"): lambda d, tmp: ["--name", "测试店铺"],
    ("ingest",): lambda d, tmp: d.load(tmp),
    ("report",): lambda d, tmp: ["--format", "xlsx", "--out", str(tmp / "report.xlsx")],
    ("schedule", "run"): lambda d, tmp: ["--once"],
    ("promo", "plan"): lambda d, tmp: ["--target-sales", "100000", "--date", d.holdout_end],
    ("promo", "live"): lambda d, tmp: ["--target-sales", "100000", "--date", d.holdout_end],
}
# Not run here, each with the reason.
SKIP = {
    ("serve",): "serves until stopped; tests/test_api.py and tests/test_browser.py run the server",
    ("demo",): "simulates 180 days and serves; tests/test_simulate_run.py covers it",
    ("lake", "vacuum"): "works on a whole lake (no --shop), and these warehouses are DuckDB files; tests/test_lake.py "
                        "runs it on a lake after a killed load",
}
# (dataset, command) -> the clear message expected instead of a result.
EXPECTED_ERRORS = {
    ("olist", "customers validate"): "No customer bought twice",
    ("olist", "promo plan"): "No paying buyers from",  # no paid order in the 28 days before the warm-up
}
# No dataset here has ad spend or on-site searches (tests/test_marketing_ads.py runs these on a shop that has).
EXPECTED_ERRORS.update({(d.name, f"ads {c}"): "The shop has no ad spend" for d in DATASETS
                        for c in ("channels", "campaigns", "units", "keywords", "creatives", "guard")})
EXPECTED_ERRORS.update({(d.name, f"search {c}"): "The shop has no on-site searches" for d in DATASETS
                        for c in ("top", "risers", "no-results", "no-purchase", "out-of-stock", "groups")})


@pytest.fixture(scope="module", params=[pytest.param(d, id=d.name, marks=[pytest.mark.slow] if d.slow else [])
                                        for d in DATASETS])
def loaded(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[Dataset, Path]:
    """The dataset loaded into a fresh warehouse by ``junshi ingest``."""
    d: Dataset = request.param
    tmp = tmp_path_factory.mktemp(d.name)
    db = tmp / "shop.duckdb"
    try:
        main(["ingest", *d.load(tmp), "--db", str(db), "--shop", SHOP, "--format", "json"])
    except SystemExit as exc:
        assert not exc.code, f"junshi ingest of {d.name} exited with {exc.code}"
    return d, db


def cases() -> list[object]:
    out = []
    for path in command_paths():
        if path not in SKIP:  # not run here, for the reason SKIP gives (each is covered by its own tests)
            out.append(pytest.param(path, id=" ".join(path)))
    return out


@pytest.mark.parametrize("path", cases())
def test_command_on_real_data(loaded: tuple[Dataset, Path], path: tuple[str, ...], tmp_path: Path,
                              capsys: pytest.CaptureFixture[str]) -> None:
    d, db = loaded
    name = " ".join(path)
    extra = ARGS[path](d, tmp_path) if path in ARGS else []
    code, out, err = run_cli(capsys, *path, *extra, "--db", str(db), "--shop", SHOP)
    assert "Traceback" not in out + err, f"{name} on {d.name}:\n{err}"
    expected = EXPECTED_ERRORS.get((d.name, name))
    if expected is not None:
        assert code != 0 and expected in err and "What to do" in err, f"{name} on {d.name}: {code}\n{out}\n{err}"
    elif path in ARGS or code == 0:
        assert code == 0, f"{name} on {d.name} exited with {code}:\n{err}"
    else:  # a command this file has no arguments for may ask for them
        assert "Usage:" in err or "Error" in err, f"{name} on {d.name} exited with {code} and no message:\n{err}"
    if name == "customers clv" and d.name == "olist":
        rows = json.loads(out)
        assert rows and all(r["expected_next_purchase"] is None or r["expected_next_purchase"] > "2017"
                            for r in rows)


@pytest.mark.slow
def test_datasets_are_there() -> None:
    """The slow datasets are read from ../shared/data; their absence is a failure, not a skip."""
    assert (SHARED_DATA / "cdnow" / "CDNOW_master.txt").is_file()
    assert (SHARED_DATA / "online_retail" / "online_retail_2010-12-01_2011-12-09.csv").is_file()
