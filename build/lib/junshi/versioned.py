"""Values computed from a shop's data, kept while the data is unchanged: per warehouse, shop and rollup stamp (every
load refreshes the rollups and so moves the stamp on), in this process (:func:`kept`) or beside the warehouse for
the next process too (:func:`stored`). Where the stamp is not known (rollups not built, a lake, figures without the
suspect orders) nothing is kept."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TYPE_CHECKING, Any, TypeVar, cast

if TYPE_CHECKING:
    import datetime as dt

    import pyarrow as pa

    from junshi.shop import Shop
    from junshi.warehouse import BaseWarehouse

T = TypeVar("T")
KEPT = 16  # values kept (the oldest asked for goes first)

_KEPT: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
_GUARD = threading.Lock()


def stored(shop: Shop, name: Hashable, compute: Callable[[], T], dump: Callable[[T], Any],
           load: Callable[[Any], T]) -> T:
    """``compute()``, kept as JSON (``dump``, read back by ``load``) in the warehouse's plan store
    (:mod:`junshi.metrics.plan_files`) for this shop's data version: a new process on unchanged data (a restarted
    server's first page) reads it instead of computing it. ``name`` holds whatever else the value depends on."""
    from junshi.metrics import plan_files

    def read(warehouse: BaseWarehouse, shop_id: str, stamp: dt.datetime) -> T | None:
        found = plan_files.load_value(warehouse, shop_id, stamp, name)
        return None if found is None else load(found)

    def keep(warehouse: BaseWarehouse, shop_id: str, stamp: dt.datetime, value: T) -> None:
        plan_files.keep_value(warehouse, shop_id, stamp, name, dump(value))

    return _beside(shop, compute, read, keep)


def stored_table(shop: Shop, name: Hashable, compute: Callable[[], pa.Table]) -> pa.Table:
    """``compute()``, an Arrow table, kept as :func:`stored` keeps a value but in Arrow's IPC format (too large for
    JSON: a shop's purchase days)."""
    from junshi.metrics import plan_files

    def read(warehouse: BaseWarehouse, shop_id: str, stamp: dt.datetime) -> pa.Table | None:
        return plan_files.load_table(warehouse, shop_id, stamp, name)

    def keep(warehouse: BaseWarehouse, shop_id: str, stamp: dt.datetime, value: pa.Table) -> None:
        plan_files.keep_table(warehouse, shop_id, stamp, name, value)

    return _beside(shop, compute, read, keep)


def _beside(shop: Shop, compute: Callable[[], T], read: Callable[[BaseWarehouse, str, dt.datetime], T | None],
            keep: Callable[[BaseWarehouse, str, dt.datetime, T], None]) -> T:
    """The value read from the store for the shop's data version, else computed and kept there."""
    version = _version(shop)
    if version is None:
        return compute()
    _, shop_id, stamp = version
    found = read(shop.warehouse, shop_id, stamp)
    if found is not None:
        return found
    value = compute()
    keep(shop.warehouse, shop_id, stamp, value)
    return value


def stored_json(shop: Shop, name: Hashable, compute: Callable[[], T]) -> T:
    """:func:`stored` for a value made of dicts, lists, numbers and text (NumPy scalars, dates and NaN stored as
    :func:`junshi.jsonable.jsonable` makes them, as every face shows them)."""
    from junshi.jsonable import jsonable

    def load(value: Any) -> T:
        return cast(T, value)  # the JSON of what compute returned, as its callers read it

    value: T = stored(shop, name, compute, jsonable, load)
    return value


def _version(shop: Shop) -> tuple[Any, ...] | None:
    from junshi import rollup
    from junshi.warehouse import Writable

    wh = shop.warehouse
    if not isinstance(wh, Writable) or wh.engine != "duckdb" or wh.clean:
        return None
    stamp = rollup.stamp(wh.con, shop.shop_id)
    return None if stamp is None else (wh.url, shop.shop_id, stamp)


def kept(shop: Shop, key: Hashable, compute: Callable[[], T]) -> T:
    """``compute()``, kept under ``key`` for this shop's data version (computed anew when it is not known)."""
    version = _version(shop)
    if version is None:
        return compute()
    full = (*version, key)
    with _GUARD:
        if full in _KEPT:
            _KEPT.move_to_end(full)
            return _KEPT[full]  # type: ignore[no-any-return]  # values are whatever compute returned for the key
    value = compute()
    with _GUARD:
        _KEPT[full] = value
        while len(_KEPT) > KEPT:
            _KEPT.popitem(last=False)
    return value
