"""No traceback and no confident nonsense on awkward data, on the tiny shop of test_customers.py
(paid orders from 2024-01-05 to 2024-03-30; customers, lines and products too).

- A customer whose expected next purchase is decades away gets no date (pandas cannot even hold a
  date 110,828 days ahead), and ``junshi customers clv --per-customer`` says how many and why.
- ``diagnose``, ``alerts`` and ``advise`` on a day outside the shop's data, or against a baseline day
  outside it, say there is no data then instead of analysing zeros.
- ``junshi metrics`` takes --db and --shop like every command: money in the shop's currency.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import junshi
from cli_commands import run_cli
from junshi.customers.clv import MAX_WAIT_YEARS, fit_clv, predict
from junshi.errors import MissingDataError
from test_customers import load_tiny


@pytest.fixture
def db(db_path: Path) -> str:
    with junshi.connect(db_path) as shop:
        load_tiny(shop)
    return str(db_path)


def test_a_next_purchase_decades_away_is_no_date(db: str) -> None:
    """The expected wait is (alpha + T) / (r + x) weeks, T about 12 weeks here. With r = 1, alpha = 0.5 it
    is under 13 weeks for everyone; with r = 0.01, alpha = 10^6 it exceeds 6,000 years for everyone."""
    with junshi.connect(db) as shop:
        fit = fit_clv(shop.table("orders"), "2024-03-31")
    near = predict(fit)
    assert near.expected_next_purchase.notna().all()
    fit.bgnbd.params_ = {**fit.bgnbd.params_, "r": 1.0, "alpha": 0.5}
    soon = predict(fit).expected_next_purchase
    assert soon.notna().all() and (soon < np.datetime64("2024-07-01")).all()
    fit.bgnbd.params_ = {**fit.bgnbd.params_, "r": 0.01, "alpha": 1e6}
    far = predict(fit)
    assert far.expected_next_purchase.isna().all() and len(far) == 4
    assert MAX_WAIT_YEARS == 10


def test_clv_per_customer_says_why_a_date_is_missing(db: str, capsys: pytest.CaptureFixture[str],
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from junshi.customers import clv

    monkeypatch.setattr(clv, "MAX_WAIT_YEARS", 0)  # every expected wait is then "too far"
    code, out, err = run_cli(capsys, "customers", "clv", "--per-customer", "--format", "json", "--db", db)
    rows = json.loads(out)
    assert code == 0 and rows and all(r["expected_next_purchase"] is None for r in rows)
    assert f"{len(rows)} customer(s) have no expected next purchase date" in err
    code, _, err = run_cli(capsys, "--lang", "zh", "customers", "clv", "--per-customer", "--db", db)
    assert code == 0 and "没有预计下次购买日期" in err


@pytest.mark.parametrize("command", ["diagnose", "alerts", "advise"])
def test_a_day_outside_the_data_says_so(db: str, command: str, capsys: pytest.CaptureFixture[str]) -> None:
    for day in ("1900-01-01", "2024-04-01"):
        code, out, err = run_cli(capsys, command, "--date", day, "--db", db)
        assert code == 1 and out == "", (command, day)
        assert f"no data on {day}" in err and "2024-01-05 to 2024-03-30" in err
    code, out, _ = run_cli(capsys, command, "--date", "2024-03-30", "--format", "json", "--db", db)
    assert code == 0 and json.loads(out)


def test_a_baseline_outside_the_data_says_so(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    """2024-01-10 against a week before (01-03): the data start on 01-05."""
    code, _, err = run_cli(capsys, "diagnose", "--date", "2024-01-10", "--db", db)
    assert code == 1 and "no data on 2024-01-03 (the baseline day)" in err
    code, _, err = run_cli(capsys, "--lang", "zh", "diagnose", "--date", "2024-01-10", "--vs", "1999-01-01",
                           "--db", db)
    assert code == 1 and "1999-01-01（对比基期）没有数据" in err
    code, _, _ = run_cli(capsys, "diagnose", "--date", "2024-01-10", "--vs", "previous", "--db", db)
    assert code == 0
    with junshi.connect(db) as shop, pytest.raises(MissingDataError):
        shop.diagnose("2030-01-01")


def test_metrics_takes_db_and_shop(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    with junshi.connect(db) as shop:
        shop.configure(currency="GBP")
    code, out, _ = run_cli(capsys, "metrics", "--format", "json", "--db", db, "--shop", "default")
    sales = {m["id"]: m for m in json.loads(out)}["sales"]
    assert code == 0 and sales["unit"] == "money" and sales["currency"] == "GBP"
    code, out, _ = run_cli(capsys, "metrics", "--format", "csv", "--db", db)
    assert code == 0 and "money (GBP)" in out
    code, out, _ = run_cli(capsys, "metrics", "--format", "json")
    assert code == 0 and {m["id"]: m for m in json.loads(out)}["sales"]["currency"] is None


def test_awkward_customer_inputs_are_messages(db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Cohorts as of a day before any purchase; an audience file that is missing or not UTF-8."""
    code, _, err = run_cli(capsys, "customers", "cohorts", "--as-of", "1900-01-01", "--db", db)
    assert code == 1 and "No paid orders of known customers on or before 1900-01-01" in err
    code, _, err = run_cli(capsys, "customers", "audience", f"@{tmp_path / 'missing.json'}", "--db", db)
    assert code == 2 and "Cannot read the audience spec" in err
    (tmp_path / "gbk.json").write_bytes('{"name": "女装人群"}'.encode("gbk"))  # \xc8\xba is not UTF-8
    code, _, err = run_cli(capsys, "customers", "audience", f"@{tmp_path / 'gbk.json'}", "--db", db)
    assert code == 2 and "UTF-8" in err


@pytest.mark.parametrize("argv", [
    ("kpi", "-m", "sales", "--from", "2024-02-30"),
    ("kpi", "-m", "sales", "--to", "yesterday"),
    ("diagnose", "--date", "2024-13-01"),
    ("risk", "orders", "--from", "2024/01/05"),
    ("customers", "rfm", "--as-of", "31.03.2024"),
    ("service", "logistics", "--as-of", "2024-3-1x"),
    ("promo", "plan", "--target-sales", "1000", "--date", "11.11"),
    ("simulate", "--days", "1", "--end-date", "2024-02-30"),
])
def test_a_day_that_is_no_date_names_its_option(db: str, argv: tuple[str, ...],
                                                capsys: pytest.CaptureFixture[str]) -> None:
    """Every day option goes through one parser (junshi.periods.parse_day): the message names the option and
    the value, says how to write a day, in the user's language, and nothing is written."""
    code, out, err = run_cli(capsys, *argv, "--db", db)
    option = next(a for a in argv if a.startswith("--") and a not in ("--days", "--target-sales"))
    value = argv[argv.index(option) + 1]
    assert code != 0, out
    assert option in err and repr(value) in err and "YYYY-MM-DD" in err, err
    assert "Traceback" not in err
