"""Registry validation: rules run over every metric, and every problem is reported at once.

Like dbt-semantic-interfaces' validation rules, each rule looks at the whole registry and returns
problems (with the metric and what to fix) instead of stopping at the first one. Formulas are checked
by building them on unbound tables of the canonical schema, so an unknown column fails here, at load.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from graphlib import CycleError, TopologicalSorter

import ibis

from junshi.errors import MetricError
from junshi.i18n import Lang
from junshi.metrics.compiler import aggregate, all_dimensions, unbound_ctx, with_columns
from junshi.metrics.facts import FACTS
from junshi.metrics.model import DIRECTIONS, UNITS, Metric
from junshi.schema import TABLES

_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_CJK = re.compile(r"[\u4e00-\u9fff]")


@dataclass(frozen=True)
class Problem:
    metric: str
    rule: str
    message: str

    def __str__(self) -> str:
        return f"{self.metric}: [{self.rule}] {self.message}"


class RegistryError(MetricError):
    """The metric registry is inconsistent; ``problems`` lists every problem found."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        listing = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(
            f"The metric registry has {len(self.problems)} problem(s):\n{listing}",
            f"指标注册表有 {len(self.problems)} 个问题：\n{listing}",
            hint_en="Fix the metric declarations in src/junshi/metrics/registry.py.",
            hint_zh="请修改 src/junshi/metrics/registry.py 中的指标声明。",
        )


Rule = Callable[[Sequence[Metric]], Iterable[Problem]]


def unique_ids(metrics: Sequence[Metric]) -> Iterable[Problem]:
    seen: set[str] = set()
    for m in metrics:
        if m.id in seen:
            yield Problem(m.id, "unique_ids", "declared more than once")
        if not _ID.match(m.id):
            yield Problem(m.id, "unique_ids", "ids are lower_snake_case ASCII")
        seen.add(m.id)


def translations(metrics: Sequence[Metric]) -> Iterable[Problem]:
    for m in metrics:
        for field, text in (("name", m.name), ("definition", m.definition)):
            if not _CJK.search(text.zh):
                yield Problem(m.id, "translations", f"{field}.zh is missing or not Chinese")
            if not text.en.strip() or _CJK.sub("", text.en).strip() == "":
                yield Problem(m.id, "translations", f"{field}.en is missing or not English")


def unique_names(metrics: Sequence[Metric]) -> Iterable[Problem]:
    """No two metrics share a zh or an en name: one name, one definition (口径)."""
    langs: tuple[Lang, ...] = ("zh", "en")
    for lang in langs:
        seen: dict[str, str] = {}
        for m in metrics:
            name = m.name(lang).strip().casefold()
            if name in seen:
                yield Problem(m.id, "unique_names", f"{lang} name {m.name(lang)!r} is also the name of {seen[name]}")
            seen.setdefault(name, m.id)


def kinds(metrics: Sequence[Metric]) -> Iterable[Problem]:
    for m in metrics:
        if m.unit not in UNITS:
            yield Problem(m.id, "kinds", f"unit {m.unit!r} is not one of {', '.join(UNITS)}")
        if m.direction not in DIRECTIONS:
            yield Problem(m.id, "kinds", f"direction {m.direction!r} is not one of {', '.join(DIRECTIONS)}")
        if bool(m.sources) == bool(m.parts):
            yield Problem(m.id, "kinds", "a metric has either sources (base) or parts (derived), not both/neither")
        if m.parts and m.combine is None:
            yield Problem(m.id, "kinds", "a derived metric needs combine")
        if m.rolling_days is not None and any(s.agg != "mean" for s in m.sources):
            yield Problem(m.id, "kinds", "rolling_days applies to mean metrics only")


def sources(metrics: Sequence[Metric]) -> Iterable[Problem]:
    """Every source names a known fact and dimensions, and its formula builds on the canonical schema."""
    ctx = unbound_ctx()
    dims = set(all_dimensions())
    for m in metrics:
        for src in m.sources:
            fact = FACTS.get(src.fact)
            if fact is None:
                yield Problem(m.id, "sources", f"unknown fact {src.fact!r}; known: {', '.join(FACTS)}")
                continue
            for tbl in fact.tables:
                if tbl not in TABLES:
                    yield Problem(m.id, "sources", f"fact {fact.name} needs unknown table {tbl!r}")
            for d in src.when:
                if d not in dims:
                    yield Problem(m.id, "sources", f"unknown dimension {d!r} in when")
            if src.agg != "count" and src.column is None:
                yield Problem(m.id, "sources", f"{src.agg} needs a column")
            try:
                t = with_columns(fact, fact.build(ctx), ctx, src.needs)
                aggregate(m, src, t)
            except Exception as exc:  # any error building the formula is a problem to report
                yield Problem(m.id, "sources", f"formula does not build on {src.fact}: {type(exc).__name__}: {exc}")


def parts(metrics: Sequence[Metric]) -> Iterable[Problem]:
    """Parts exist, the dependency graph has no cycle, and combine builds on the parts."""
    known = {m.id for m in metrics}
    graph: dict[str, tuple[str, ...]] = {}
    for m in metrics:
        missing = [p for p in m.parts if p not in known]
        if missing:
            yield Problem(m.id, "parts", f"unknown part(s): {', '.join(missing)}")
        graph[m.id] = tuple(p for p in m.parts if p in known)
        if m.parts and m.combine is not None:
            try:
                t = ibis.table({f"p{i}": "float64" for i in range(len(m.parts))}, name="parts")
                m.combine(*(t[f"p{i}"] for i in range(len(m.parts))))
            except Exception as exc:  # a combine that cannot take its parts
                yield Problem(m.id, "parts", f"combine does not build: {type(exc).__name__}: {exc}")
    try:
        tuple(TopologicalSorter(graph).static_order())
    except CycleError as exc:
        cycle = exc.args[1]
        yield Problem(cycle[0], "parts", "cycle: " + " -> ".join(cycle))


RULES: tuple[Rule, ...] = (unique_ids, unique_names, translations, kinds, sources, parts)
AT_IMPORT: tuple[Rule, ...] = (unique_ids, unique_names, translations, kinds)
"""The rules checked whenever the metric layer is imported: they take no time. ``sources`` and ``parts`` build
every formula in Ibis (a second and more at start-up), so the test suite checks them (test_metrics_registry)."""


def validate(metrics: Sequence[Metric], rules: Sequence[Rule] = RULES) -> list[Problem]:
    """Every problem of the registry under ``rules`` (empty when it is sound)."""
    return [p for rule in rules for p in rule(metrics)]


def check(metrics: Sequence[Metric], rules: Sequence[Rule] = RULES) -> None:
    """Raise RegistryError listing every problem under ``rules``, if there is any."""
    problems = validate(metrics, rules)
    if problems:
        raise RegistryError(problems)
