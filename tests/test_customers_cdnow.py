"""The customer summary, lifetime-value fit, holdout validation and churn ranking on real data:
the CDNOW sample (published results of Fader, Hardie & Lee 2005) and UCI Online Retail."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import junshi
from junshi import Shop
from junshi.cli import main
from junshi.customers import customer_summary, fit_clv, validate
from junshi.customers.clv import churn_warning, predict
from junshi.errors import ConfigError

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
CDNOW = DATA / "cdnow"


def _insert_orders(shop: Shop, frame: pd.DataFrame) -> None:
    """Write (order_id, customer_id, paid_at, pay_amount) rows as paid orders through the warehouse upsert."""
    con = shop.warehouse.con
    con.register("_src", frame)
    con.execute("""CREATE OR REPLACE TEMP VIEW _orders AS SELECT 'default' AS shop_id, order_id, customer_id,
        paid_at AS created_at, paid_at, CAST(NULL AS TIMESTAMP) AS cancelled_at, pay_amount::DECIMAL(18,2) AS pay_amount
        FROM _src""")
    con.execute("CREATE OR REPLACE TEMP TABLE _full AS SELECT * FROM orders WHERE false")
    con.execute("INSERT INTO _full BY NAME SELECT * FROM _orders")
    with shop.warehouse.transaction() as tx:
        shop.warehouse.upsert(tx, "orders", "_full")
    con.unregister("_src")


@pytest.fixture(scope="module")
def cdnow(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Shop]:
    """The CDNOW sample (no header: master id, sample id, date, CDs, dollars), one order per row."""
    raw = pd.read_csv(
        CDNOW / "CDNOW_sample.txt",
        sep=r"\s+",
        header=None,
        names=["mid", "cid", "date", "cds", "usd"],
        dtype={"mid": str, "cid": str, "date": str},
    )
    frame = pd.DataFrame(
        {
            "order_id": [f"r{i}" for i in range(len(raw))],
            "customer_id": raw.cid.astype(int).astype(str),
            "paid_at": pd.to_datetime(raw.date, format="%Y%m%d"),
            "pay_amount": raw.usd,
        }
    )
    with junshi.connect(tmp_path_factory.mktemp("cdnow") / "cdnow.duckdb") as shop:
        _insert_orders(shop, frame)
        yield shop


def test_summary_reproduces_the_published_summary(cdnow: Shop) -> None:
    """6,919 rows -> 6,696 customer-days; the 39-week summary equals cdnow_customers_summary.csv
    (weeks, rounded to 0.01 there); mean repeat spend equals zbar to the cent; 1,882 holdout days."""
    s = customer_summary(cdnow.table("orders"), "1997-09-30", holdout_end="1998-06-30")
    assert len(s) == 2357
    assert int(s.purchase_days.sum() + s.holdout_purchases.sum()) == 6696
    assert int(s.holdout_purchases.sum()) == 1882
    ref = pd.read_csv(CDNOW / "cdnow_customers_summary_with_transactions.csv")
    s["ID"] = s.customer_id.astype(int)
    m = ref.merge(s, on="ID")
    assert len(m) == 2357
    assert (m.x == m.frequency).all()
    np.testing.assert_allclose(m.recency.round(2), m.t_x, atol=1e-9)
    np.testing.assert_allclose(m.T_y.round(2), m.T_x, atol=1e-9)
    assert np.abs(m.monetary_value - m.zbar).max() <= 0.005 + 1e-9


def test_fit_on_raw_transactions_reproduces_published_parameters(cdnow: Shop) -> None:
    """From the raw transactions (unrounded times and spend) every published value is reproduced to its precision."""
    fit = fit_clv(cdnow.table("orders"), "1997-09-30", pareto=True)
    d = fit.to_dict()
    assert {k: round(d["bgnbd"][k], 3) for k in ("r", "alpha", "a", "b")} == {
        "r": 0.243,
        "alpha": 4.414,
        "a": 0.793,
        "b": 2.426,
    }
    assert round(d["bgnbd"]["loglik"], 1) == -9582.4
    assert {k: round(d["pareto_nbd"][k], 3) for k in ("r", "alpha", "s", "beta")} == {
        "r": 0.553,
        "alpha": 10.578,
        "s": 0.606,
        "beta": 11.669,
    }
    assert round(d["pareto_nbd"]["loglik"], 1) == -9595.0
    assert {k: round(d["gamma_gamma"][k], 2) for k in ("p", "q", "gamma")} == {"p": 6.25, "q": 3.74, "gamma": 15.44}
    assert (d["customers"], d["repeat_customers"]) == (2357, 946)
    json.dumps(d)  # JSON-ready


def test_validation_report(cdnow: Shop) -> None:
    """39-week holdout: 1,882 actual repeat days; correlation 0.626 (FHL 2005); buckets add up."""
    v = validate(cdnow.table("orders"), "1997-09-30", "1998-06-30")
    assert v.actual_total == 1882 and round(v.correlation, 3) == 0.626
    assert [r.frequency for r in v.by_frequency] == list(range(8)) and v.by_frequency[-1].label == "7+"
    assert sum(r.customers for r in v.by_frequency) == 2357
    assert sum(r.actual for r in v.by_frequency) == 1882
    assert sum(r.predicted for r in v.by_frequency) == pytest.approx(v.predicted_total)
    # FHL's Figure: the 0-frequency group is predicted well (within 10%)
    zero = v.by_frequency[0]
    assert abs(zero.predicted - zero.actual) / zero.actual < 0.1
    auc = v.churn_auc
    # measured: BG/NBD expected purchases 0.773, Pareto/NBD 0.779, recency rule 0.771; BG/NBD P(alive)
    # alone ranks badly (0.316): it is 1 for every one-time buyer by construction
    assert auc["pareto_expected_purchases"] > auc["recency_rule"] > 0.75
    assert auc["bgnbd_p_alive"] < 0.5


def test_predictions_and_churn_warning(cdnow: Shop) -> None:
    fit = fit_clv(cdnow.table("orders"), "1997-09-30", pareto=True)
    pred = predict(fit, horizon_days=39 * 7)
    assert pred.expected_purchases.sum() == pytest.approx(1653.4, abs=0.1)  # the validation total
    np.testing.assert_allclose(pred.expected_value, pred.expected_purchases * pred.expected_spend)
    assert (pred.expected_next_purchase > pd.Timestamp("1997-09-30")).all()
    warn = churn_warning(fit, threshold=0.3)
    assert (warn.p_alive < 0.3).all() and warn.value_at_stake.is_monotonic_decreasing
    assert len(warn) > 0 and (warn.frequency == 0).any()  # Pareto/NBD also flags one-time buyers
    bg = churn_warning(fit, threshold=0.3, model="bgnbd")
    assert (bg.frequency > 0).all()
    with pytest.raises(ConfigError):
        churn_warning(fit, threshold=1.5)
    with pytest.raises(ConfigError):
        predict(fit, horizon_days=0)


def _run(argv: list[str]) -> int:
    """Run the CLI in-process; the exit code (0 when it returns normally)."""
    try:
        main(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0


def test_cli_clv_and_validate_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The CLI path: ingest with the cdnow preset, then clv / validate as JSON, and a bad holdout end."""
    db = str(tmp_path / "c.duckdb")
    assert _run(["ingest", str(CDNOW / "CDNOW_sample.txt"), "--preset", "cdnow", "--db", db, "--format", "json"]) == 0
    capsys.readouterr()
    assert _run(["customers", "clv", "--calibration-end", "1997-09-30", "--format", "json", "--db", db]) == 0
    data = json.loads(capsys.readouterr().out)
    assert round(data["bgnbd"]["r"], 3) == 0.243 and round(data["gamma_gamma"]["gamma"], 2) == 15.44
    assert set(data["bgnbd"]) >= {"r", "alpha", "a", "b", "loglik"} and set(data["gamma_gamma"]) >= {
        "p",
        "q",
        "gamma",
        "loglik",
    }
    assert (
        _run(
            [
                "customers",
                "validate",
                "--calibration-end",
                "1997-09-30",
                "--holdout-end",
                "1998-06-30",
                "--format",
                "json",
                "--db",
                db,
            ]
        )
        == 0
    )
    v = json.loads(capsys.readouterr().out)
    assert round(v["correlation"], 3) == 0.626
    assert set(v["by_frequency"][0]) >= {"frequency", "customers", "actual", "predicted"}
    assert (
        _run(["customers", "validate", "--calibration-end", "1997-09-30", "--holdout-end", "1997-01-01", "--db", db])
        == 2
    )
    assert "holdout" in capsys.readouterr().err
    assert _run(["customers", "churn", "--as-of", "31/12/1997", "--db", db]) == 2
    assert "YYYY-MM-DD" in capsys.readouterr().err


