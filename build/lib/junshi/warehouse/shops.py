"""A shop's settings: name, platform, currency and time zone; a new time zone can move the stored times.

Times are stored as the shop's local wall-clock time (see docs/schema.md). Changing the time zone of a
shop that already has rows is therefore a choice only the user can make: times that came with an offset
or as Unix time were converted into the old zone and should move with it (``times="shift"``); times that
came as local clock time without an offset are right as they are (``times="keep"``). So a change over
loaded data is refused unless the user says which it is.
"""

from __future__ import annotations

import re
import zoneinfo
from typing import Literal

from junshi import rollup
from junshi.errors import ConfigError
from junshi.schema import TABLES
from junshi.warehouse.base import Writable

UTC_TABLES = ("loads", "schedules", "deliveries")  # their times are UTC, not shop-local
CURRENCY = re.compile(r"[A-Z]{3}")


def _check(currency: str | None, timezone: str | None) -> None:
    if currency is not None and not CURRENCY.fullmatch(currency):
        raise ConfigError(f"Currency {currency!r} is not a three-letter ISO 4217 code.",
                          f"币种 {currency!r} 不是三个大写字母的 ISO 4217 代码。",
                          hint_en="Use e.g. CNY, USD, GBP or EUR.", hint_zh="例如 CNY、USD、GBP 或 EUR。")
    if timezone is not None:
        try:
            zoneinfo.ZoneInfo(timezone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise ConfigError(f"Time zone {timezone!r} is not a known IANA time zone.",
                              f"时区 {timezone!r} 不是已知的 IANA 时区。",
                              hint_en="Use e.g. Asia/Shanghai, Europe/London or America/New_York.",
                              hint_zh="例如 Asia/Shanghai、Europe/London 或 America/New_York。") from None


def _local_tables() -> dict[str, list[str]]:
    """Canonical tables with shop-local TIMESTAMP columns, and those columns."""
    out = {}
    for name, spec in TABLES.items():
        cols = [c.name for c in spec.columns if c.type == "TIMESTAMP"]
        if cols and name not in UTC_TABLES:
            out[name] = cols
    return out


def set_shop(wh: Writable, shop_id: str, *, name: str | None = None, platform: str | None = None,
             currency: str | None = None, timezone: str | None = None,
             times: Literal["shift", "keep"] | None = None) -> dict[str, str | None]:
    """Change the given settings of a shop (registering it if new); return its settings.

    A new ``timezone`` for a shop with rows needs ``times``: ``"shift"`` moves every stored local time
    from the old zone to the new one (the same instant, a new clock time), in one transaction; ``"keep"``
    leaves the clock times as they are.
    """
    currency = currency.upper() if currency else currency
    _check(currency, timezone)
    old = wh.shop_settings(shop_id)
    wh.ensure_shop(shop_id)
    moving = timezone is not None and timezone != old["timezone"]
    tables = _local_tables()
    rows = sum(wh.row_count(t, shop_id) for t in tables) if moving else 0
    if rows and times is None:
        raise ConfigError(
            f"Shop {shop_id} has {rows:,} rows whose times are clock times in {old['timezone']}.",
            f"店铺 {shop_id} 已有 {rows:,} 行数据，其时间是 {old['timezone']} 的本地时间。",
            hint_en="If the files gave times with an offset or as Unix time, add --shift-times "
                    "(times=\"shift\") to move them to the new zone; if they gave local clock times, add "
                    "--keep-times (times=\"keep\").",
            hint_zh="若文件中的时间带时区偏移或为 Unix 时间，请加 --shift-times（times=\"shift\"）将其换算到"
                    "新时区；若为不带偏移的本地时间，请加 --keep-times（times=\"keep\"）。")
    with wh.transaction() as con:
        if moving and times == "shift":
            for table, cols in tables.items():
                moved = ", ".join(f'"{c}" = timezone(?, timezone(?, "{c}"))' for c in cols)
                params = [p for _c in cols for p in (timezone, old["timezone"])]
                con.execute(f'UPDATE "{table}" SET {moved} WHERE shop_id = ?', [*params, shop_id])
            rollup.refresh(con, shop_id)  # the days of the moved rows
        changes = {"name": name, "platform": platform, "currency": currency, "timezone": timezone}
        for column, value in changes.items():
            if value is not None:
                con.execute(f'UPDATE shops SET "{column}" = ? WHERE shop_id = ?', [value, shop_id])
    return wh.shop_settings(shop_id)
