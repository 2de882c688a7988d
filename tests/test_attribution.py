"""Multi-touch attribution (junshi.marketing.attribution) against independent implementations written here:
exact arithmetic on a tiny hand-made shop, a direct absorbing-chain solve for the Markov removal effects, the
Shapley formula over every coalition, and a plain per-path Python loop on the demo shop."""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections import defaultdict
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest

from junshi import Shop, connect, rollup
from junshi.marketing.attribution import MODELS, POSITION_MODELS, attribute, compare
from junshi.warehouse import writable
from tiny_shop import insert

D = dt.date(2024, 6, 1)
START, END = D, dt.date(2024, 6, 10)


def _t(day: int, hour: int = 10) -> dt.datetime:
    return dt.datetime(2024, 6, day, hour)


# visitor, visit, day, hour, source; then paid orders (visit, pay_amount) and one unpaid order
VISITS = [
    ("A", "a0", 31, 10, "搜索"),  # 05-31: before the period (day 31 of May, written below)
    ("A", "a1", 1, 10, "搜索"), ("A", "a2", 2, 10, "直通车"), ("A", "a3", 3, 10, "搜索"),
    ("A", "a4", 4, 10, "直接访问"), ("A", "a5", 5, 10, "钻展"),
    ("B", "b1", 2, 9, "直通车"), ("B", "b2", 2, 12, "直通车"), ("B", "b3", 6, 9, "搜索"),
    ("C", "c1", 7, 10, "钻展"), ("C", "c2", 8, 10, "搜索"),
]
PAID = [("OA1", "a4", "100"), ("OB1", "b2", "60"), ("OB2", "b2", "40"), ("OB3", "b3", "50"), ("OA0", "a0", "30")]
UNPAID = [("OC1", "c2", "80")]


def _when(day: int, hour: int) -> dt.datetime:
    return dt.datetime(2024, 5, 31, hour) if day == 31 else _t(day, hour)


def _write_tiny(shop: Shop) -> None:
    sessions = [{"shop_id": "default", "session_id": s, "visitor_id": v, "started_at": _when(d, h), "source": src,
                 "medium": "direct" if src == "直接访问" else "organic"} for v, s, d, h, src in VISITS]
    start_of = {s: _when(d, h) for _v, s, d, h, _src in VISITS}
    visitor_of = {s: v for v, s, *_ in VISITS}
    orders = [{"shop_id": "default", "order_id": o, "visitor_id": visitor_of[s], "session_id": s,
               "created_at": start_of[s], "paid_at": start_of[s] if paid else None, "pay_amount": Decimal(a)}
              for rows, paid in ((PAID, True), (UNPAID, False)) for o, s, a in rows]
    with writable(shop.warehouse).transaction() as con:
        insert(shop, "sessions", sessions)
        insert(shop, "orders", orders)
        rollup.refresh(con, "default", ["sessions", "orders"])


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Shop]:
    """Paths in the period 06-01 .. 06-10 (a0 and its order OA0 lie before it; OC1 is never paid):

    A: [搜索, 直通车, 搜索, 直接访问] -> OA1 (100), then [钻展] without conversion
    B: [直通车, 直通车] -> OB1 + OB2 (2 conversions, 100), then [搜索] -> OB3 (50)
    C: [钻展, 搜索] without conversion
    Totals: 4 paid orders, 250.
    """
    with connect(tmp_path_factory.mktemp("tiny") / "shop.duckdb") as shop:
        _write_tiny(shop)
        yield shop


def _credit(shop: Shop, model: str, **kw: float) -> dict[str | None, tuple[float, float]]:
    res = attribute(shop, model=model, start=START, end=END, **kw)
    assert res.total_conversions == 4 and res.total_value == Decimal("250.00")
    assert sum(c.conversions for c in res.channels) == 4
    assert sum(c.value for c in res.channels) == Decimal("250.00")
    return {c.channel: (float(c.conversions), float(c.value)) for c in res.channels if c.conversions or c.value}


def _close(got: dict[str | None, tuple[float, float]], want: dict[str, tuple[float, float]]) -> None:
    assert set(got) == set(want), (got, want)
    for ch, (conv, value) in want.items():
        assert got[ch][0] == pytest.approx(conv, abs=1e-6), ch
        assert got[ch][1] == pytest.approx(value, abs=0.01), ch