def test_online_retail_churn_ranking(tmp_path: Path) -> None:
    """UCI Online Retail: invoices (not cancelled, positive) of known customers; calibration to 2011-06-30,
    holdout to 2011-12-09. The model scores rank "bought again" at least as well as the recency rule.
    (Both models put dropout at the boundary here, a -> 0 / s -> 0: seven months do not identify it.)"""
    import duckdb

    csv = DATA / "online_retail" / "online_retail_2010-12-01_2011-12-09.csv"
    frame = duckdb.execute(f"""
        SELECT InvoiceNo AS order_id, CAST(CAST(CustomerID AS DOUBLE) AS BIGINT)::VARCHAR AS customer_id,
               min(InvoiceDate)::TIMESTAMP AS paid_at, sum(Quantity * UnitPrice) AS pay_amount
        FROM read_csv('{csv}', header = true, all_varchar = false)
        WHERE CustomerID IS NOT NULL AND NOT starts_with(InvoiceNo, 'C') AND NOT starts_with(InvoiceNo, 'A')
        GROUP BY 1, 2 HAVING sum(Quantity * UnitPrice) > 0""").df()
    with junshi.connect(tmp_path / "or.duckdb") as shop:
        _insert_orders(shop, frame)
        v = validate(shop.table("orders"), "2011-06-30", "2011-12-09")
    auc = v.churn_auc
    assert v.customers == 2960 and v.correlation > 0.8
    # measured: expected purchases 0.726 (both models), frequency rule 0.717, recency rule 0.678, Pareto/NBD
    # P(alive) 0.662; correlation 0.824
    assert auc["bgnbd_expected_purchases"] > auc["frequency_rule"] > auc["recency_rule"] > 0.6
    assert auc["pareto_expected_purchases"] > auc["recency_rule"]
