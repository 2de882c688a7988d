"""Why a metric moved between two periods: factor effects, cell contributions per dimension, drill-down.

The numbers come from a :data:`Fetch` function (in production :func:`junshi.analysis.source.kpi_fetch`,
which asks the metric layer); this module only does the arithmetic, so it is tested on hand-made frames.
With a :data:`History` function the diagnosis also says whether the total and each cell moved beyond
normal variation (:mod:`junshi.analysis.significance`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pandas as pd

from junshi.analysis.decompose import Decomposition, decompose
from junshi.analysis.significance import SignalSettings, TotalSignal, cell_pvalues, flag, total_signal
from junshi.errors import JunshiError, MetricError, MissingDataError

OTHER = "(not allocated)"
UNKNOWN = "(unknown)"
DIMENSIONS = ("source", "product", "category", "region", "device", "customer_type")
IMPLIED: dict[str, tuple[str, ...]] = {"product": ("category", "brand", "product_name")}


@dataclass(frozen=True)
class Period:
    """Shop-local days ``start`` .. ``end``, both included."""

    start: date
    end: date

    def label(self) -> str:
        return self.start.isoformat() if self.start == self.end else f"{self.start}..{self.end}"


@dataclass(frozen=True)
class Chain:
    """A ratio tree: metric ids of the metric layer from the first count to the metric itself."""

    metric: str
    quantities: tuple[str, ...]
    factors: tuple[str, ...]
    counts: int = 2

    def without_visitors(self) -> Chain:
        """The chain when visits are missing: paid buyers x spend per buyer x ..."""
        return Chain(self.metric, self.quantities[1:], ("buyers", *self.factors[2:]), max(self.counts - 1, 0))


CHAINS: dict[str, Chain] = {
    "sales": Chain("sales", ("uv", "paid_buyers", "sales"), ("visitors", "conversion", "spend_per_buyer")),
    "refund_amount": Chain(
        "refund_amount",
        ("uv", "paid_buyers", "sales", "refund_amount"),
        ("visitors", "conversion", "spend_per_buyer", "refund_rate"),
    ),
    "gross_profit": Chain(
        "gross_profit",
        ("uv", "paid_buyers", "sales", "net_sales", "gross_profit"),
        ("visitors", "conversion", "spend_per_buyer", "net_share", "gross_margin"),
    ),
}

#: fetch(metric ids, dimension or None, period, filters) -> frame with the dimension column (if any)
#: and one column per metric id. Raises MissingDataError for a metric whose table has no data.
Fetch = Callable[[Sequence[str], str | None, Period, Mapping[str, str]], pd.DataFrame]
#: the same for both periods at once: (metric ids, dimension, current, baseline, filters) -> (current, baseline)
PairFetch = Callable[
    [Sequence[str], str | None, Period, Period, Mapping[str, str]], tuple[pd.DataFrame, pd.DataFrame]
]
#: splits(metric id, dimension, period, filters) -> whether the metric can be split by the dimension under the
#: filters (asked of the metric layer without running a query).
Splits = Callable[[str, str, Period, Mapping[str, str]], bool]
#: history(metric ids, dimension or None, first day, last day) -> frame with ``day``, the dimension column
#: (if any) and one column per metric id, one row per day (and cell) with data.
History = Callable[[Sequence[str], str | None, date, date], pd.DataFrame]


def pair_of(fetch: Fetch) -> PairFetch:
    """A :data:`PairFetch` that calls ``fetch`` once per period."""

    def pair(metrics: Sequence[str], dim: str | None, cur: Period, base: Period, filters: Mapping[str, str]
             ) -> tuple[pd.DataFrame, pd.DataFrame]:
        return fetch(metrics, dim, cur, filters), fetch(metrics, dim, base, filters)

    return pair


@dataclass(frozen=True)
class Cell:
    """One value of a dimension: its metric in both periods, contribution and own factor effects."""

    value: str
    current: Decimal
    baseline: Decimal
    contribution: Decimal
    effects: dict[str, Decimal]
    factor_changes: dict[str, float | None]
    excess: Decimal  # contribution beyond moving in proportion with its parent
    surprise: float = 0.0  # excess over the cell's sampling noise (ranks the drill-down)
    p_value: float | None = None  # against the cell's own history (None: not tested)
    significant: bool = False  # beyond normal variation, Benjamini-Hochberg across every cell


@dataclass(frozen=True)
class Step:
    """One link of the drill-down path."""

    dimension: str
    value: str
    contribution: Decimal
    share: float
    current: Decimal
    baseline: Decimal
    effects: dict[str, Decimal]
    factor_changes: dict[str, float | None]
    main_factor: str
    facts: dict[str, Any] = field(default_factory=dict)
    significant: bool | None = None  # the cell's test (None: not tested, as below the first level)


@dataclass(frozen=True)
class Diagnosis:
    metric: str
    current_period: Period
    baseline_period: Period
    total: Decomposition
    factors: tuple[str, ...]
    dimensions: dict[str, list[Cell]]
    path: list[Step]
    notes: list[str]
    signal: TotalSignal | None = None  # the total against its history (None: not assessed)
    fdr: float | None = None  # false discovery rate of the cells' flags
    paid_sources: frozenset[str] = frozenset()  # sources that can be bought (junshi.analysis.channels)
    product_names: Mapping[str, str] = field(default_factory=dict)  # product id -> name, of the catalogue

    def shown(self, dimension: str, value: str) -> str:
        """How a cell's value is shown: a product as "name (id)" (``lookups.product_label``), others as they are."""
        if dimension != "product":
            return value
        from junshi.analysis.lookups import product_label

        return product_label(self.product_names.get(value), value)

    def to_json(self) -> dict[str, Any]:
        """The documented JSON shape (see :func:`to_json`)."""
        return to_json(self)