def test_first_last_and_last_non_direct(tiny: Shop) -> None:
    """first: A -> 搜索 (1, 100), B1 -> 直通车 (2, 100), B2 -> 搜索 (1, 50).
    last: A -> 直接访问 (1, 100), B1 -> 直通车, B2 -> 搜索.
    last_non_direct: A's last visit not from a direct source is a3 搜索: 搜索 (2, 150), 直通车 (2, 100)."""
    _close(_credit(tiny, "first"), {"搜索": (2, 150), "直通车": (2, 100)})
    _close(_credit(tiny, "last"), {"直接访问": (1, 100), "直通车": (2, 100), "搜索": (1, 50)})
    _close(_credit(tiny, "last_non_direct"), {"直通车": (2, 100), "搜索": (2, 150)})


def test_linear_position_and_shapley(tiny: Shop) -> None:
    """linear: A's 4 visits 1/4 each: 搜索 2/4, 直通车 1/4, 直接访问 1/4 (x 100 for value); B1 直通车 2 (100);
    B2 搜索 1 (50). 搜索 1.5 / 100, 直通车 2.25 / 125, 直接访问 0.25 / 25.
    position: A (4 visits) 0.4 搜索, 0.1 直通车, 0.1 搜索, 0.4 直接访问; B1 0.5 + 0.5 直通车; B2 all 搜索:
    搜索 1.5 / 100, 直通车 2.1 / 110, 直接访问 0.4 / 40.
    shapley: A's distinct channels {搜索, 直通车, 直接访问} 1/3 each: 搜索 4/3 / 83.33, 直通车 7/3 / 133.33,
    直接访问 1/3 / 33.33 (cents by largest remainder: the three add up to 250.00)."""
    _close(_credit(tiny, "linear"), {"搜索": (1.5, 100), "直通车": (2.25, 125), "直接访问": (0.25, 25)})
    _close(_credit(tiny, "position"), {"搜索": (1.5, 100), "直通车": (2.1, 110), "直接访问": (0.4, 40)})
    _close(_credit(tiny, "shapley"), {"搜索": (4 / 3, 50 + 100 / 3), "直通车": (7 / 3, 100 + 100 / 3),
                                      "直接访问": (1 / 3, 100 / 3)})


def test_time_decay(tiny: Shop) -> None:
    """A's visits are 3, 2, 1 and 0 days before its order: weights 2^(-d/h) normalised; B1's are 3 hours and
    0 before (both 直通车); B2 one visit."""
    for h in (7.0, 1.0):
        w = [2 ** (-d / h) for d in (3, 2, 1, 0)]
        a = [x / sum(w) for x in w]
        want = {"搜索": (a[0] + a[2] + 1, 100 * (a[0] + a[2]) + 50), "直通车": (a[1] + 2, 100 * a[1] + 100),
                "直接访问": (a[3], 100 * a[3])}
        _close(_credit(tiny, "time_decay", half_life_days=h), want)


def _markov_effects(paths: list[tuple[list[str], float]]) -> dict[str, float]:
    """Removal effects by the textbook absorbing chain: canonical form, fundamental matrix N = (I - Q)^-1 (the
    expected visits to each state from START), expected reward N r with r the reward a conversion out of a state
    brings per transition out of it; removing a channel redirects every transition into it to NULL. A path is
    its channels and its reward (0: no conversion)."""
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    reward: dict[str, float] = defaultdict(float)
    for channels, value in paths:
        seq = ["START", *channels, "CONV" if value else "NULL"]
        for a, b in itertools.pairwise(seq):
            counts[a][b] += 1
        reward[channels[-1]] += value
    channels = sorted({c for p, _ in paths for c in p})

    def expected(removed: str | None) -> float:
        states = ["START", *[c for c in channels if c != removed]]
        q = np.zeros((len(states), len(states)))
        r = np.zeros(len(states))
        for i, a in enumerate(states):
            total = sum(counts[a].values())
            r[i] = reward[a] / total
            for b, n in counts[a].items():
                if b not in ("CONV", "NULL", removed):
                    q[i, states.index(b)] += n / total
        return float((np.linalg.inv(np.eye(len(states)) - q) @ r)[0])

    base = expected(None)
    return {c: 1 - expected(c) / base for c in channels}


