"""Junshi (军师): an open-source data center for online shops."""

from junshi.shop import Shop, connect

__version__ = "0.1.0"
__all__ = ["Shop", "__version__", "connect"]
