"""Visit paths for attribution, as numpy arrays: one ordered read of the period's visits, then vectorised work.

A path is a visitor's visits in time order within the period, cut at each paid order: the visit in which
paid orders were placed closes a converting path (as many conversions as orders, its value their
``pay_amount``); the visits after a visitor's last paid order form a path without conversion.

The warehouse sorts the visits (visitor, start, visit id) and hands them over through Arrow; every model
is then a few numpy passes over the sorted arrays (cumulative sums for the path ids, ``bincount`` for the
per-path and per-channel sums). One sorted read serves every model, where window functions would sort the
visits once per partitioning (visitor, path, path and channel): measured in ``bench/attribution.py``.

A shop whose rollups are built (DuckDB, figures not cleaned of suspect orders) reads no visit: the converting
paths' visits from ``rollup_path_touches`` and the Markov chain's transitions and the channels' order from
``rollup_path_steps`` (:mod:`junshi.rollup.paths`), the same arrays in the same order, so every figure is the same.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

import ibis
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from junshi.errors import ConfigError

if TYPE_CHECKING:
    import duckdb

    from junshi.shop import Shop

DIRECT_SOURCES = ("direct", "(direct)", "直接访问", "自主访问")
"""Sources that are direct visits (besides visits whose medium is ``direct``), for ``last_non_direct``."""
SECONDS_PER_DAY = 86400.0


def check_period(start: date, end: date) -> None:
    """A ConfigError when the period ends before it starts."""
    if start > end:
        raise ConfigError(f"The period starts ({start}) after it ends ({end}).",
                          f"期间的开始日（{start}）晚于结束日（{end}）。",
                          hint_en="Give --from on or before --to.", hint_zh="请让 --from 不晚于 --to。")


def period_visits(shop: Shop, start: date, end: date) -> ibis.Table:
    """The shop's visits that started on the shop-local days ``start`` .. ``end``."""
    s = shop.table("sessions")
    lo = ibis.literal(start).cast("timestamp")
    hi = (ibis.literal(end) + ibis.interval(days=1)).cast("timestamp")
    return s.filter(s.started_at >= lo, s.started_at < hi)


def with_paid_orders(visits: ibis.Table, shop: Shop) -> ibis.Table:
    """The visits with the paid orders placed in each: ``_orders`` and ``_cents`` (their pay_amount in whole
    cents, so that sums stay exact), 0 for a visit without one."""
    o = shop.table("orders")
    o = o.filter(o.paid_at.notnull(), o.session_id.notnull())
    cents = (o.pay_amount.fill_null(0) * 100).cast("int64")
    paid = o.group_by(_osid=o.session_id).aggregate(_orders=o.count(), _cents=cents.sum())
    v = visits.left_join(paid, visits.session_id == paid._osid)
    return v.mutate(_orders=v._orders.fill_null(0), _cents=v._cents.fill_null(0)).drop("_osid")


@dataclass(frozen=True)
class Paths:
    """The period's visits in path order, one array element per visit, and each path's bounds.

    ``channels[code[i]]`` is visit i's source (None: none); ``path[i]`` its path; ``starts[p]`` and
    ``ends[p]`` the first and last visit of path p; ``orders[p]`` and ``cents[p]`` its paid orders and
    their sales in cents (0 for a path without conversion).
    """

    channels: list[str | None]
    code: np.ndarray
    seconds: np.ndarray
    direct: np.ndarray
    path: np.ndarray
    starts: np.ndarray
    ends: np.ndarray
    orders: np.ndarray
    cents: np.ndarray

    @property
    def converting(self) -> np.ndarray:
        return self.orders > 0


@dataclass(frozen=True)
class PeriodPaths:
    """What the models read of a period: its paths (every one, or the converting ones alone: the position models
    and the rewards read those), the visits per channel code, and the Markov transition counts
    (:func:`transition_counts`) of every path."""

    paths: Paths
    visits: np.ndarray
    counts: np.ndarray


