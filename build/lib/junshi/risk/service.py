"""Score a period's orders and save its suspects: what the CLI, the JSON API and the dashboard call."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from junshi.errors import ConfigError, MissingDataError
from junshi.periods import parse_day
from junshi.risk.aftersale import AbuseRisk, Check, abuse_risk
from junshi.risk.score import DEFAULT_THRESHOLD, OrderRisk, score_orders
from junshi.risk.store import save_suspects
from junshi.warehouse import BaseWarehouse, Writable


def period_of(wh: BaseWarehouse, shop_id: str, start: str | dt.date | None, end: str | dt.date | None
              ) -> tuple[dt.date, dt.date]:
    """The days asked for (``--from``/``--to``), each defaulting to the shop's first or last order day."""
    o = wh.table("orders", shop_id)
    bounds = wh.execute(o.aggregate(first=o.created_at.min(), last=o.created_at.max()))
    first, last = bounds["first"].iloc[0], bounds["last"].iloc[0]
    if pd.isna(first):
        raise MissingDataError("The shop has no orders to score.", "该店铺没有可评分的订单。",
                               hint_en="Load orders first (junshi ingest).", hint_zh="请先导入订单（junshi ingest）。")
    lo = parse_day(start, "--from") if start is not None else first.date()
    hi = parse_day(end, "--to") if end is not None else last.date()
    if lo > hi:
        raise ConfigError(f"--from {lo} is after --to {hi}.", f"--from {lo} 晚于 --to {hi}。",
                          hint_en="Swap the two days.", hint_zh="请交换两个日期。")
    return lo, hi


def risk_orders(wh: Writable, shop_id: str, start: str | dt.date | None = None, end: str | dt.date | None = None,
                threshold: float | None = None, *, save: bool = True) -> list[OrderRisk]:
    """Every order placed from ``start`` to ``end`` (default: all) scored, highest first; suspects saved."""
    lo, hi = period_of(wh, shop_id, start, end)
    scored = score_orders(wh, shop_id, lo, hi, DEFAULT_THRESHOLD if threshold is None else threshold)
    if save:
        save_suspects(wh, shop_id, scored)
    return scored


def aftersale_risk(wh: BaseWarehouse, shop_id: str, check: Check, start: str | dt.date | None = None,
                   end: str | dt.date | None = None, *, suspects_only: bool = False) -> list[AbuseRisk]:
    """Buyers and shared addresses of one payment or after-sale check over a period (default: all), ranked
    (``suspects_only``: the suspects alone)."""
    lo, hi = period_of(wh, shop_id, start, end)
    currency = str(wh.shop_settings(shop_id).get("currency") or "CNY")
    return abuse_risk(wh, shop_id, check, lo, hi, currency=currency, suspects_only=suspects_only)


def daily_suspects(scored: pd.DataFrame, placed: dict[dt.date, int], start: dt.date, end: dt.date
                   ) -> tuple[list[int], list[int]]:
    """Per day from ``start`` to ``end``: orders placed that day (``placed``), and the suspects among them (of a
    :func:`~junshi.risk.score.score_frame`)."""
    per = scored[scored["suspect"]].groupby("day").size()
    days = [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]
    return [placed.get(d, 0) for d in days], [int(per.get(d, 0)) for d in days]


def share_jumps(days: list[dt.date], orders: list[int], suspects: list[int], first: int) -> list[dt.date]:
    """Days from index ``first`` on whose suspect share jumps beyond normal variation, each against the days
    before it (the alerts' test: :func:`junshi.analysis.alerts.suspect_jump_test`)."""
    from junshi.analysis.alerts import AlertSettings, suspect_jump_test

    settings = AlertSettings()
    window = 7 * settings.anomaly.weeks
    return [days[i] for i in range(first, len(days))
            if suspect_jump_test(suspects[max(0, i - window):i], orders[max(0, i - window):i], suspects[i],
                                 orders[i], settings)[0]]


def ring_edges(wh: Writable, shop_id: str, buyers: list[str]) -> list[tuple[str, str, str]]:
    """(buyer, kind, fingerprint) for each address or device the given buyers ordered with."""
    rows = wh.con.execute("""
        SELECT DISTINCT customer_id, 'address', address_hash FROM orders
        WHERE shop_id = $1 AND customer_id IN (SELECT unnest($2)) AND address_hash IS NOT NULL
        UNION SELECT DISTINCT customer_id, 'device', device_hash FROM orders
        WHERE shop_id = $1 AND customer_id IN (SELECT unnest($2)) AND device_hash IS NOT NULL
        ORDER BY 1, 2, 3""", [shop_id, buyers]).fetchall()
    return [(str(a), str(b), str(c)) for a, b, c in rows]