def _num(x: Any) -> Any:
    return 0 if x is None or (isinstance(x, float) and x != x) else x


def _cells(cur: pd.DataFrame, base: pd.DataFrame, dim: str, chain: Chain, parent: Decomposition) -> list[Cell]:
    """Cells of one dimension; a ``(not allocated)`` cell closes the gap to the parent's change."""
    qs = list(chain.quantities)
    merged = pd.merge(
        cur[[dim, *qs]].assign(**{dim: cur[dim].fillna(UNKNOWN).astype(str)}),
        base[[dim, *qs]].assign(**{dim: base[dim].fillna(UNKNOWN).astype(str)}),
        on=dim, how="outer", suffixes=("_1", "_0"),
    )
    cells = []
    for values in merged.to_dict("records"):
        q1 = [_num(values[f"{q}_1"]) for q in qs]
        q0 = [_num(values[f"{q}_0"]) for q in qs]
        d = decompose(q1, q0, chain.factors, counts=chain.counts)
        cells.append((str(values[dim]), d))
    gap = parent.change - sum((d.change for _, d in cells), Decimal(0))
    base_gap = parent.baseline - sum((d.baseline for _, d in cells), Decimal(0))
    if gap or base_gap:
        cur_gap = parent.current - sum((d.current for _, d in cells), Decimal(0))
        effects = dict.fromkeys(chain.factors, Decimal(0))
        cells.append((OTHER, Decomposition(cur_gap, base_gap, gap, effects, dict.fromkeys(chain.factors), "lmdi")))
    buyers = {v: q for v, q in zip(merged[dim], merged.to_dict("records"), strict=True)}
    b = "paid_buyers" if "paid_buyers" in qs else None
    out = []
    for value, d in cells:
        expected = d.baseline / parent.baseline * parent.change if parent.baseline else Decimal(0)
        excess = (d.change - expected).quantize(Decimal("0.01"))
        row = buyers.get(value, {})
        n = float(_num(row.get(f"{b}_1")) + _num(row.get(f"{b}_0"))) if b and row else 0.0
        money = float(abs(d.current) + abs(d.baseline))
        noise = math.sqrt(money * money / n) if n >= 1 else math.sqrt(max(money, 1.0))
        out.append(Cell(value, d.current, d.baseline, d.change, d.effects, d.factor_changes, excess,
                        float(excess) / max(noise, 1.0)))
    return sorted(out, key=lambda c: (-abs(c.contribution), c.value))