def period_paths(shop: Shop, start: date, end: date) -> PeriodPaths:
    """The period's paths: from the rollups where they are kept, else from its visits."""
    from junshi import rollup

    con = rollup.built_in(shop)
    if con is not None:
        return stored_paths(con, shop.shop_id, start, end)
    p = read_paths(shop, start, end)
    return PeriodPaths(p, np.bincount(p.code, minlength=len(p.channels)), transition_counts(p))


def stored_paths(con: duckdb.DuckDBPyConnection, shop_id: str, start: date, end: date) -> PeriodPaths:
    """The period's converting paths, visits per channel and transition counts from ``rollup_path_touches`` and
    ``rollup_path_steps``: a visit starts a path of the period when it has no previous visit, or the previous one
    converted or lies before the period, else it steps from the previous one; a path without conversion ends in
    NULL from each visit with no step out of it within the period."""
    from junshi.rollup.tables import PATH_STEPS, PATH_TOUCHES

    params = {"shop": shop_id, "lo": start, "hi": end}
    period = "shop_id = $shop AND date >= $lo AND date <= $hi"
    order = [s for (s,) in con.execute(  # first appearance in path order (visitor, start, visit id); no source last
        f"SELECT source FROM {PATH_STEPS.name} WHERE {period} AND source IS NOT NULL GROUP BY source "
        "ORDER BY min(struct_pack(v := first_visitor, t := first_at, s := first_session))", params).fetchall()]
    steps = con.execute(
        f"SELECT source, prev_source, prev_date IS NULL OR prev_converted OR prev_date < $lo, sum(visits) "
        f"FROM {PATH_STEPS.name} WHERE {period} GROUP BY ALL", params).fetchall()
    touches = con.sql(
        f"SELECT source, started_at, direct, paid_orders, paid_cents FROM {PATH_TOUCHES.name} WHERE {period} "
        "AND started_at >= $lo ORDER BY visitor_id, started_at, session_id", params=params).to_arrow_table()
    channels: list[str | None] = [*order, None]
    state = {ch: i + 1 for i, ch in enumerate(channels)}  # START is 0
    k = len(channels)
    counts = np.zeros((k + 1, k + 3), dtype=np.int64)
    visits = np.zeros(k + 1, dtype=np.int64)
    for source, prev, starts, n in steps:
        counts[0 if starts else state[prev], state[source]] += n
        visits[state[source]] += n
    p = _converting(touches, order, channels)
    ended = np.bincount(p.code[p.ends] + 1, minlength=k + 1)  # converting paths per last state
    stepped = counts[1:, 1:k + 1].sum(axis=1)  # steps out of each channel within the period
    counts[1:, k + 1] = ended[1:]
    counts[1:, k + 2] = visits[1:] - ended[1:] - stepped
    return PeriodPaths(p, visits[1:], counts.astype(np.float64))


def _converting(tbl: pa.Table, order: list[str], channels: list[str | None]) -> Paths:
    """Paths from the visits of converting paths in path order (columns source, started_at, direct, paid_orders,
    paid_cents): each ends at its visit with paid orders."""
    n = tbl.num_rows
    orders = _np(tbl["paid_orders"], np.int64)
    new_path = np.ones(n, dtype=bool)
    new_path[1:] = orders[:-1] > 0
    starts = np.flatnonzero(new_path)
    ends = np.flatnonzero(orders > 0)
    found = pc.index_in(tbl["source"], value_set=pa.array(order, pa.string()))
    code = _np(pc.fill_null(found, len(order)), np.int64)
    micros = pc.cast(tbl["started_at"], pa.timestamp("us")).cast(pa.int64())
    return Paths(channels=channels, code=code, seconds=_np(micros, np.int64) / 1e6, direct=_np(tbl["direct"], np.bool_),
                 path=np.cumsum(new_path) - 1, starts=starts, ends=ends, orders=orders[ends],
                 cents=_np(tbl["paid_cents"], np.int64)[ends])


