"""RFM, cohorts and repurchase on a tiny hand-made shop whose arithmetic is written out here.

Orders (paid; as of 2024-03-31):
  A: 01-05 100 (o1), 01-05 50 (o2, same day), 02-10 80 (o3), 03-30 120 (o4) -> 4 orders, 3 purchase days, 350
  B: 01-20 30 (o5)                                                          -> 1 order, 30
  C: 02-01 500 (o6), 02-15 40 (o7)                                          -> 2 orders, 540
  D: 03-25 20 (o8)                                                          -> 1 order, 20
Not purchases: E's paid-then-cancelled order (o9), F's unpaid order (o10), a guest order (o11).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

import junshi
from junshi import Shop
from junshi.cli import main
from junshi.customers.cohorts import cohorts
from junshi.customers.repurchase import repurchase
from junshi.customers.rfm import GROUPS, rfm, rfm_groups, rfm_movement
from junshi.errors import ConfigError, MissingDataError

ORDERS = [
    # order_id, customer_id, paid_at, cancelled_at, pay_amount, source
    ("o1", "A", "2024-01-05 09:10", None, 100, "search"),
    ("o2", "A", "2024-01-05 21:00", None, 50, "search"),
    ("o3", "A", "2024-02-10 09:30", None, 80, "search"),
    ("o4", "A", "2024-03-30 09:05", None, 120, "search"),
    ("o5", "B", "2024-01-20 20:00", None, 30, "ad"),
    ("o6", "C", "2024-02-01 12:00", None, 500, "search"),
    ("o7", "C", "2024-02-15 12:30", None, 40, "search"),
    ("o8", "D", "2024-03-25 22:00", None, 20, "ad"),
    ("o9", "E", "2024-03-01 10:00", "2024-03-02 10:00", 999, "ad"),
    ("o10", "F", None, None, 999, "ad"),
    ("o11", None, "2024-03-03 10:00", None, 999, "ad"),
]
ITEMS = [
    ("o1", 1, "P1"),
    ("o1", 2, "P2"),
    ("o2", 1, "P2"),
    ("o3", 1, "P3"),
    ("o4", 1, "P1"),
    ("o5", 1, "P2"),
    ("o6", 1, "P1"),
    ("o7", 1, "P3"),
    ("o8", 1, "P3"),
]
PRODUCTS = [("P1", "cosmetics"), ("P2", "toys"), ("P3", "cosmetics")]
CUSTOMERS = [
    ("A", "f", 1990, "search"),
    ("B", "m", 1985, None),
    ("C", "f", 2000, "search"),
    ("D", "m", 1970, "ad"),
    ("G", "f", 1995, "ad"),
]


def load_tiny(shop: Shop) -> None:
    con = shop.warehouse.con
    for oid, cid, paid, cancelled, amount, source in ORDERS:
        created = paid or "2024-03-10 10:00"
        con.execute(
            "INSERT INTO orders (shop_id, order_id, customer_id, created_at, paid_at, cancelled_at, pay_amount, source)"
            " VALUES ('default', ?, ?, ?, ?, ?, ?, ?)",
            [oid, cid, created, paid, cancelled, amount, source],
        )
    for oid, line, pid in ITEMS:
        con.execute(
            "INSERT INTO order_items (shop_id, order_id, line_no, product_id, quantity, amount)"
            " VALUES ('default', ?, ?, ?, 1, 10)",
            [oid, line, pid],
        )
    for pid, cat in PRODUCTS:
        con.execute("INSERT INTO products (shop_id, product_id, category) VALUES ('default', ?, ?)", [pid, cat])
    for cid, gender, year, src in CUSTOMERS:
        con.execute(
            "INSERT INTO customers (shop_id, customer_id, gender, birth_year, acquisition_source)"
            " VALUES ('default', ?, ?, ?, ?)",
            [cid, gender, year, src],
        )


@pytest.fixture
def tiny(db_path: Path) -> Iterator[Shop]:
    with junshi.connect(db_path) as shop:
        load_tiny(shop)
        yield shop


def test_rfm_values_scores_and_groups(tiny: Shop) -> None:
    """Recency days 1, 71, 45, 6 (mean 30.75); orders 4, 1, 2, 1 (mean 2); spend 350, 30, 540, 20 (mean 235).
    A: recent, frequent, high spend -> champions; B: none -> lost; C: only high spend -> at_risk (F = 2 is
    not above the mean 2); D: only recent -> new."""
    t = rfm(tiny, "2024-03-31").set_index("customer_id")
    assert t.recency_days.to_dict() == {"A": 1, "B": 71, "C": 45, "D": 6}
    assert t.frequency.to_dict() == {"A": 4, "B": 1, "C": 2, "D": 1}
    assert t.monetary.to_dict() == {"A": 350, "B": 30, "C": 540, "D": 20}
    assert t.group.to_dict() == {"A": "champions", "B": "lost", "C": "at_risk", "D": "new"}
    assert t.loc["C", "group_zh"] == "重要挽留客户" and t.loc["A", "group_zh"] == "重要价值客户"
    # quintile scores: recency ranks A best (5) ... B worst; B and D tie on frequency and share a score
    assert t.r_score.to_dict() == {"A": 5, "B": 2, "C": 3, "D": 4}
    assert t.f_score["B"] == t.f_score["D"] < t.f_score["C"] < t.f_score["A"] == 5
    assert t.loc["A", "rfm_score"] == f"5{t.f_score['A']}{t.m_score['A']}"
    groups = rfm_groups(tiny, "2024-03-31")
    assert list(groups.group) == [g.key for g in GROUPS] and groups.customers.sum() == 4
    g = groups.set_index("group")
    assert g.customers.to_dict() == {k.key: int((t.group == k.key).sum()) for k in GROUPS}
    assert (g.loc["champions", "revenue"], g.loc["at_risk", "revenue"], g.loc["lost", "revenue"]) == (350, 540, 30)
    assert g.loc["champions", "revenue_share"] == 350 / 940 and g.loc["new", "mean_recency_days"] == 6
    assert g.loc["slipping", "mean_monetary"] is None or pd.isna(g.loc["slipping", "mean_monetary"])


def test_rfm_movement(tiny: Shop) -> None:
    """On 02-01: A (27 days, 2 orders, 150), B (12, 1, 30), C (0, 1, 500); means 13, 4/3, 226.67:
    A hibernating, B new, C promising. By 03-31 (previous test): A champions, B lost, C at_risk, D new."""
    m = rfm_movement(tiny, "2024-02-01", "2024-03-31")
    moves = {(r.from_group, r.to_group): r.customers for r in m.itertuples()}
    assert moves == {
        ("hibernating", "champions"): 1,
        ("new", "lost"): 1,
        ("promising", "at_risk"): 1,
        ("none", "new"): 1,
    }
    assert set(m.from_group_zh) >= {"新客户", "一般保持客户"}


def test_cli_tables_show_money_in_the_shops_currency_and_shares_as_percents(
        db_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The tiny shop selling in USD, on 03-31 (previous tests): champions are A alone, 1 of 4 customers (25.00%),
    $350.00 of $940.00 (37.23%); JSON keeps the raw shares."""
    with junshi.connect(db_path) as shop:
        load_tiny(shop)
        shop.configure(currency="USD")
    main(["--lang", "en", "customers", "rfm", "--as-of", "2024-03-31", "--db", str(db_path)])
    lines = capsys.readouterr().out.splitlines()
    header = next(line for line in lines if "Customers" in line)
    assert [c.strip() for c in header.split("┃")[1:-1]][:4] == ["Group", "Customers", "Share", "Revenue"]
    champions = next(line for line in lines if "Champions" in line)
    assert [c.strip() for c in champions.split("│")[1:-1]][:5] == ["Champions", "1", "25.00%", "$350.00", "37.23%"]
    main(["customers", "rfm", "--as-of", "2024-03-31", "--format", "json", "--db", str(db_path)])
    groups = {g["group"]: g for g in json.loads(capsys.readouterr().out)["groups"]}
    assert groups["champions"]["share"] == 0.25 and groups["champions"]["revenue"] == 350