MOSTLY_UNKNOWN = 0.9
"""A split whose unknown value holds this share of the metric (both periods, in absolute value) says nothing."""


def _says_nothing(cells: list[Cell]) -> bool:
    """Whether a dimension's split tells no place from another: no cell of a known value; one, and no unknown
    value (CDNOW's one product, "CD", is the whole shop); or the unknown value holding :data:`MOSTLY_UNKNOWN` of
    the metric (a shop without categories, where only the postage lines are named, would otherwise show
    "Category (unknown)" as the reason for nearly all of a change)."""
    size = {c.value: abs(c.current) + abs(c.baseline) for c in cells}
    known = [v for v in size if v not in (OTHER, UNKNOWN)]
    if len(known) < 2 and UNKNOWN not in size:
        return True
    total = sum(size.values(), Decimal(0))
    return not known or (total > 0 and size.get(UNKNOWN, Decimal(0)) >= total * Decimal(str(MOSTLY_UNKNOWN)))


def main_factor(effects: Mapping[str, Decimal], change: Decimal) -> str:
    """The factor with the largest effect in the direction of ``change``."""
    sign = 1 if change >= 0 else -1
    return max(effects, key=lambda k: effects[k] * sign)


class Diagnoser:
    """Runs a diagnosis with a :data:`PairFetch`; ``facts(dimension, value, period)`` adds context to steps;
    ``causes(dimension, value, period)`` says a cell has a known cause of a drop (a product out of stock),
    which ranks it first among the candidates of a falling change. With ``splits``, the drill-down below the first
    level ranks each dimension's cells without visitors (a distinct count over the period: the costly part) and
    decomposes the chosen cell alone with them; a dimension visitors cannot be split by is left out as before."""

    def __init__(
        self,
        fetch: PairFetch,
        *,
        facts: Callable[[str, str, Period], dict[str, Any]] | None = None,
        causes: Callable[[str, str, Period], bool] | None = None,
        dimensions: Sequence[str] = DIMENSIONS,
        min_share: float = 0.1,
        min_excess: float = 0.05,
        dominant: float = 0.8,
        history: History | None = None,
        promo_days: Collection[date] = (),
        signal: SignalSettings | None = None,
        splits: Splits | None = None,
    ) -> None:
        self.fetch = fetch
        self.splits = splits
        self.facts = facts
        self.causes = causes
        self.history = history
        self.promo_days = frozenset(promo_days)
        self.signal = signal or SignalSettings()
        self._histories: dict[tuple[tuple[str, ...], str | None, date, date], pd.DataFrame] = {}
        self.dimensions = tuple(dimensions)
        self.min_share = min_share
        self.min_excess = min_excess
        self.dominant = dominant

    def _window(self, cur: Period, base: Period) -> tuple[date, date] | None:
        """The history window of a day's diagnosis whose baseline day falls in it (else None)."""
        if self.history is None or cur.start != cur.end or base.start != base.end:
            return None
        start = cur.start - timedelta(weeks=self.signal.anomaly.weeks)
        return (start, cur.start) if start <= base.start <= cur.start else None

    def _recall(self, metrics: Sequence[str], dim: str | None, start: date, end: date) -> pd.DataFrame:
        """The history of ``metrics`` by day (and ``dim``), fetched once per diagnosis."""
        assert self.history is not None
        key = (tuple(metrics), dim, start, end)
        if key not in self._histories:
            self._histories[key] = self.history(metrics, dim, start, end)
        return self._histories[key]

    def _pair(self, metrics: Sequence[str], dim: str | None, cur: Period, base: Period, filters: Mapping[str, str]
              ) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Both periods' figures. A day's diagnosis with a history reads the whole shop's split from the
        history (one query per dimension serves the split and its test); drill-down levels fetch."""
        window = self._window(cur, base)
        if window is None or filters:
            return self.fetch(metrics, dim, cur, base, filters)
        frame = self._recall(metrics, dim, *window)
        return (frame[frame["day"] == cur.start].drop(columns="day"),
                frame[frame["day"] == base.start].drop(columns="day"))

    def _total(self, chain: Chain, cur: Period, base: Period, filters: Mapping[str, str]) -> Decomposition:
        f1, f0 = self._pair(list(chain.quantities), None, cur, base, filters)
        q1 = [_num(f1[q].sum()) for q in chain.quantities]
        q0 = [_num(f0[q].sum()) for q in chain.quantities]
        return decompose(q1, q0, chain.factors, counts=chain.counts)

    def _split(
        self, chain: Chain, dim: str, cur: Period, base: Period, filters: Mapping[str, str], parent: Decomposition
    ) -> list[Cell]:
        f1, f0 = self._pair(list(chain.quantities), dim, cur, base, filters)
        return _cells(f1, f0, dim, chain, parent)

    def run(self, metric: str, current: Period, baseline: Period, *, depth: int = 3) -> Diagnosis:
        """Decompose ``metric`` between the periods, split it over every dimension, drill ``depth`` deep."""
        self._histories = {}
        chain = self._chain(metric)
        notes: list[str] = []
        try:
            total = self._total(chain, current, baseline, {})
        except MissingDataError:  # no visits: buyers x spend per buyer (any other missing table stands)
            try:
                self._pair([chain.quantities[0]], None, current, baseline, {})
            except MissingDataError:
                chain = chain.without_visitors()
            else:
                raise
            notes.append("needs_sessions")
            total = self._total(chain, current, baseline, {})
        notes += total.notes
        dims: dict[str, list[Cell]] = {}
        chains: dict[str, Chain] = {}
        for dim in self.dimensions:
            chains[dim] = chain
            try:
                dims[dim] = self._split(chain, dim, current, baseline, {}, total)
                if _says_nothing(dims[dim]):
                    del dims[dim]
                    notes.append(f"no_dimension:{dim}")
            except (MetricError, MissingDataError):
                if chain.quantities[0] != "uv":
                    notes.append(f"no_dimension:{dim}")
                    continue
                try:  # visitors cannot be split this way (e.g. new/returning): buyers x spend per buyer
                    cells = self._split(chain.without_visitors(), dim, current, baseline, {}, total)
                    if _says_nothing(cells):
                        raise MetricError(f"{dim}: no cells", f"{dim}：没有数据")
                    dims[dim] = cells
                    chains[dim] = chain.without_visitors()
                    notes.append(f"no_visitors:{dim}")
                except JunshiError:
                    notes.append(f"no_dimension:{dim}")
            except JunshiError:
                notes.append(f"no_dimension:{dim}")
        signal = None
        if self.history is not None and current.start == current.end:
            signal, dims = self._signal(chain, chains, current.start, dims, notes)
        path = self._drill(chain, current, baseline, total, dims, depth)
        return Diagnosis(metric, current, baseline, total, chain.factors, dims, path, notes, signal,
                         self.signal.fdr if signal else None)

    def _signal(self, chain: Chain, chains: Mapping[str, Chain], day: date, dims: dict[str, list[Cell]],
                notes: list[str]) -> tuple[TotalSignal | None, dict[str, list[Cell]]]:
        """The total against its history, and every cell's test (one history query per dimension)."""
        start = day - timedelta(weeks=self.signal.anomaly.weeks)
        try:
            whole = self._recall(list(chain.quantities), None, start, day)
        except JunshiError:
            notes.append("no_history")
            return None, dims
        signal = total_signal(whole, chain.metric, day, self.promo_days, self.signal)
        if signal.significant is None:
            notes.append("short_history")
        pvalues: dict[tuple[str, str], float] = {}
        for dim, cells in dims.items():
            if sum(c.value != OTHER for c in cells) < 2:  # one value: the whole shop again, as the total
                continue
            qs = chains[dim].quantities
            try:
                frame = self._recall(list(qs), dim, start, day)
            except JunshiError:
                continue
            found = cell_pvalues(frame, dim, qs, day, self.promo_days, self.signal, unknown=UNKNOWN)
            pvalues.update({(dim, value): p for value, p in found.items()})
        flags = flag(pvalues, self.signal.fdr)
        tested = {
            dim: [replace(c, p_value=pvalues.get((dim, c.value)), significant=flags.get((dim, c.value), False))
                  for c in cells]
            for dim, cells in dims.items()
        }  # the cells beyond normal variation lead, then the largest contributions
        return signal, {dim: sorted(cells, key=lambda c: (not c.significant, -abs(c.contribution), c.value))
                        for dim, cells in tested.items()}

    def _chain(self, metric: str) -> Chain:
        if metric not in CHAINS:
            raise MetricError(
                f"Cannot diagnose {metric!r}: it is not a ratio-tree metric.",
                f"无法诊断 {metric!r}：它不是可拆解的比率树指标。",
                hint_en=f"Use one of: {', '.join(CHAINS)}.",
                hint_zh=f"请使用：{', '.join(CHAINS)}。",
            )
        return CHAINS[metric]

    def _drill(
        self, chain: Chain, cur: Period, base: Period, total: Decomposition, dims: dict[str, list[Cell]], depth: int
    ) -> list[Step]:
        """Greedy path from the whole to the cell that explains the change.

        At each level a candidate cell must carry at least ``min_share`` of the total change and either
        concentrate its parent's change (excess beyond a proportional share of at least ``min_excess`` of
        the parent's change) or carry at least ``dominant`` of it (the channel it went through, e.g. the
        one product of a category that moved). The
        best has the largest surprise: excess over the cell's sampling noise ``sqrt(spend per buyer x sales)``
        of both periods (sales of n buyers vary like n spends), so a whole product vanishing outranks a
        broad cell drifting by the same amount. Dimensions with one value in the whole
        shop, and those implied by a step (category under a product), are not split.
        """
        path: list[Step] = []
        if not total.change:
            return path
        informative = [d for d, cells in dims.items() if sum(c.value != OTHER for c in cells) > 1]
        filters: dict[str, str] = {}
        parent, level = total, {d: dims[d] for d in informative}
        sign = 1 if total.change > 0 else -1
        while len(path) < depth:
            candidates = []
            for d, cells in level.items():
                real = [c for c in cells if c.value != OTHER]
                for c in real:
                    share = float(c.contribution / total.change)
                    dominant = bool(path) and float(c.contribution / parent.change) >= self.dominant
                    if share >= self.min_share and (
                        float(c.excess * sign) >= self.min_excess * float(abs(parent.change)) or dominant
                    ):
                        candidates.append((d, c, share))
            if not candidates:
                break
            def rank(x: tuple[str, Cell, float]) -> tuple[bool, bool, float, Decimal]:
                known = sign < 0 and self.causes is not None and self.causes(x[0], x[1].value, cur)
                return known, x[1].significant, x[1].surprise * sign, x[1].contribution * sign

            dim, cell, share = max(candidates, key=rank)
            if filters and self._ranking(chain) is not chain:
                cell = self._decomposed(chain, dim, cell, cur, base, filters, parent)
            facts = self.facts(dim, cell.value, cur) if self.facts else {}
            path.append(Step(dim, cell.value, cell.contribution, share, cell.current, cell.baseline, cell.effects,
                             cell.factor_changes, main_factor(cell.effects, cell.contribution), facts,
                             cell.significant if cell.p_value is not None else None))
            if cell.value == UNKNOWN or len(path) >= depth:
                break
            filters = {**filters, dim: cell.value}
            parent = Decomposition(cell.current, cell.baseline, cell.contribution, cell.effects,
                                   cell.factor_changes, "lmdi")
            skip = set(filters) | {i for f in filters for i in IMPLIED.get(f, ())}
            level = {}
            ranking = self._ranking(chain)
            for d in informative:
                if d in skip or (ranking is not chain and not self._splits(chain.quantities[0], d, cur, filters)):
                    continue
                try:
                    level[d] = self._split(ranking, d, cur, base, filters, parent)
                except JunshiError:
                    continue
        return path

    def _ranking(self, chain: Chain) -> Chain:
        """The chain the drill-down ranks a level's cells by: without visitors when :attr:`splits` can say which
        dimensions they split by (a cell's contribution, excess and noise rest on the metric and its buyers only)."""
        return chain.without_visitors() if self.splits is not None and chain.quantities[0] == "uv" else chain

    def _splits(self, metric: str, dim: str, period: Period, filters: Mapping[str, str]) -> bool:
        assert self.splits is not None
        try:
            return self.splits(metric, dim, period, filters)
        except JunshiError:
            return False

    def _decomposed(self, chain: Chain, dim: str, cell: Cell, cur: Period, base: Period, filters: Mapping[str, str],
                    parent: Decomposition) -> Cell:
        """``cell`` (ranked without visitors) with its effects along the whole chain: the cell's own figures (a
        cell of unknown value, which no filter selects, from its dimension's split)."""
        if cell.value == UNKNOWN:
            whole = next(c for c in self._split(chain, dim, cur, base, filters, parent) if c.value == UNKNOWN)
            return replace(cell, effects=whole.effects, factor_changes=whole.factor_changes)
        d = self._total(chain, cur, base, {**filters, dim: cell.value})
        return replace(cell, effects=d.effects, factor_changes=d.factor_changes)


