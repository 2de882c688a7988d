"""CDNOW transaction files (Fader, Hardie & Lee 2005): each row is one paid order of CDs.

Two layouts, whitespace-separated, CRLF line ends:

- master (``CDNOW_master.txt``): header ``customer_id date number_of_cds dollar_value``, 4 fields;
- sample (``CDNOW_sample.txt``): no header, 5 fields: master customer id, sample id, date, CDs, dollars.

Mapping: customer_id = the master customer id as written (zero-padded, so the sample and the master
agree); order_id = ``customer-YYYYMMDD-n`` (n = the row's rank among that customer's rows of the day,
in file order); created_at = paid_at = the date (midnight); item_amount = pay_amount = dollars;
one ``order_items`` line (product ``cd``, quantity = CDs, amount = dollars); ``customers`` one per id;
``products`` one row ``cd``. Quarantine: wrong number of fields, bad dates or numbers, negative values.
Shop settings: currency USD, time zone America/New_York.
"""

from __future__ import annotations

from pathlib import Path

from junshi.ingest.loader import Field, Loader
from junshi.ingest.presets.base import FileKind, Preset


def _has_header(path: Path) -> bool:
    with path.open("rb") as f:
        first = f.readline().decode("utf-8", "replace")
    return "customer" in first.lower()


def load(loader: Loader, files: list[Path], mapping: dict[str, str]) -> None:
    for path in files:
        header = _has_header(path)
        raw = loader.read(path, header=header, columns=["line"], delim="\x01")
        parts = "string_split_regex(trim(r.line), '\\s+')"
        n = f"len({parts})"
        pick = f"CASE {n} WHEN 4 THEN {parts}[{{m}}] WHEN 5 THEN {parts}[{{s}}] END"
        fields = [
            Field("fields", "INTEGER", f"CAST({n} AS VARCHAR)"),
            Field("customer_id", "VARCHAR", pick.format(m=1, s=1), required=True),
            Field("day", "TIMESTAMP", pick.format(m=2, s=3), required=True),
            Field("cds", "INTEGER", pick.format(m=3, s=4), required=True),
            Field("dollars", "DECIMAL(18,2)", pick.format(m=4, s=5), required=True),
        ]
        rules = [
            ("fields NOT IN (4, 5)", "malformed row"),
            ("cds < 0", "negative quantity"),
            ("dollars < 0", "negative amount"),
        ]
        g = loader.check(raw, "orders", fields, rules)
        orders = loader.temp_name("cd")
        loader.con.execute(f"""CREATE TEMP TABLE {orders} AS
            SELECT customer_id || '-' || strftime(day, '%Y%m%d') || '-' ||
                   row_number() OVER (PARTITION BY customer_id, day ORDER BY __line) AS order_id, *
            FROM {g}""")
        loader.write("orders", f"""SELECT order_id, customer_id, day AS created_at, day AS paid_at,
            dollars AS item_amount, dollars AS pay_amount FROM {orders}""")
        loader.write("order_items", f"""SELECT order_id, 1 AS line_no, 'cd' AS product_id, cds AS quantity,
            dollars AS amount FROM {orders}""")
        loader.write("customers", f"SELECT DISTINCT customer_id FROM {g}")
        loader.write("products", "SELECT 'cd' AS product_id, 'CD' AS name, 'music' AS category")
        loader.con.execute(f"DROP TABLE {orders}")


PRESET = Preset("cdnow", "CDNOW master/sample transaction files", "CDNOW 交易文件（完整版/样本）",
                "own", "USD", "America/New_York", load,
                kinds=(FileKind(name="master", zh="CDNOW 完整版（带表头）", en="CDNOW master file (with header)",
                                headers=("customer_id", "date", "number_of_cds", "dollar_value"), names=("CDNOW",)),))
