"""Column access shared by the Chinese platform order presets (JD, Pinduoduo, Douyin).

- Headers are found by their normalised text (:func:`junshi.ingest.aliases.normalise`), so ``商品总价(元)``,
  ``商品总价（元）`` and ``商品总价`` are the same column, and a preset can list the names a column has had.
- Values lose the protection exports add to keep spreadsheets from mangling long ids: a leading tab or
  ``'`` and Excel's ``="..."``; ``-`` and ``--`` are none.
- Masked buyer data (``##密文``, ``$$密文``, ``138****0000``, ``****``) are opaque tokens: kept as text,
  never parsed into a region and never hashed into a shared address fingerprint.
"""

from __future__ import annotations

from collections.abc import Sequence

from junshi.ingest.presets.base import require
from junshi.ingest.presets.reportfile import NULL, cell, header
from junshi.ingest.readers import RawTable

# Province-level names that are cities themselves (their city is the province).
_MUNICIPALITIES = ("北京", "上海", "天津", "重庆")


class Columns:
    """The columns of one export, looked up by any of their names (through :mod:`.reportfile`)."""

    def __init__(self, raw: RawTable) -> None:
        self.raw = raw

    def find(self, *names: str) -> str | None:
        """The header of the first of ``names`` the export has."""
        return header(self.raw, *names)

    def has(self, *names: str) -> bool:
        return self.find(*names) is not None

    def sql(self, *names: str) -> str:
        """SQL for the column (over ``r``) cleaned as :func:`.reportfile.cell` cleans it, and a leading ``'``
        removed too; NULL when the export lacks it."""
        c = cell(self.raw, *names)
        return c if c == NULL else f"regexp_replace({c}, '^''', '')"

    def require(self, preset: str, expected: Sequence[str | tuple[str, ...]]) -> None:
        """Fail naming the expected and found columns when a column (or all of a tuple's spellings) is missing."""
        names = [(e,) if isinstance(e, str) else e for e in expected]
        require(self.raw, preset, [self.find(*n) or n[0] for n in names])


def masked(expr: str) -> str:
    """SQL condition: the value is masked (``##…``, ``$$…``, or has ``**`` like ``138****0000``)."""
    return f"regexp_matches(coalesce({expr}, ''), '\\*\\*|^\\s*(##|\\$\\$)')"


def unmasked(expr: str) -> str:
    """The value, or NULL when it is masked."""
    return f"CASE WHEN {masked(expr)} THEN NULL ELSE {expr} END"


def address_hash(*parts: str) -> str:
    """SHA-256 of the address parts; NULL when any part is masked (a masked address is not a shared address)."""
    joined = f"NULLIF(concat_ws('|', {', '.join(parts)}), '')"
    return f"CASE WHEN {' OR '.join(masked(p) for p in parts)} THEN NULL ELSE sha256({joined}) END"


def region_of(address: str) -> str:
    """The province of a Chinese address: its first word (``浙江 杭州市 …``) or ``…省/自治区/市`` at its start."""
    a = unmasked(address)
    return (f"CASE WHEN regexp_matches({a}, '^\\S+\\s') THEN regexp_extract({a}, '^(\\S+)\\s', 1) "
            f"ELSE NULLIF(regexp_extract({a}, '^(.+?(省|自治区|特别行政区|市))', 1), '') END")


def city_of(address: str) -> str:
    """The city of a Chinese address: the second word, or ``…市/自治州/地区/盟`` after the province;
    a municipality (北京, 上海, 天津, 重庆) is its own city."""
    a = unmasked(address)
    region = region_of(address)
    cities = ", ".join(f"'{m}'" for m in _MUNICIPALITIES)
    rest = f"ltrim(substr({a}, length({region}) + 1))"
    return (f"CASE WHEN rtrim({region}, '市') IN ({cities}) THEN {region} "
            f"WHEN regexp_matches({a}, '^\\S+\\s') THEN NULLIF(regexp_extract({a}, '^\\S+\\s+(\\S+)', 1), '') "
            f"ELSE NULLIF(regexp_extract({rest}, '^(.+?(市|自治州|地区|盟))', 1), '') END")


def buyers(good: str) -> str:
    """SQL for ``customers``: the buyers of the orders in ``good``, with the region and city of their latest order
    (orders-only shops get their customers this way)."""
    return f"""SELECT customer_id, arg_max(region, (created_at, __line)) AS region,
        arg_max(city, (created_at, __line)) AS city FROM {good} WHERE customer_id IS NOT NULL GROUP BY customer_id"""


def refunded(status: str) -> str:
    """SQL condition: an after-sale status (售后状态) says a refund went through (退款成功, 退货退款成功 …)."""
    return f"coalesce(strpos({status}, '退款成功') > 0 OR strpos({status}, '已退款') > 0, false)"


def buyer(expr: str) -> str:
    """A buyer id: kept as given (a ``##密文`` token stays an opaque token), NULL when partly masked
    (``jd_****``, ``138****0000``: different buyers share those, so they identify nobody)."""
    return f"CASE WHEN strpos(coalesce({expr}, ''), '**') > 0 THEN NULL ELSE {expr} END"


__all__ = ["NULL", "Columns", "address_hash", "buyer", "buyers", "city_of", "masked", "refunded", "region_of",
           "unmasked"]