def _money(x: Decimal) -> float:
    return float(x)


def _effects_json(effects: Mapping[str, Decimal]) -> dict[str, float | None]:
    """Effects by factor; the three sales factors are always present (null when not computable)."""
    out: dict[str, float | None] = dict.fromkeys(("visitors", "conversion", "spend_per_buyer"))
    out.update({k: _money(v) for k, v in effects.items()})
    return out


def _signal_json(diag: Diagnosis) -> dict[str, Any]:
    """``significant``, ``expected``, ``expected_range`` and the summary of the cells' tests."""
    s = diag.signal
    cells = [c for cells in diag.dimensions.values() for c in cells]
    return {
        "significant": s.significant if s else None,
        "expected": s.expected if s else None,
        "expected_range": [s.low, s.high] if s and s.low is not None else None,
        "significance": None if s is None else {
            "history_days": s.history_days, "fdr": diag.fdr,
            "cells_tested": sum(c.p_value is not None for c in cells),
            "cells_significant": sum(c.significant for c in cells),
        },
    }


def _cell_json(diag: Diagnosis, dim: str, c: Cell) -> dict[str, Any]:
    t = diag.total
    out = {
        "value": c.value,
        "display": diag.shown(dim, c.value),
        "current": _money(c.current),
        "baseline": _money(c.baseline),
        "contribution": _money(c.contribution),
        "share": float(c.contribution / t.change) if t.change else None,
        "effects": _effects_json(c.effects),
        "factor_changes": c.factor_changes,
        "significant": c.significant,
        "p_value": c.p_value,
    }
    if dim == "source":
        out["paid"] = c.value in diag.paid_sources
    return out


