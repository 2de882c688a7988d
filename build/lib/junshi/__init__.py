"""Junshi (军师): an open-source data center for online shops.

``Shop`` and ``connect`` load on first use (PEP 562), so that ``import junshi`` (and ``junshi
--version``) does not pay for Ibis and DuckDB.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from junshi.shop import Shop, connect

__version__ = "0.1.0"
__all__ = ["Shop", "__version__", "connect"]


def __getattr__(name: str) -> Any:
    if name in ("Shop", "connect"):
        from junshi import shop

        value = globals()[name] = getattr(shop, name)  # cached: later lookups skip this hook
        return value
    raise AttributeError(f"module 'junshi' has no attribute {name!r}")