def test_markov_removal_effects_match_a_direct_solve(tiny: Shop) -> None:
    """Paths as in the fixture; each channel's conversions = 4 x its removal effect on the expected orders / the
    sum of them, its value = 250 x its removal effect on the expected sales / the sum of those."""
    chains = [["搜索", "直通车", "搜索", "直接访问"], ["钻展"], ["直通车", "直通车"], ["搜索"], ["钻展", "搜索"]]
    by_orders = _markov_effects(list(zip(chains, [1, 0, 2, 1, 0], strict=True)))
    by_sales = _markov_effects(list(zip(chains, [100, 0, 100, 50, 0], strict=True)))
    assert all(e > 0 for e in by_orders.values()) and by_orders != by_sales
    n, v = sum(by_orders.values()), sum(by_sales.values())
    _close(_credit(tiny, "markov"), {c: (4 * by_orders[c] / n, 250 * by_sales[c] / v) for c in by_orders})
    again = attribute(tiny, model="markov", start=START, end=END)
    assert again == attribute(tiny, model="markov", start=START, end=END)  # deterministic


def test_shapley_is_the_shapley_value_of_the_coalition_game() -> None:
    """Three channels x, y, z and converting paths with channel sets {x}: 3, {x, y}: 2, {y, z}: 1, {x, y, z}: 1
    (7 conversions); worth v(S) = conversions of the paths whose channels all lie in S. By hand:
    x = 3 + 2/2 + 1/3 = 4.333, y = 2/2 + 1/2 + 1/3 = 1.833, z = 1/2 + 1/3 = 0.833. The full Shapley formula
    over every ordering gives the same, and so does the warehouse on a shop with those paths."""
    sets = {frozenset("x"): 3, frozenset("xy"): 2, frozenset("yz"): 1, frozenset("xyz"): 1}

    def worth(coalition: frozenset[str]) -> float:
        return float(sum(n for s, n in sets.items() if s <= coalition))

    players = ["x", "y", "z"]
    phi = dict.fromkeys(players, 0.0)
    for order in itertools.permutations(players):
        seen: frozenset[str] = frozenset()
        for p in order:
            phi[p] += (worth(seen | {p}) - worth(seen)) / math.factorial(3)
            seen = seen | {p}
    assert phi == pytest.approx({"x": 3 + 1 + 1 / 3, "y": 1 + 0.5 + 1 / 3, "z": 0.5 + 1 / 3})
    assert sum(phi.values()) == pytest.approx(7)


def test_shapley_in_the_warehouse_matches_the_coalition_game(shop: Shop) -> None:
    """The same paths as above (x = 搜索, y = 直通车, z = 钻展; each conversion worth 10, one visitor per path,
    repeated channels inside a path count once) give x 4.333333, y 1.833333, z 0.833334 (largest remainder)."""
    names = {"x": "搜索", "y": "直通车", "z": "钻展"}
    paths = [["x"]] * 3 + [["x", "y", "x"]] * 2 + [["z", "y"]] + [["y", "z", "x", "z"]]
    sessions, orders = [], []
    for i, path in enumerate(paths):
        for j, ch in enumerate(path):
            sessions.append({"shop_id": "default", "session_id": f"s{i}-{j}", "visitor_id": f"v{i}",
                             "started_at": _t(1 + j), "source": names[ch]})
        last = f"s{i}-{len(path) - 1}"
        orders.append({"shop_id": "default", "order_id": f"o{i}", "visitor_id": f"v{i}", "session_id": last,
                       "created_at": _t(len(path)), "paid_at": _t(len(path)), "pay_amount": Decimal(10)})
    with writable(shop.warehouse).transaction() as con:
        insert(shop, "sessions", sessions)
        insert(shop, "orders", orders)
        rollup.refresh(con, "default", ["sessions", "orders"])
    res = attribute(shop, model="shapley", start=START, end=END)
    got = {c.channel: float(c.conversions) for c in res.channels}
    assert got == pytest.approx({"搜索": 13 / 3, "直通车": 11 / 6, "钻展": 5 / 6}, abs=1e-6)
    assert sum(c.conversions for c in res.channels) == 7 and sum(c.value for c in res.channels) == 70


