"""What a test's readout needs of its visitors, as exact integer sums per arm (``junshi.marketing.abtest``).

Per arm: the visitors, and over them the sums, sums of squares and cross products of their outcomes (visits,
paid orders, sales in cents, converted) and of the pre-period's; per arm and day of the period: the visitors who
entered, the visitors who first paid, the sales, and the growth of the sum of squares of each visitor's sales so
far (for the always-valid p-values). Means, variances and covariances follow exactly (integers and fractions,
rounded once), so the readout does not depend on the order rows are added in.

The sums come from ``rollup_plan_visitors`` in one DuckDB query (:func:`stored_sums`: only integers leave the
warehouse), or from the visitor-day rows of the raw visits (:func:`frame_sums`).
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import duckdb
    import pandas as pd

VARIABLES = ("converted", "revenue", "orders", "visits", "pre_converted", "pre_revenue")
"""The readout's per-visitor variables (tea-tasting's column names); revenue in cents until scaled."""
SCALE = {"revenue": 100, "pre_revenue": 100}
"""Divisors from the stored integers to the variables (cents to the shop's currency)."""
DAILY = ("entered", "conversion", "revenue", "revenue_sq")
"""Per arm and day: visitors entered, visitors who first paid, sales (cents), growth of the sum over visitors of
their sales so far squared (cents^2)."""
PAIRS = tuple(itertools.combinations_with_replacement(VARIABLES, 2))


@dataclass(frozen=True)
class ArmSums:
    """One arm: its visitors, those with a visit in the pre-period, Σx per variable and Σxy per pair."""

    n: int
    with_pre: int
    sums: dict[str, int]
    products: dict[tuple[str, str], int]

    def aggregates(self) -> Any:
        """tea-tasting's Aggregates (count, means, sample variances and covariances), each rounded once."""
        from tea_tasting.aggr import Aggregates

        n = self.n

        def mean(v: str) -> Fraction:
            return Fraction(self.sums[v], n * SCALE.get(v, 1))

        def cov(a: str, b: str) -> float:
            if n < 2:
                return float("nan")
            scale = SCALE.get(a, 1) * SCALE.get(b, 1)
            centred = Fraction(self.products[(a, b)]) - Fraction(self.sums[a] * self.sums[b], n)
            return float(centred / (scale * (n - 1)))

        return Aggregates(count_=n, mean_={v: float(mean(v)) for v in VARIABLES},
                          var_={v: cov(v, v) for v in VARIABLES}, cov_={(a, b): cov(a, b) for a, b in PAIRS if a != b})


@dataclass(frozen=True)
class TestSums:
    """A test's sums: per arm (0 control, 1 treatment), the visitors who saw both, and the daily series
    (``daily[name][arm][k]``: day k of the period)."""

    arms: dict[int, ArmSums]
    mixed: int
    daily: dict[str, tuple[list[int], list[int]]]


def _empty_arm() -> ArmSums:
    return ArmSums(0, 0, dict.fromkeys(VARIABLES, 0), dict.fromkeys(PAIRS, 0))


def _sum_sql() -> str:
    sums = ", ".join(f"sum({v}) AS \"{v}\"" for v in VARIABLES)
    products = ", ".join(f"sum(CAST({a} AS HUGEINT) * {b}) AS \"{a}*{b}\"" for a, b in PAIRS)
    return f"{sums}, {products}"


def stored_sums(con: duckdb.DuckDBPyConnection, shop_id: str, control: str, treatment: str, start: dt.date,
                end: dt.date, pre_days: int) -> TestSums:
    """The sums of the test of plans ``control`` and ``treatment`` from ``rollup_plan_visitors``: a visitor's
    first day is the tail of their earliest plan row of the two, later days and the pre-period whole days.

    Most test visitors have only that first row, so only the others' rows are grouped per visitor (``rest``) and
    joined to it: grouping every test visitor's rows, as before, took 3.2 s of 30 days at 104M events, this 1.9 s.
    A mixed visitor (both plans) is one whose rows' ``campaign = treatment`` differ, not a count of distinct plans,
    which grouped the rows a second time; a boolean, not the plan's name, as min and max of names (strings longer
    than DuckDB inlines) made that grouping twice as slow (0.5 s of 30 days at 104M events)."""
    from junshi.rollup.tables import PLAN_VISITORS

    sql = f"""
WITH arm AS (SELECT visitor, min(date) AS d0, min(campaign = $treatment) <> max(campaign = $treatment) AS mixed,
               CAST(max(campaign = $treatment) AS INTEGER) AS variant, arg_min(visits, first_at) AS visits,
               arg_min(orders, first_at) AS orders, arg_min(cents, first_at) AS cents FROM {PLAN_VISITORS.name}
        WHERE shop_id = $shop AND date BETWEEN $start AND $end AND campaign IN ($control, $treatment)
        GROUP BY visitor),
first AS MATERIALIZED (
        SELECT visitor, variant, CAST(d0 - $start AS INTEGER) AS day, visits, orders, cents FROM arm WHERE NOT mixed),
other AS MATERIALIZED (
        SELECT r.visitor, f.variant, CAST(r.date - $start AS INTEGER) AS day, r.visits, r.orders, r.cents
        FROM {PLAN_VISITORS.name} r JOIN first f ON f.visitor = r.visitor
        WHERE r.shop_id = $shop AND r.date BETWEEN $pre AND $end AND r.campaign IS NULL
        AND (r.date < $start OR r.date - $start > f.day)),
rest AS (SELECT visitor, sum(visits) FILTER (day >= 0) AS visits, sum(orders) FILTER (day >= 0) AS orders,
                sum(cents) FILTER (day >= 0) AS cents, sum(visits) FILTER (day < 0) AS pre_visits,
                sum(orders) FILTER (day < 0) AS pre_orders, sum(cents) FILTER (day < 0) AS pre_revenue
         FROM other GROUP BY visitor),
units AS (SELECT *, CAST(orders > 0 AS INTEGER) AS converted
          FROM (SELECT f.variant, f.visits + coalesce(r.visits, 0) AS visits,
                       f.orders + coalesce(r.orders, 0) AS orders,
                       f.cents + coalesce(r.cents, 0) AS revenue, coalesce(r.pre_visits, 0) AS pre_visits,
                       coalesce(r.pre_revenue, 0) AS pre_revenue,
                       CAST(coalesce(r.pre_orders, 0) > 0 AS INTEGER) AS pre_converted
                FROM first f LEFT JOIN rest r USING (visitor))),
post AS (SELECT * FROM first UNION ALL SELECT * FROM other WHERE day >= 0),
paid AS (SELECT variant, day, cents, coalesce(sum(cents) OVER (PARTITION BY visitor ORDER BY day
                ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS before FROM post WHERE cents <> 0)
SELECT 'arm' AS kind, variant, count(*) AS n, count(*) FILTER (pre_visits > 0) AS with_pre, {_sum_sql()}
FROM units GROUP BY variant
UNION ALL BY NAME SELECT 'mixed' AS kind, count(*) AS n FROM arm WHERE mixed
UNION ALL BY NAME SELECT 'entered' AS kind, variant, day, count(*) AS n FROM first GROUP BY ALL
UNION ALL BY NAME SELECT 'conversion' AS kind, variant, day, count(*) AS n
FROM (SELECT variant, min(day) AS day FROM post WHERE orders > 0 GROUP BY visitor, variant) GROUP BY ALL
UNION ALL BY NAME SELECT 'revenue' AS kind, variant, day, sum(cents) AS n FROM paid GROUP BY ALL
UNION ALL BY NAME SELECT 'revenue_sq' AS kind, variant, day,
    sum(2 * CAST(before AS HUGEINT) * cents + CAST(cents AS HUGEINT) * cents) AS n FROM paid GROUP BY ALL"""
    params = {"shop": shop_id, "control": control, "treatment": treatment, "start": start, "end": end,
              "pre": start - dt.timedelta(days=pre_days)}
    cursor = con.execute(sql, params)
    names = [d[0] for d in cursor.description]
    n_days = (end - start).days + 1
    arms = {0: _empty_arm(), 1: _empty_arm()}
    daily = {name: ([0] * n_days, [0] * n_days) for name in DAILY}
    mixed = 0
    for values in cursor.fetchall():
        row = dict(zip(names, values, strict=True))
        if row["kind"] == "arm":
            arms[row["variant"]] = ArmSums(int(row["n"]), int(row["with_pre"]),
                                           {v: int(row[v]) for v in VARIABLES},
                                           {(a, b): int(row[f"{a}*{b}"]) for a, b in PAIRS})
        elif row["kind"] == "mixed":
            mixed = int(row["n"])
        else:
            daily[row["kind"]][row["variant"]][row["day"]] = int(row["n"])
    return TestSums(arms, mixed, daily)


def _dot(a: np.ndarray, b: np.ndarray) -> int:
    """Σ a·b of two integer arrays, exactly (Python integers where int64 could overflow)."""
    bound = float(np.abs(a).max(initial=0)) * float(np.abs(b).max(initial=0)) * len(a)
    if bound < 2.0**62:
        return int(np.dot(a.astype(np.int64), b.astype(np.int64)))
    keep = (a != 0) & (b != 0)
    return sum(int(x) * int(y) for x, y in zip(a[keep].tolist(), b[keep].tolist(), strict=True))


def _within(values: np.ndarray, first: np.ndarray) -> np.ndarray:
    """Running sums of ``values`` within runs of rows (``first`` marks each run's first row)."""
    total = np.cumsum(values)
    before = (total - values)[first]
    out: np.ndarray = total - before[np.cumsum(first) - 1]
    return out


def frame_sums(days: pd.DataFrame, n_days: int) -> TestSums:
    """The sums from visitor-day rows (``abtest.visitor_days``: visitor, variant, day, visits, orders, cents)."""
    d = days[days["variant"] >= 0]
    post = d[d["day"] >= 0].sort_values(["visitor", "day"])
    pre = d[d["day"] < 0].groupby("visitor")[["visits", "orders", "cents"]].sum()
    units = post.groupby("visitor").agg(variant=("variant", "first"), first=("day", "min"), visits=("visits", "sum"),
                                        orders=("orders", "sum"), revenue=("cents", "sum"))
    units = units.join(pre.add_prefix("pre_"), how="left").fillna(0)
    columns = {"converted": (units["orders"] > 0), "revenue": units["revenue"], "orders": units["orders"],
               "visits": units["visits"], "pre_converted": (units["pre_orders"] > 0),
               "pre_revenue": units["pre_cents"]}
    values = {k: np.asarray(v, dtype=np.int64) for k, v in columns.items()}
    variant = units["variant"].to_numpy()
    arms = {}
    for g in (0, 1):
        x = {k: v[variant == g] for k, v in values.items()}
        arms[g] = ArmSums(int((variant == g).sum()), int((units["pre_visits"].to_numpy()[variant == g] > 0).sum()),
                          {k: int(v.sum()) for k, v in x.items()}, {(a, b): _dot(x[a], x[b]) for a, b in PAIRS})
    visitor = post["visitor"].to_numpy()
    first = np.ones(len(post), dtype=bool)
    first[1:] = visitor[1:] != visitor[:-1]
    day, arm = post["day"].to_numpy(dtype=np.int64), post["variant"].to_numpy(dtype=np.int64)
    cents = post["cents"].to_numpy(dtype=np.int64)
    paid = (post["orders"].to_numpy() > 0).astype(np.int64)
    before = _within(cents, first) - cents  # the visitor's cents on their earlier days
    first_paid = (paid > 0) & (_within(paid, first) == 1)
    daily: dict[str, tuple[list[int], list[int]]] = {name: ([0] * n_days, [0] * n_days) for name in DAILY}
    for name, rows, weight in (("entered", first, np.ones_like(cents)), ("conversion", first_paid, paid),
                               ("revenue", cents != 0, cents)):
        for g in (0, 1):
            keep = rows & (arm == g)
            total = np.zeros(n_days, dtype=np.int64)
            np.add.at(total, day[keep], weight[keep])  # int64: exact (counts and cents)
            daily[name][g][:] = total.tolist()
    keep = cents != 0  # the squares in Python integers: a day's sum of cents^2 could pass int64
    for k, g, b, c in zip(day[keep].tolist(), arm[keep].tolist(), before[keep].tolist(), cents[keep].tolist(),
                          strict=True):
        daily["revenue_sq"][g][k] += 2 * b * c + c * c
    return TestSums(arms, int(days.loc[days["variant"] < 0, "visitor"].nunique()), daily)