def read_paths(shop: Shop, start: date, end: date) -> Paths:
    """The period's visits with their paid orders, sorted by visitor and time, cut into paths."""
    v = with_paid_orders(period_visits(shop, start, end), shop)
    direct = (v.medium.lower() == "direct") | v.source.lower().isin(DIRECT_SOURCES)
    v = v.select(visitor_id=v.visitor_id, _sid=v.session_id, _t=v.started_at, _ch=v.source,
                 _direct=direct.fill_null(False), _orders=v._orders, _cents=v._cents)
    tbl = v.order_by([v.visitor_id, v._t, v._sid]).select("visitor_id", "_ch", "_t", "_direct", "_orders",
                                                         "_cents").to_pyarrow()
    return cut(tbl)


def _np(column: pa.ChunkedArray | pa.Array, dtype: type) -> np.ndarray:
    return np.asarray(column.to_numpy(zero_copy_only=False) if isinstance(column, pa.Array)
                      else column.to_numpy(), dtype=dtype)


def cut(tbl: pa.Table) -> Paths:
    """Paths from visits sorted by visitor and time (columns visitor_id, _ch, _t, _direct, _orders, _cents)."""
    n = tbl.num_rows
    visitor = tbl["visitor_id"]
    orders = _np(tbl["_orders"], np.int64)
    new_path = np.ones(n, dtype=bool)
    if n > 1:
        new_path[1:] = _np(pc.not_equal(visitor.slice(1), visitor.slice(0, n - 1)), np.bool_) | (orders[:-1] > 0)
    path = np.cumsum(new_path) - 1
    starts = np.flatnonzero(new_path)
    ends = np.append(starts[1:], n)[:len(starts)] - 1  # no visits: no paths
    encoded = pc.dictionary_encode(tbl["_ch"].combine_chunks())
    code = _np(pc.fill_null(encoded.indices, len(encoded.dictionary)), np.int64)
    channels: list[str | None] = [*encoded.dictionary.to_pylist(), None]
    micros = pc.cast(tbl["_t"], pa.timestamp("us")).cast(pa.int64())
    return Paths(channels=channels, code=code, seconds=_np(micros, np.int64) / 1e6,
                 direct=_np(tbl["_direct"], np.bool_), path=path, starts=starts, ends=ends,
                 orders=orders[ends], cents=_np(tbl["_cents"], np.int64)[ends])


def position_weights(p: Paths, half_life_days: float) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """The visits of converting paths (their indices) and each position model's weight on them: the share of
    its path's conversions a visit earns (weights of a path add up to 1)."""
    rows = np.flatnonzero(p.converting[p.path])
    path = p.path[rows]
    first, last = p.starts[path], p.ends[path]
    pos, n = rows - first, (last - first + 1).astype(np.float64)
    # last non-direct: the last non-direct visit at or before the path's end, if it lies in the path
    non_direct = np.flatnonzero(~p.direct)
    j = np.searchsorted(non_direct, p.ends, side="right") - 1
    candidate = non_direct[np.maximum(j, 0)] if len(non_direct) else np.full(len(p.ends), -1)
    lnd = np.where((j >= 0) & (candidate >= p.starts), candidate, p.ends)
    age_days = (p.seconds[last] - p.seconds[rows]) / SECONDS_PER_DAY
    decay = np.exp2(-age_days / half_life_days)
    decay_sum = np.bincount(path, weights=decay, minlength=len(p.starts))
    middle = np.divide(0.2, n - 2, out=np.zeros_like(n), where=n > 2)
    ends_share = np.where(n == 2, 0.5, 0.4)
    weights = {
        "first": (pos == 0).astype(np.float64),
        "last": (rows == last).astype(np.float64),
        "last_non_direct": (rows == lnd[path]).astype(np.float64),
        "linear": 1.0 / n,
        "time_decay": decay / decay_sum[path],
        "position": np.where(n == 1, 1.0, np.where((pos == 0) | (rows == last), ends_share, middle)),
        "shapley": _shapley_weights(p, rows, path),
    }
    return rows, weights