def test_bad_arguments_are_clear_errors(tiny: Shop) -> None:
    from junshi.errors import ConfigError

    with pytest.raises(ConfigError, match="Unknown attribution model"):
        attribute(tiny, model="u_shape", start=START, end=END)
    with pytest.raises(ConfigError, match="starts"):
        attribute(tiny, model="first", start=END, end=START)
    with pytest.raises(ConfigError, match="half-life"):
        attribute(tiny, model="time_decay", start=START, end=END, half_life_days=0)


def test_a_period_without_orders_gives_zeros(tiny: Shop) -> None:
    res = compare(tiny, start=dt.date(2024, 6, 7), end=dt.date(2024, 6, 8))
    assert res.total_conversions == 0 and res.total_value == 0
    assert all(c.conversions == 0 and c.value == 0 for r in res.rows for c in r.credits.values())


def _kept(shop: Shop) -> list[list[tuple[object, ...]]]:
    con = writable(shop.warehouse).con
    return [con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in ("rollup_path_steps",
                                                                              "rollup_path_touches")]


def _from_visits(shop: Shop, monkeypatch: pytest.MonkeyPatch, start: dt.date, end: dt.date) -> dict[str, object]:
    with monkeypatch.context() as m:
        m.setattr(rollup, "built", lambda *_: False)
        return compare(shop, start=start, end=end).as_dict()


