"""Column access shared by the Chinese platform order presets (JD, Pinduoduo, Douyin).

- Headers are found by their normalised text (:func:`junshi.ingest.aliases.normalise`), so ``商品总价(元)``,
  ``商品总价（元）`` and ``商品总价`` are the same column, and a preset can list the names a column has had.
- Values lose the protection exports add to keep spreadsheets from mangling long ids: a leading tab or
  ``'`` and Excel's ``="..."``; ``-`` and ``--`` are none.
- Masked buyer data (``##密文``, ``$$密文``, ``138****0000``, ``****``) are opaque tokens: kept as text,
  never parsed into a region and never hashed into a shared address fingerprint.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

from junshi.ingest.loader import Field, Loader
from junshi.ingest.presets.base import FileKind, require
from junshi.ingest.presets.reportfile import NONE_TEXT, NULL, cell, finish, header, taken_as
from junshi.ingest.readers import RawTable
from junshi.ingest.rules import table_rules
from junshi.ingest.sqlfuncs import quote_ident, quote_str

# Province-level names that are cities themselves (their city is the province).
_MUNICIPALITIES = ("北京", "上海", "天津", "重庆")
# A cell needs cleaning only when it starts or ends with one of these (regexps cost ~5x a plain cell).
_PROTECTED_START = (" ", "\t", "\u3000", "=", '"', "'")
_PROTECTED_END = (" ", "\t", "\u3000", '"')


def _any_of(chars: Sequence[str]) -> str:
    return ", ".join(quote_str(c) for c in chars)


class Columns:
    """The columns of one export, looked up by any of their names (through :mod:`.reportfile`)."""

    def __init__(self, raw: RawTable) -> None:
        self.raw = raw

    @classmethod
    def read(cls, loader: Loader, path: Path, mapping: dict[str, str], preset: str,
             expected: Sequence[str | tuple[str, ...]]) -> Columns:
        """Read ``path`` (headers renamed by ``--map``) and check that it has the ``expected`` columns."""
        c = cls(loader.read(path, rename=mapping))
        c.require(preset, expected)
        return c

    @classmethod
    def each(cls, loader: Loader, files: Sequence[Path], mapping: dict[str, str], preset: str,
             expected: Sequence[str | tuple[str, ...]]) -> Iterator[Columns]:
        """Each of ``files``, read and checked as :meth:`read` does."""
        for path in files:
            yield cls.read(loader, path, mapping, preset, expected)

    def check(self, loader: Loader, table: str, fields: Sequence[Field], rules: Sequence[tuple[str, str]],
              preset: str, kind: FileKind, *, where: str | None = None) -> str:
        """The export's rows as ``fields`` (those breaking a rule quarantined; see :meth:`Loader.check`), the file
        recorded as taken for ``kind`` of ``preset``, with the rows it skipped and the columns no field read."""
        g = loader.check(self.raw, table, fields, rules, where=where)
        taken_as(loader, self.raw, preset, kind)
        finish(loader, self.raw, fields)
        return g

    def find(self, *names: str) -> str | None:
        """The header of the first of ``names`` the export has."""
        return header(self.raw, *names)

    def has(self, *names: str) -> bool:
        return self.find(*names) is not None

    def sql(self, *names: str) -> str:
        """SQL for the column (over ``r``) cleaned as :func:`.reportfile.cell` cleans it, and a leading ``'``
        removed too; NULL when the export lacks it. Cells without protection skip the regexps."""
        h = self.find(*names)
        if h is None:
            return NULL
        x = f"r.{quote_ident(h)}"
        return (f"(CASE WHEN left({x}, 1) IN ({_any_of(_PROTECTED_START)}) "
                f"OR right({x}, 1) IN ({_any_of(_PROTECTED_END)}) "
                f"THEN regexp_replace({cell(self.raw, h)}, '^''', '') "
                f"WHEN {x} IN ({_any_of(NONE_TEXT)}) THEN NULL ELSE {x} END)")

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


def place_fields(c: Columns, *address: str) -> list[Field]:
    """The fields :func:`places` reads: ``address`` (the first of the ``address`` headers the export has: the
    street or the whole address), ``province`` (省), ``city_name`` (市) and ``district`` (区)."""
    return [Field("address", "VARCHAR", c.sql(*address)), Field("province", "VARCHAR", c.sql("省")),
            Field("city_name", "VARCHAR", c.sql("市")), Field("district", "VARCHAR", c.sql("区"))]


def places(loader: Loader, good: str) -> str:
    """A temp table of the rows of ``good`` (with the :func:`place_fields`) with ``region``, ``city`` and
    ``address_hash`` added. The caller drops it.

    region / city: 省 / 市, else parsed from the address: its first and second words (``浙江 杭州市 …``), or
    ``…省/自治区/市`` at its start and ``…市/自治州/地区/盟`` after it; a municipality (北京, 上海, 天津, 重庆) is
    its own city. Masked parts are NULL. address_hash: SHA-256 of 省, 市, 区 and the address when an address is
    exported and no part is masked (a masked address is not a shared address fingerprint).
    """
    parts = ("province", "city_name", "district", "address")
    word = "regexp_matches(__a, '^\\S+\\s')"
    head = (f"CASE WHEN {word} THEN regexp_extract(__a, '^(\\S+)\\s', 1) "
            f"ELSE NULLIF(regexp_extract(__a, '^(.+?(省|自治区|特别行政区|市))', 1), '') END")
    rest = "ltrim(substr(__a, length(__head) + 1))"
    second = (f"CASE WHEN rtrim(__head, '市') IN ({_any_of(_MUNICIPALITIES)}) THEN __head "
              f"WHEN {word} THEN NULLIF(regexp_extract(__a, '^\\S+\\s+(\\S+)', 1), '') "
              f"ELSE NULLIF(regexp_extract({rest}, '^(.+?(市|自治州|地区|盟))', 1), '') END")
    hashed = (f"CASE WHEN address IS NULL OR {' OR '.join(masked(x) for x in parts)} THEN NULL "
              f"ELSE sha256(concat_ws('|', {', '.join(parts)})) END")
    name = loader.temp_name("places")
    loader.con.execute(f"""CREATE TEMP TABLE {name} AS
        SELECT * EXCLUDE (__a, __head, __province, __city),
               coalesce(__province, __head) AS region, coalesce(__city, {second}) AS city
        FROM (SELECT *, {head} AS __head FROM (
              SELECT *, {unmasked('address')} AS __a, {unmasked('province')} AS __province,
                     {unmasked('city_name')} AS __city, {hashed} AS address_hash FROM {good}))""")
    return name


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


__all__ = ["NULL", "Columns", "buyer", "buyers", "masked", "place_fields", "places", "refunded", "unmasked"]


def order_rules(fields: Sequence[Field]) -> list[tuple[str, str]]:
    """The checks of ``orders`` and ``order_items`` on the columns of ``fields`` (an export of order lines)."""
    names = [f.name for f in fields]
    return [*table_rules("orders", names), *table_rules("order_items", names)]