def _shapley_weights(p: Paths, rows: np.ndarray, path: np.ndarray) -> np.ndarray:
    """1 / (distinct channels of the path) on each channel's first visit in the path, 0 on its repeats."""
    key = path * (len(p.channels) + 1) + p.code[rows]
    _, first_seen = np.unique(key, return_index=True)
    is_first = np.zeros(len(rows), dtype=bool)
    is_first[first_seen] = True
    distinct = np.bincount(path[is_first], minlength=len(p.starts)).astype(np.float64)
    return np.where(is_first, 1.0 / np.maximum(distinct[path], 1.0), 0.0)


def channel_sums(p: Paths, rows: np.ndarray, weights: dict[str, np.ndarray]
                 ) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per weighting, per channel code, the conversions and the value it gives (visits ``rows``)."""
    path = p.path[rows]
    codes, size = p.code[rows], len(p.channels)
    orders, cents = p.orders[path], p.cents[path]
    return {m: (np.bincount(codes, weights=w * orders, minlength=size),
                np.bincount(codes, weights=w * cents, minlength=size) / 100) for m, w in weights.items()}


def transition_counts(p: Paths) -> np.ndarray:
    """First-order Markov transition counts: rows START (0) and the channels (code + 1); columns the same,
    then CONV and NULL. Every path starts at START and ends in CONV (it converts) or NULL."""
    k = len(p.channels)
    size = k + 3
    state = p.code + 1
    nxt = np.empty(len(state), dtype=np.int64)
    nxt[:-1] = state[1:]
    nxt[p.ends] = np.where(p.converting, k + 1, k + 2)
    flat = np.concatenate([state[p.starts], state * size + nxt])  # START -> first channel, then each step
    counts = np.bincount(flat, minlength=(k + 1) * size)
    return counts.reshape(k + 1, size).astype(np.float64)


def conversion_rewards(p: Paths) -> tuple[np.ndarray, np.ndarray]:
    """Per state (START, then the channels), the paid orders and the sales (cents) of the converting paths
    that end there: what a conversion from the state brings, for :func:`removal_effects`."""
    size = len(p.channels) + 1
    last = p.code[p.ends] + 1
    orders = np.bincount(last, weights=p.orders.astype(np.float64), minlength=size).astype(np.float64)
    cents = np.bincount(last, weights=p.cents.astype(np.float64), minlength=size).astype(np.float64)
    return orders, cents  # (an empty bincount is integer)


def removal_effects(counts: np.ndarray, rewards: np.ndarray) -> np.ndarray:
    """Each channel's removal effect: 1 - E(reward without the channel) / E(reward), from the transition
    counts (:func:`transition_counts`) and what the conversions ending in each state bring (``rewards``, e.g.
    orders or sales, :func:`conversion_rewards`). Removing a channel sends the transitions into it to NULL.
    Closed form: the expected reward from START is x_0 of x = (I - Q)^-1 r, r the reward per step out of each
    state (a path holding k orders converts once and brings k); one linear solve per channel."""
    k = counts.shape[0] - 1
    totals = counts.sum(axis=1)
    prob = np.divide(counts, totals[:, None], out=np.zeros_like(counts), where=totals[:, None] > 0)
    q = prob[:, :k + 1]
    r = np.divide(rewards, totals, out=np.zeros_like(rewards), where=totals > 0)
    base = expected_reward(q, r)
    effects = np.zeros(k)
    if base <= 0:
        return effects
    for c in range(k):
        without = q.copy()
        without[:, c + 1] = 0.0
        effects[c] = 1.0 - expected_reward(without, r) / base
    return effects


def expected_reward(q: np.ndarray, r: np.ndarray) -> float:
    """Expected reward from START (state 0) of an absorbing chain with transitions ``q`` among the transient
    states and reward ``r`` per step out of each (with r the conversion probabilities: the probability of
    converting)."""
    return float(np.linalg.solve(np.eye(len(q)) - q, r)[0])
