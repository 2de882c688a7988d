"""The shape of a metric declaration: plain data plus small Ibis expression builders (never SQL strings)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from junshi.i18n import Text

if TYPE_CHECKING:
    import ibis  # annotations only: the declarations import no Ibis (the builders get Ibis tables)

Unit = Literal["money", "count", "ratio", "seconds", "hours", "days", "score"]
Direction = Literal["up", "down", "none"]
Agg = Literal["count", "sum", "nunique", "mean", "reported", "repeat", "union", "repeat_sets"]
"""``union``: the size of the union of the rows' id sets (rollups: exact distinct counts over cells);
``reported``: a distinct count as a daily report gives it per row (see ``facts.DAILY_RULES``);
``repeat``: distinct values of the column seen on two or more days of the cell (repeat buyers)."""

UNITS: tuple[Unit, ...] = ("money", "count", "ratio", "seconds", "hours", "days", "score")
DIRECTIONS: tuple[Direction, ...] = ("up", "down", "none")

Column = Callable[["ibis.Table"], Any]
"""Builds a column expression from a fact table, e.g. ``lambda t: t.pay_amount``."""


def col(name: str) -> Column:
    """The column ``name`` of the fact table."""

    def build(t: ibis.Table) -> Any:
        return t[name]

    build.__name__ = name
    return build


@dataclass(frozen=True)
class Source:
    """How a base metric aggregates one fact: ``agg(column) where ...`` over the rows of the period.

    ``when``: the source is used only when the query splits or filters by one of these dimensions
    (e.g. the product-level source of sales); ``unless``: never when it does. ``needs``: lookup columns
    the expressions use. ``valued``: columns of the fact of which one at least must have a value for the shop, else
    the figure is unknown, not 0 (cost of goods without any unit cost).
    """

    fact: str
    agg: Agg
    column: Column | None = None
    where: Column | None = None
    when: tuple[str, ...] = ()
    unless: tuple[str, ...] = ()
    needs: tuple[str, ...] = ()
    valued: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class Metric:
    """One metric (口径). Base metrics have ``sources``; derived ones combine other metrics (``parts``).

    ``name`` and ``definition`` are bilingual: ``m.name("zh")``, ``m.definition()`` (the language in force).
    """

    id: str
    name: Text
    definition: Text
    unit: Unit
    direction: Direction
    additive: bool
    sources: tuple[Source, ...] = ()
    parts: tuple[str, ...] = ()
    combine: Callable[..., Any] | None = None
    rolling_days: int | None = None
    public: bool = True
    whole: tuple[str, ...] = ()
    """Parts taken for the whole time cell when they cannot be split the way a query asks (spend ratio by
    campaign: the campaign's ad spend over the shop's sales of the day)."""

    @property
    def derived(self) -> bool:
        return bool(self.parts)


def ratio(scale: float = 1.0, *, positive: bool = False) -> Callable[[Any, Any], Any]:
    """``numerator / denominator`` (x scale), empty when the denominator is 0 or empty; with ``positive`` also when
    it is negative (a margin of negative net sales, where refunds of earlier orders exceed the period's sales,
    would read as 140%)."""

    def combine(num: Any, den: Any) -> Any:
        den = den.cast("float64")
        value = num.cast("float64") / ((den > 0).ifelse(den, None) if positive else den.nullif(0.0))
        return value * scale if scale != 1.0 else value

    return combine


def difference(a: Any, b: Any) -> Any:
    """``a - b`` (as float)."""
    return a.cast("float64") - b.cast("float64")