def test_an_empty_churn_warning_says_how_low_the_lowest_customer_is(
        db_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Four customers fit by Pareto/NBD all keep P(active) above 99.99%: no row, and the table form says so
    (on stderr; JSON stays an empty list)."""
    with junshi.connect(db_path) as shop:
        load_tiny(shop)
        frame = shop.customers.churn("2024-03-31", 0.5, 365.0, "pareto")
    assert frame.empty and frame.attrs["lowest_p_alive"] > 0.9999
    main(["--lang", "en", "customers", "churn", "--as-of", "2024-03-31", "--db", str(db_path)])
    said = capsys.readouterr()
    assert "Churn warning" not in said.out
    assert "No customer's probability of being active is below 50% under the Pareto/NBD fit: the lowest is" in \
        " ".join(said.err.split())
    assert "100.00%" in said.err and "--model bgnbd" in said.err
    main(["customers", "churn", "--as-of", "2024-03-31", "--format", "json", "--db", str(db_path)])
    assert json.loads(capsys.readouterr().out) == []


def test_rfm_without_orders_is_a_clear_error(shop: Shop) -> None:
    with pytest.raises(MissingDataError) as err:
        rfm(shop)
    assert err.value.hint_zh
    with pytest.raises(ConfigError):
        rfm(shop, "31/03/2024")


def test_repurchase(tiny: Shop) -> None:
    """The rates are the registry's: paying buyers A, B, C, D, E (paid, cancelled later) and the guest order =
    6; A (3 days) and C (2 days) paid on two or more days: 复购率 2/6. 4 known customers with 8 purchases.
    Gaps between purchase days: A 01-05 -> 02-10 = 36, 02-10 -> 03-30 = 49; C 02-01 -> 02-15 = 14: mean 33,
    median 36."""
    r = repurchase(tiny, end="2024-03-31")
    assert (r.buyers, r.repeat_buyers, r.repurchase_rate, r.customers, r.orders) == (6, 2, pytest.approx(1 / 3), 4, 8)
    assert r.repurchase_rate == tiny.kpi("repurchase_rate", end="2024-03-31").value("repurchase_rate")
    assert (r.gaps, r.mean_days_between, r.median_days_between) == (3, 33.0, 36.0)
    assert r.order_counts == [
        {"orders": "1", "customers": 2, "share": 0.5},
        {"orders": "2", "customers": 1, "share": 0.25},
        {"orders": "4", "customers": 1, "share": 0.25},
    ]
    hist = {h["from_days"]: h["gaps"] for h in r.gap_histogram}
    assert hist[14] == 1 and hist[30] == 2 and sum(hist.values()) == 3
    # a window: February only -> A (o3), C (o6, o7): C repeats (1/2), but both had paid before a purchase of
    # the month (A in January, C on 02-01 before 02-15): 老买家占比 2/2
    feb = repurchase(tiny, "2024-02-01", "2024-02-29")
    assert (feb.buyers, feb.repeat_buyers, feb.repurchase_rate, feb.returning_buyer_share, feb.gaps) == (
        2, 1, 0.5, 1.0, 1)


def test_repurchase_counts_days_not_orders(tiny: Shop) -> None:
    """January: A paid o1 and o2 on the same day (one checkout split in two), B once: nobody repurchased
    (0 of 2), although A has two orders."""
    jan = repurchase(tiny, "2024-01-01", "2024-01-31")
    assert (jan.buyers, jan.repeat_buyers, jan.repurchase_rate, jan.orders) == (2, 0, 0.0, 3)


def test_cohorts_by_month(tiny: Shop) -> None:
    """Jan cohort = A, B: period 0 revenue 150 + 30, period 1 A's 80 (A's second purchase day), period 2
    A's 120 -> cumulative per customer 90, 130, 190. Feb cohort = C (second purchase in period 0).
    Mar cohort = D, one period."""
    c = cohorts(tiny, as_of="2024-03-31")
    c["cohort"] = c.cohort.astype(str)
    jan = c[c.cohort == "2024-01-01"].set_index("period")
    assert list(jan.customers) == [2, 2, 2]
    assert list(jan.active) == [2, 1, 1] and list(jan.active_share) == [1.0, 0.5, 0.5]
    assert list(jan.repeat_customers) == [0, 1, 1]
    assert list(jan.cum_revenue_per_customer) == [90.0, 130.0, 190.0]
    feb = c[c.cohort == "2024-02-01"].set_index("period")
    assert list(feb.repeat_share) == [1.0, 1.0] and list(feb.active) == [1, 0]
    assert list(c[c.cohort == "2024-03-01"].period) == [0]
    assert set(c.segment) == {"all"}


def test_cohorts_breakdowns_and_weeks(tiny: Shop) -> None:
    """Source: A, C 'search'; B has no acquisition source, so its first order's source 'ad'; D 'ad'.
    First product: line 1 of the first order: A P1, B P2, C P1, D P3; categories cosmetics/toys."""
    by_source = cohorts(tiny, as_of="2024-03-31", by="source")
    sizes = by_source[by_source.period == 0].groupby("segment").customers.sum().to_dict()
    assert sizes == {"search": 2, "ad": 2}
    by_product = cohorts(tiny, as_of="2024-03-31", by="first_product")
    assert by_product[by_product.period == 0].groupby("segment").customers.sum().to_dict() == {
        "P1": 2,
        "P2": 1,
        "P3": 1,
    }
    by_cat = cohorts(tiny, as_of="2024-03-31", by="first_category")
    assert by_cat[by_cat.period == 0].groupby("segment").customers.sum().to_dict() == {"cosmetics": 3, "toys": 1}
    weeks = cohorts(tiny, period="week", as_of="2024-03-31")
    # A's week starts Mon 2024-01-01; 02-10 is in the week of 02-05 = 5 weeks later
    a_week = weeks[weeks.cohort.astype(str) == "2024-01-01"].set_index("period")
    assert a_week.loc[5, "active"] == 1 and a_week.loc[0, "customers"] == 1
    with pytest.raises(ConfigError):
        cohorts(tiny, by="colour")  # type: ignore[arg-type]  # the error path for bad input from a face
    assert isinstance(weeks, pd.DataFrame)


def _cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    from junshi.cli import main

    try:
        main(argv)
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    return code, capsys.readouterr().out


def test_cli_faces(db_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Every ``junshi customers`` command runs on the tiny shop in each format and agrees with the API."""
    with junshi.connect(db_path) as shop:
        load_tiny(shop)
    db = ["--db", str(db_path)]
    code, out = _cli(
        ["customers", "rfm", "--as-of", "2024-03-31", "--movement-from", "2024-02-01", "--format", "json", *db], capsys
    )
    data = json.loads(out)
    assert code == 0 and {g["group"]: g["customers"] for g in data["groups"]}["champions"] == 1
    assert {(m["from_group"], m["to_group"]) for m in data["movement"]} >= {("none", "new")}
    code, out = _cli(["customers", "repurchase", "--end", "2024-03-31", "--format", "json", *db], capsys)
    assert code == 0 and json.loads(out)["repurchase_rate"] == pytest.approx(1 / 3)
    code, out = _cli(["customers", "cohorts", "--as-of", "2024-03-31", "--format", "csv", *db], capsys)
    assert code == 0 and out.splitlines()[0].startswith("segment,cohort,period,customers")
    code, out = _cli(["--lang", "zh", "customers", "rfm", "--as-of", "2024-03-31", *db], capsys)
    assert code == 0 and "重要价值客户" in out
    spec = json.dumps(
        {"name": "f", "conditions": [{"kind": "attribute", "column": "gender", "op": "==", "value": "f"}]}
    )
    code, out = _cli(["customers", "audience", spec, "--format", "json", *db], capsys)
    assert code == 0 and json.loads(out)["size"] == 3
    code, _ = _cli(["customers", "audience", "{not json", *db], capsys)
    assert code == 2
    code, _ = _cli(["customers", "rfm", "--format", "yaml", *db], capsys)
    assert code == 2


