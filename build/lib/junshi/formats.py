"""Money and number formats, defined once: Python formats with them and the browser gets them as data.

:func:`format_spec` is what the dashboard serves (JSON or inlined in the page) so that ``junshi.js`` shows
values exactly as the CLI and the morning note do: the currency symbols, the mark of an empty value, the
decimals and the suffix of each unit (per language), the decimals of a percent change.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from junshi.i18n import Lang, Text, get_lang

CURRENCY_SYMBOLS: dict[str, str] = {
    "CNY": "¥", "JPY": "¥", "USD": "$", "HKD": "HK$", "GBP": "£", "EUR": "€", "BRL": "R$",
}
"""Symbols of the currencies shops sell in; another currency is shown as its code and a space (``AUD 5.00``)."""

EMPTY = "—"
"""What an empty value (no data, a ratio over zero) shows."""

CHANGE_DECIMALS = 1
"""Decimals of a percent change (``+12.3%``)."""

UNIT_DECIMALS: dict[str, int] = {
    "money": 2, "ratio": 2, "count": 0, "seconds": 2, "hours": 2, "days": 2, "score": 2,
}
"""Decimals of each metric unit (a ratio as a percent); another unit shows :data:`FRACTION_DECIMALS`."""

FRACTION_DECIMALS = 2
"""Decimals of a count with a fraction (an average of counts) and of a unit not listed above."""

UNIT_SCALES: dict[str, int] = {"ratio": 100}
"""What a unit's values are multiplied by to be shown (a ratio as a percent)."""

UNIT_SUFFIXES: dict[str, Text] = {
    "ratio": Text(en="%", zh="%"), "seconds": Text(en=" s", zh=" 秒"), "hours": Text(en=" h", zh=" 小时"),
    "days": Text(en=" d", zh=" 天"),
}
"""Suffix of each unit's values (none for money, counts and scores)."""


def currency_symbol(currency: str) -> str:
    """What money of ``currency`` is prefixed with: its symbol, else its code and a space."""
    return CURRENCY_SYMBOLS.get(currency, currency + " ")


def format_value(value: Any, unit: str, currency: str = "CNY", *, change: bool = False, lang: Lang | None = None,
                 decimals: int | None = None) -> str:
    """A value for people: ¥1,234.50, 3.45%, 1,234, 97.50 s ... (:data:`EMPTY` when empty).

    ``change``: a difference, signed (+/-). A value shown as zero has no sign. Rounding is half away from zero
    (四舍五入) on the shortest decimal that reads back as the value (2.675 -> 2.68), as ``junshi.js`` rounds with
    the spec of :func:`format_spec`.
    """
    if value is None or (isinstance(value, float) and value != value):
        return EMPTY
    size = abs(value) * UNIT_SCALES.get(unit, 1)
    if decimals is None:
        decimals = UNIT_DECIMALS.get(unit, FRACTION_DECIMALS)
        if unit == "count" and not float(size).is_integer():
            decimals = FRACTION_DECIMALS
    exact = size if isinstance(size, Decimal) else Decimal(repr(float(size)))
    digits = f"{exact.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP):,.{decimals}f}"
    shown = any(c in "123456789" for c in digits)
    sign = "-" if shown and value < 0 else "+" if shown and change and value > 0 else ""
    prefix = currency_symbol(currency) if unit == "money" else ""
    suffix = UNIT_SUFFIXES[unit].get(lang or get_lang()) if unit in UNIT_SUFFIXES else ""
    return f"{sign}{prefix}{digits}{suffix}"


def format_change(pct: float | None) -> str:
    """A relative change as a signed percent with :data:`CHANGE_DECIMALS` decimals (``+12.3%``; :data:`EMPTY` when
    empty)."""
    return format_value(pct, "ratio", change=True, decimals=CHANGE_DECIMALS)


def format_spec(lang: Lang) -> dict[str, Any]:
    """The formats as JSON-ready data for the browser (the dashboard inlines it in each page, with the shop's
    ``currency``).

    ``{"symbols": {"CNY": "¥", ...}, "empty": "—", "change_decimals": 1, "fraction_decimals": 2,
    "units": {"money": {"decimals": 2, "suffix": "", "scale": 1}, "ratio": {"decimals": 2, "suffix": "%",
    "scale": 100}, ...}, "grouping": true}``: money is ``symbol + number``; a currency without a symbol shows
    ``code + " "``; numbers use thousands separators (``grouping``) and round half away from zero; a count with a
    fraction and a unit not listed show ``fraction_decimals``; a value shown as zero has no sign.
    """
    units = {
        unit: {"decimals": decimals,
               "suffix": UNIT_SUFFIXES[unit].get(lang) if unit in UNIT_SUFFIXES else "",
               "scale": UNIT_SCALES.get(unit, 1)}
        for unit, decimals in UNIT_DECIMALS.items()
    }
    return {"symbols": dict(CURRENCY_SYMBOLS), "empty": EMPTY, "change_decimals": CHANGE_DECIMALS,
            "fraction_decimals": FRACTION_DECIMALS, "units": units, "grouping": True}