def test_kept_paths_follow_a_reload_of_an_earlier_day(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A refresh given only the changed day also recomputes the later days whose paths it moves; after each change
    the kept paths equal a rebuild and every model's credits (periods cutting paths) equal those of the visits.

    1. OB1, OB2 unpaid (06-02): b2 no longer converts, so B's one path is b1, b2, b3 -> OB3 on 06-06 (its touches
       on 06-06 gain b1, b2; b3's previous visit b2 no longer converted): 2 paid orders, 150.
    2. Visit a4 (06-04, OA1's) deleted: A's path a1..a5 converts nowhere; a5 steps from a3 (06-03): 1 order, 50.
    3. A visit c0 of C on 06-01: C's c1 (06-07) now steps from it.
    """
    periods = [(START, END), (dt.date(2024, 6, 3), dt.date(2024, 6, 6)), (dt.date(2024, 6, 6), dt.date(2024, 6, 6))]
    with connect(tmp_path / "shop.duckdb") as shop:
        _write_tiny(shop)
        wh = writable(shop.warehouse)

        def change(sql: str, day: int) -> None:
            with wh.transaction() as con:
                con.execute(sql)
                rollup.refresh(con, "default", ["sessions", "orders"], [_t(day).date()])
            kept = _kept(shop)
            with wh.transaction() as con:
                rollup.rebuild(con, "default")
            assert _kept(shop) == kept
            for start, end in periods:
                assert compare(shop, start=start, end=end).as_dict() == _from_visits(shop, monkeypatch, start, end)

        change("UPDATE orders SET paid_at = NULL WHERE order_id IN ('OB1', 'OB2')", 2)
        assert compare(shop, start=START, end=END).total_conversions == 2
        change("DELETE FROM sessions WHERE session_id = 'a4'", 4)
        assert compare(shop, start=START, end=END).total_value == Decimal("50.00")
        change("INSERT INTO sessions (shop_id, session_id, visitor_id, started_at, source) "
               "VALUES ('default', 'c0', 'C', TIMESTAMP '2024-06-01 08:00:00', '直通车')", 1)
        steps = wh.con.execute("SELECT prev_date, prev_source FROM rollup_path_steps WHERE date = DATE '2024-06-07'"
                               ).fetchall()
        assert steps == [(dt.date(2024, 6, 1), "直通车")]


# ---------- the demo shop ----------


def _reference(shop: Shop, start: dt.date, end: dt.date, half_life: float) -> dict[str, dict[str | None, float]]:
    """Conversions per model and channel by a plain Python loop over each visitor's visits."""
    con = writable(shop.warehouse).con
    visits = con.execute("""
        SELECT s.visitor_id, s.session_id, s.started_at, s.source, s.medium,
               (SELECT count(*) FROM orders o WHERE o.session_id = s.session_id AND o.paid_at IS NOT NULL) AS n
        FROM sessions s WHERE s.started_at >= ? AND s.started_at < ?
        ORDER BY s.visitor_id, s.started_at, s.session_id""", [start, end + dt.timedelta(days=1)]).fetchall()
    out: dict[str, dict[str | None, float]] = {m: defaultdict(float) for m in POSITION_MODELS}
    path: list[tuple[str | None, dt.datetime, bool]] = []
    previous = None
    for visitor, _sid, t, source, medium, n in visits:
        if visitor != previous:
            path, previous = [], visitor
        path.append((source, t, medium == "direct" or source == "直接访问"))
        if not n:
            continue
        k, chans = len(path), [p[0] for p in path]
        out["first"][chans[0]] += n
        out["last"][chans[-1]] += n
        non_direct = [i for i, p in enumerate(path) if not p[2]]
        out["last_non_direct"][chans[non_direct[-1] if non_direct else -1]] += n
        decay = [2 ** (-(t - p[1]).total_seconds() / 86400 / half_life) for p in path]
        for i, ch in enumerate(chans):
            out["linear"][ch] += n / k
            out["time_decay"][ch] += n * decay[i] / sum(decay)
            pos = 1.0 if k == 1 else 0.5 if k == 2 else 0.4 if i in (0, k - 1) else 0.2 / (k - 2)
            out["position"][ch] += n * pos
        for ch in set(chans):
            out["shapley"][ch] += n / len(set(chans))
        path = []
    return out


def test_demo_shop_kept_paths_give_the_figures_of_the_visits(demo_db: Path, monkeypatch: pytest.MonkeyPatch
                                                             ) -> None:
    """On the demo shop, every model's credits from the kept paths equal those of the visits exactly (the same
    floats: the same paths in the same order), for a day, a week and 30 days."""
    with connect(demo_db) as shop:
        assert rollup.built(writable(shop.warehouse).con, shop.shop_id)
        for first, last in ((11, 11), (5, 11), (1, 30)):
            start, end = dt.date(2024, 11, first), dt.date(2024, 11, last)
            kept = compare(shop, start=start, end=end)
            assert kept.total_conversions > 0
            assert kept.as_dict() == _from_visits(shop, monkeypatch, start, end), (start, end)


def test_demo_shop_every_model_adds_up_and_matches_a_plain_loop(demo_db: Path) -> None:
    start, end = dt.date(2024, 11, 1), dt.date(2024, 11, 30)
    with connect(demo_db) as shop:
        res = compare(shop, start=start, end=end, half_life_days=3.0)
        orders, sales = writable(shop.warehouse).con.execute(
            """SELECT count(*), sum(pay_amount) FROM orders o JOIN sessions s USING (shop_id, session_id)
               WHERE o.paid_at IS NOT NULL AND s.started_at >= ? AND s.started_at < ?""",
            [start, end + dt.timedelta(days=1)]).fetchone()
        reference = _reference(shop, start, end, 3.0)
        ads = writable(shop.warehouse).con.execute(
            "SELECT channel, sum(conversions), sum(conversion_value) FROM ad_spend WHERE date BETWEEN ? AND ? "
            "GROUP BY channel", [start, end]).fetchall()
    assert res.total_conversions == orders > 500 and res.total_value == sales
    for model in MODELS:
        r = res.results[model]
        assert sum(c.conversions for c in r.channels) == orders, model
        assert sum(c.value for c in r.channels) == sales, model
        assert all(c.conversions >= 0 and c.value >= 0 for c in r.channels), model
        if model in reference:
            got = {c.channel: float(c.conversions) for c in r.channels if c.conversions}
            assert got == pytest.approx({k: v for k, v in reference[model].items() if v}, abs=1e-5), model
    platform = {r.channel: r.platform for r in res.rows if r.platform is not None}
    assert {ch: (p.conversions, p.value) for ch, p in platform.items()} == {
        ch: (int(n), Decimal(v)) for ch, n, v in ads}
    markov = {c.channel: c.conversions for c in res.results["markov"].channels}
    assert all(v > 0 for v in markov.values())
    with connect(demo_db) as shop:
        again = compare(shop, start=start, end=end, half_life_days=3.0, models=("markov",))
    assert again.results["markov"] == res.results["markov"]



def test_a_shop_without_visits_has_nothing_to_attribute(shop: Shop) -> None:
    res = compare(shop, start=START, end=END)
    assert res.total_conversions == 0 and res.rows == []