def test_purchase_days_kept_until_the_next_load(tiny: Shop) -> None:
    """RFM groups and repurchase read the purchase days once per data version: a load (its rollup refresh)
    shows at once. As of 03-31, D (one order, 20) is 'new'; with a second order of D on 03-31 (500), D is recent
    (0 days < mean 117/4), not frequent (2 orders < mean 9/4) and big (520 > mean 1440/4): 'promising'."""
    from junshi import rollup
    from junshi.customers.ledger import purchase_days

    before = rfm_groups(tiny, "2024-03-31").set_index("group").customers
    assert before["new"] == 1 and before["promising"] == 0
    with tiny.warehouse.transaction() as con:
        rollup.refresh(con, "default", ["orders"])
    assert purchase_days(tiny) is purchase_days(tiny)  # kept: the rollups are built
    assert rfm_groups(tiny, "2024-03-31").set_index("group").customers.equals(before)
    with tiny.warehouse.transaction() as con:
        con.execute("INSERT INTO orders (shop_id, order_id, customer_id, created_at, paid_at, pay_amount) VALUES "
                    "('default', 'o12', 'D', '2024-03-31 10:00', '2024-03-31 10:00', 500)")
        rollup.refresh(con, "default", ["orders"])
    assert rollup.stamp(tiny.warehouse.con, "default") is not None
    after = rfm_groups(tiny, "2024-03-31").set_index("group").customers
    assert after["new"] == 0 and after["promising"] == 1
    assert repurchase(tiny, end="2024-03-31").orders == 9
