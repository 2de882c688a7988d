"""Compiled plans kept next to the warehouse (``<warehouse>.plans/``), so that a new process (a restarted server,
each CLI command) runs a query shape's SQL without compiling it in Ibis again (0.2-2 s per shape).

An entry is keyed by the code that compiles (the source of this Junshi's modules, and
the Ibis and DuckDB versions), the shop, whether its figures are read without the suspect orders (clean figures
read orders from the raw rows), and the query shape (``query._shape``). It holds the SQL, its result
schema, the notes and sources of the plan, and the answers of the data check it was compiled with (which
tables and columns have data): an entry whose answers differ from the shop's data now is compiled anew.
The answers themselves are kept too, per shop, for the newest data version (the rollups' stamp), so that
a new process asks nothing of unchanged data that a former one asked. Only DuckDB files have a store; an
unwritable folder just means compiling as before. The store never opens the warehouse file itself
(:func:`junshi.warehouse.connection.duckdb_path` does not read the header of a file this process holds: closing
it would drop the process's lock on the warehouse).
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from typing import TYPE_CHECKING, Any

import ibis
import pyarrow as pa

from junshi.metrics.compiler import Plan
from junshi.metrics.model import Source
from junshi.metrics.notes import Note
from junshi.metrics.plan_files import named, write
from junshi.metrics.registry import REGISTRY
from junshi.metrics.rollups import (
    ANSWERS,
    CELL_PRODUCT_ANSWERS,
    LANDING_ANSWERS,
    PRODUCT_ANSWERS,
    _category,
    _margin,
    _product_margin,
)

if TYPE_CHECKING:
    from junshi.metrics.query import _DataCheck
    from junshi.warehouse import BaseWarehouse


def load(warehouse: BaseWarehouse, shop_id: str, shape: Any, check: _DataCheck) -> Plan | None:
    """The stored plan of ``shape`` (its ``sql`` still the shape's), or None when there is none that fits the
    shop's data now."""
    path = named(warehouse, "plan", (shop_id, shape))
    if path is None or not path.is_file():
        return None
    try:
        stored = json.loads(path.read_text())
        if stored["shape"] != repr(shape):
            return None
        check.prefetch(list(stored["known"]))  # one query for the tables not asked about yet
        if any(check(table) != has for table, has in stored["known"].items()):
            return None
        if any(check.valued_column(table, column) != has for table, column, has in stored["valued"]):
            return None
        sources = {mid: _source(mid, fact, shape) for mid, fact in stored["sources"].items()}
        schema = pa.ipc.read_schema(pa.py_buffer(base64.b64decode(stored["schema"])))
    except (OSError, ValueError, KeyError, TypeError, pa.ArrowException):
        return None
    if any(s is None for s in sources.values()):
        return None
    return Plan(expr=_Result(ibis.Schema.from_pyarrow(schema)), notes=[Note(**n) for n in stored["notes"]],
                unavailable=set(stored["unavailable"]), sources={m: s for m, s in sources.items() if s is not None},
                flags=stored["flags"], sql=stored["sql"])


def save(warehouse: BaseWarehouse, shop_id: str, shape: Any, plan: Plan, check: _DataCheck) -> None:
    """Keep ``plan`` (compiled, with its SQL) for ``shape``; nothing happens where the folder cannot be written."""
    path = named(warehouse, "plan", (shop_id, shape))
    if path is None or plan.sql is None or plan.expr is None:
        return
    schema = plan.expr.schema().to_pyarrow().serialize().to_pybytes()
    entry = {
        "shape": repr(shape), "sql": plan.sql, "schema": base64.b64encode(schema).decode(),
        "notes": [{"code": n.code, "en": n.en, "zh": n.zh, "metric": n.metric} for n in plan.notes],
        "unavailable": sorted(plan.unavailable), "flags": plan.flags,
        "sources": {mid: src.fact for mid, src in plan.sources.items()},
        "known": dict(check.known), "valued": [[t, c, has] for (t, c), has in dict(check.valued).items()],
    }
    write(path, entry)


def load_sql(warehouse: BaseWarehouse, name: tuple[Any, ...]) -> tuple[str, pa.Schema] | None:
    """The SQL and result schema kept for the query ``name`` (``query.fetch``), or None."""
    path = named(warehouse, "sql", name)
    if path is None or not path.is_file():
        return None
    try:
        stored = json.loads(path.read_text())
        if stored["name"] != repr(name):
            return None
        return str(stored["sql"]), pa.ipc.read_schema(pa.py_buffer(base64.b64decode(stored["schema"])))
    except (OSError, ValueError, KeyError, TypeError, pa.ArrowException):
        return None


def save_sql(warehouse: BaseWarehouse, name: tuple[Any, ...], sql: str, schema: pa.Schema) -> None:
    """Keep the SQL and result schema of the query ``name``."""
    path = named(warehouse, "sql", name)
    if path is not None:
        write(path, {"name": repr(name), "sql": sql,
                      "schema": base64.b64encode(schema.serialize().to_pybytes()).decode()})


def load_answers(warehouse: BaseWarehouse, shop_id: str, version: dt.datetime, check: _DataCheck) -> None:
    """Give ``check`` the answers kept for the shop's data ``version`` (the rollups' stamp: every load makes a new
    one), so that a new process does not ask the shop's data again what a former one asked of the same data."""
    path = named(warehouse, "answers", shop_id)
    if path is None or not path.is_file():
        return
    try:
        stored = json.loads(path.read_text())
        if stored["version"] != version.isoformat():
            return
        known = {str(table): bool(has) for table, has in stored["known"].items()}
        valued = {(str(table), str(column)): bool(has) for table, column, has in stored["valued"]}
    except (OSError, ValueError, KeyError, TypeError):
        return
    check.known.update(known)
    check.valued.update(valued)
    check.memo[_KEPT] = len(check.known) + len(check.valued)


def keep_answers(warehouse: BaseWarehouse, shop_id: str, version: dt.datetime, check: _DataCheck) -> None:
    """Keep the answers of ``check`` for the data ``version`` when it has new ones (one file per shop, holding
    the newest version's)."""
    count = len(check.known) + len(check.valued)
    path = named(warehouse, "answers", shop_id)
    if path is None or check.memo.get(_KEPT) == count:
        return
    check.memo[_KEPT] = count
    write(path, {"version": version.isoformat(), "known": dict(check.known),
                  "valued": [[t, c, has] for (t, c), has in dict(check.valued).items()]})


_KEPT = ("plan_store", "answers kept")  # the number of answers kept (in the check's memo, shared by its cursors)


def _source(mid: str, fact: str, shape: Any) -> Source | None:
    """The source of metric ``mid`` reading ``fact`` in a query of ``shape`` (the registry's, or a rollup's
    answering it: the margins' depend on the query's dimensions)."""
    answers = (ANSWERS, LANDING_ANSWERS, PRODUCT_ANSWERS, CELL_PRODUCT_ANSWERS)
    names = set(shape.by) | {name for name, _ in shape.filters}
    margins = (_margin(mid, names, shape.by), _product_margin(mid, names, shape.by), _category(mid, shape.by))
    candidates = [*REGISTRY[mid].sources, *(s for d in answers for (m, *_), s in d.items() if m == mid),
                  *(m for m in margins if m is not None)]
    return next((s for s in candidates if s.fact == fact), None)


class _Result:
    """A stored plan's stand-in for its Ibis expression: only its result schema is needed to run its SQL."""

    def __init__(self, schema: ibis.Schema) -> None:
        self._schema = schema

    def schema(self) -> ibis.Schema:
        return self._schema
