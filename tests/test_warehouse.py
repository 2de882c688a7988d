"""The warehouse: tables created on first use, schema version stored and checked, shops kept apart."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from junshi import connect
from junshi.errors import ConfigError, WarehouseError
from junshi.schema import SCHEMA_VERSION, TABLES
from junshi.schema.docs import schema_markdown
from junshi.warehouse import Warehouse

ROOT = Path(__file__).resolve().parents[1]


def test_first_use_creates_every_canonical_table_with_documented_types(db_path: Path) -> None:
    wh = Warehouse(db_path)
    for name, spec in TABLES.items():
        got = {row[0]: row[1] for row in wh.con.execute(f'DESCRIBE "{name}"').fetchall()}
        assert got == {c.name: c.type for c in spec.columns}, name
    assert wh.table("orders").schema()["pay_amount"].is_decimal()
    wh.close()


def test_schema_version_is_stored_and_a_newer_one_is_refused(db_path: Path) -> None:
    wh = Warehouse(db_path)
    row = wh.con.execute("SELECT value FROM junshi_meta WHERE key='schema_version'").fetchone()
    assert row == (str(SCHEMA_VERSION),)
    wh.con.execute("UPDATE junshi_meta SET value = ? WHERE key='schema_version'", [str(SCHEMA_VERSION + 1)])
    wh.close()
    with pytest.raises(WarehouseError, match="schema version"):
        Warehouse(db_path)


def test_a_version_1_warehouse_is_migrated_keeping_its_rows(db_path: Path) -> None:
    """Version 1 had no daily_* tables, no orders.promised_at/carrier and no ad_spend attribution columns."""
    wh = Warehouse(db_path)
    con = wh.con
    for name in ("daily_shop", "daily_source", "daily_product"):
        con.execute(f'DROP TABLE "{name}"')
    con.execute('ALTER TABLE orders DROP COLUMN carrier')
    con.execute('ALTER TABLE orders DROP COLUMN promised_at')
    v1_ad = TABLES["ad_spend"].column_names[:11]
    for column in TABLES["ad_spend"].column_names[11:]:
        con.execute(f'ALTER TABLE ad_spend DROP COLUMN "{column}"')
    assert tuple(r[0] for r in con.execute("DESCRIBE ad_spend").fetchall()) == v1_ad
    con.execute("INSERT INTO orders (shop_id, order_id, created_at, pay_amount) "
                "VALUES ('s', 'o1', TIMESTAMP '2024-01-01 10:00', 12.5)")
    con.execute("INSERT INTO ad_spend VALUES ('s', DATE '2024-01-01', '直通车', 'p', NULL, NULL, 100, 5, 9.9, 1, 20)")
    con.execute("UPDATE junshi_meta SET value = '1' WHERE key = 'schema_version'")
    wh.close()

    wh = Warehouse(db_path)
    for name, spec in TABLES.items():
        got = [row[0] for row in wh.con.execute(f'DESCRIBE "{name}"').fetchall()]
        assert got == list(spec.column_names), name
    assert wh.con.execute("SELECT order_id, pay_amount, promised_at FROM orders").fetchall() == [
        ("o1", Decimal("12.50"), None)]
    assert wh.con.execute("SELECT cost, attribution_window FROM ad_spend").fetchall() == [(Decimal("9.90"), None)]
    assert wh.con.execute("SELECT value FROM junshi_meta WHERE key='schema_version'").fetchall() == [
        (str(SCHEMA_VERSION),)]
    wh.close()


def test_reopening_keeps_data(db_path: Path) -> None:
    wh = Warehouse(db_path)
    wh.ensure_shop("a", currency="GBP", timezone="Europe/London")
    wh.close()
    with connect(db_path, shop="a") as shop:
        assert shop.settings["currency"] == "GBP"
        assert shop.settings["timezone"] == "Europe/London"


def test_tables_are_limited_to_one_shop(db_path: Path) -> None:
    wh = Warehouse(db_path)
    wh.con.execute(
        "INSERT INTO inventory VALUES ('a', DATE '2024-01-01', 'p1', 3), ('b', DATE '2024-01-01', 'p1', 5)"
    )
    assert wh.row_count("inventory") == 2
    assert wh.row_count("inventory", "a") == 1
    assert int(wh.table("inventory", "b").stock.sum().execute()) == 5
    wh.close()


def test_upsert_replaces_rows_with_the_same_key(db_path: Path) -> None:
    wh = Warehouse(db_path)
    with wh.transaction() as con:
        con.execute(
            "CREATE TEMP TABLE s AS SELECT 'a' AS shop_id, DATE '2024-01-01' AS date, 'p1' AS product_id, 3 AS stock"
        )
        wh.upsert(con, "inventory", "s")
        con.execute("UPDATE s SET stock = 7")
        wh.upsert(con, "inventory", "s")
    assert wh.con.execute("SELECT stock FROM inventory").fetchall() == [(7,)]
    wh.close()


def test_a_failed_transaction_leaves_nothing(db_path: Path) -> None:
    wh = Warehouse(db_path)
    with pytest.raises(RuntimeError), wh.transaction() as con:
        con.execute("INSERT INTO inventory VALUES ('a', DATE '2024-01-01', 'p1', 3)")
        raise RuntimeError("crash mid-load")
    assert wh.row_count("inventory") == 0
    wh.close()


def test_unknown_url_and_table_say_what_to_do(db_path: Path) -> None:
    with pytest.raises(ConfigError, match="DuckDB file path"):
        Warehouse("mysql://x")
    wh = Warehouse(db_path)
    with pytest.raises(ConfigError, match="Known tables"):
        wh.table("nope")
    wh.close()


def test_a_wrong_db_is_named_and_nothing_is_created(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A folder, a file that is not a DuckDB database (left unchanged), an empty file, a lake: URL (opened
    by junshi.connect, not by the DuckDB file class) and an unknown scheme each get their own message; no folder
    or file appears."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "exports").mkdir()
    orders = tmp_path / "orders.csv"
    orders.write_text("order_id,pay_amount\no1,10\n", encoding="utf-8")
    (tmp_path / "empty.duckdb").touch()
    before = sorted(p.name for p in tmp_path.iterdir())
    for db, expected in [
        ("exports", "is a folder, not a DuckDB file"),
        (str(orders), "is not a DuckDB database"),
        ("empty.duckdb", "is not a DuckDB database"),
        ("lake:/x", "is a lake of Parquet files"),
        ("lake://bucket/shop", "is a lake of Parquet files"),
        ("md:shop", "Unknown warehouse URL scheme 'md'"),
    ]:
        with pytest.raises(ConfigError) as err:
            Warehouse(db)
        assert expected in err.value.en and err.value.zh and err.value.hint_en, db
    assert sorted(p.name for p in tmp_path.iterdir()) == before
    assert orders.read_text(encoding="utf-8") == "order_id,pay_amount\no1,10\n"


def test_docs_schema_is_generated_from_the_tables() -> None:
    assert (ROOT / "docs" / "schema.md").read_text(encoding="utf-8") == schema_markdown(), (
        "docs/schema.md is stale: run python -m junshi.schema.docs > docs/schema.md"
    )


def test_capabilities(tmp_path: Path) -> None:
    """DuckDB reads and writes; a read-only DuckDB and the Spark class only read (no inherited write method),
    and asking either for the write capability names the engine; a cursor is the same database."""
    import inspect

    from junshi.warehouse import BaseWarehouse, Writable, writable
    from junshi.warehouse.spark import SparkWarehouse

    wh = Warehouse(tmp_path / "c.duckdb")
    assert writable(wh) is wh
    wh.ensure_shop("s", currency="EUR")
    other = wh.cursor()
    assert isinstance(other, Writable) and other.shop_settings("s")["currency"] == "EUR"
    assert other.row_count("shops") == 1
    other.close()
    wh.close()
    ro = Warehouse(tmp_path / "c.duckdb", read_only=True)
    with pytest.raises(WarehouseError, match="read-only"):
        writable(ro)
    ro.close()
    assert issubclass(SparkWarehouse, BaseWarehouse) and not issubclass(SparkWarehouse, Writable)
    for name in ("con", "transaction", "upsert", "ensure_shop"):
        assert not hasattr(SparkWarehouse, name), name
    assert not inspect.isabstract(SparkWarehouse)


def test_a_write_runs_in_bounded_memory_up_to_its_commit_and_never_raises_a_lower_limit(db_path: Path) -> None:
    """DuckDB's memory limit is WRITE_MEMORY from BEGIN to after COMMIT (the commit's checkpoint peaked at 4.8 GB
    RSS on a 100M-event rebuild under the default limit); the limit before comes back; a caller's lower limit
    stands (the simulator writes in 1 GB)."""
    from junshi.warehouse.connection import WRITE_MEMORY

    wh = Warehouse(db_path)

    def limit() -> str:
        return str(wh.con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0])

    default = limit()
    wh.con.execute(f"SET memory_limit = '{WRITE_MEMORY}'")
    bound = limit()
    wh.con.execute("RESET memory_limit")
    assert bound != default
    seen = []
    with wh.transaction() as con:
        con.execute("CREATE TABLE t AS SELECT 1 AS x")
        seen.append(limit())
    assert seen == [bound] and limit() == default
    with pytest.raises(RuntimeError), wh.transaction() as con:  # a failed write rolls back and restores it too
        con.execute("CREATE TABLE u AS SELECT 1 AS x")
        raise RuntimeError
    assert limit() == default and not wh.has_table("u")
    wh.con.execute("SET memory_limit = '1GB'")
    low = limit()
    with wh.transaction():
        seen.append(limit())
    assert seen[-1] == low == limit()
    wh.close()
