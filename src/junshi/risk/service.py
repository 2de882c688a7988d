"""Score a period's orders and save its suspects: what the CLI, the JSON API and the dashboard call."""

from __future__ import annotations

import datetime as dt

from junshi.errors import ConfigError, MissingDataError
from junshi.risk.score import DEFAULT_THRESHOLD, OrderRisk, score_orders
from junshi.risk.store import save_suspects
from junshi.warehouse import Writable


def _day(value: str | dt.date | None, what: str) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ConfigError(f"{what} {value!r} is not a date.", f"{what} {value!r} 不是日期。",
                          hint_en="Write YYYY-MM-DD.", hint_zh="请写成 YYYY-MM-DD。") from None


def risk_orders(wh: Writable, shop_id: str, start: str | dt.date | None = None, end: str | dt.date | None = None,
                threshold: float | None = None, *, save: bool = True) -> list[OrderRisk]:
    """Every order placed from ``start`` to ``end`` (default: all) scored, highest first; suspects saved."""
    first, last = wh.con.execute("SELECT min(created_at)::DATE, max(created_at)::DATE FROM orders WHERE shop_id = ?",
                                 [shop_id]).fetchall()[0]
    if first is None:
        raise MissingDataError("The shop has no orders to score.", "该店铺没有可评分的订单。",
                               hint_en="Load orders first (junshi ingest).", hint_zh="请先导入订单（junshi ingest）。")
    lo, hi = _day(start, "--from") or first, _day(end, "--to") or last
    if lo > hi:
        raise ConfigError(f"--from {lo} is after --to {hi}.", f"--from {lo} 晚于 --to {hi}。",
                          hint_en="Swap the two days.", hint_zh="请交换两个日期。")
    scored = score_orders(wh, shop_id, lo, hi, DEFAULT_THRESHOLD if threshold is None else threshold)
    if save:
        save_suspects(wh, shop_id, scored)
    return scored