def to_json(diag: Diagnosis) -> dict[str, Any]:
    """The documented JSON shape of a diagnosis (docs/diagnosis.md)."""
    t = diag.total
    return {
        "metric": diag.metric,
        "period": {"current": diag.current_period.label(), "baseline": diag.baseline_period.label()},
        "current": _money(t.current),
        "baseline": _money(t.baseline),
        "change": _money(t.change),
        "pct_change": t.pct_change,
        "method": t.method,
        "factors": list(diag.factors),
        "effects": _effects_json(t.effects),
        "factor_changes": t.factor_changes,
        **_signal_json(diag),
        "dimensions": [
            {"name": name, "cells": [_cell_json(diag, name, c) for c in cells]}
            for name, cells in diag.dimensions.items()
        ],
        "path": [
            {
                "dimension": s.dimension,
                "value": s.value,
                "display": diag.shown(s.dimension, s.value),
                "contribution": _money(s.contribution),
                "share": s.share,
                "current": _money(s.current),
                "baseline": _money(s.baseline),
                "main_factor": s.main_factor,
                "main_factor_change": s.factor_changes.get(s.main_factor),
                "effects": _effects_json(s.effects),
                "facts": s.facts,
                "significant": s.significant,
            }
            for s in diag.path
        ],
        "notes": diag.notes,
    }
