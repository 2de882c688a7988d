"""Shop settings: currency and time zone, and moving stored times when the time zone changes."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from junshi import Shop, connect
from junshi.cli.app import _register, app
from junshi.errors import ConfigError

SHOPIFY = Path(__file__).parent / "fixtures" / "ingest" / "shopify_orders.csv"


def times(shop: Shop, order_id: str) -> tuple[object, ...]:
    rows = shop.warehouse.con.execute("SELECT created_at, paid_at, shipped_at FROM orders "
                                      "WHERE shop_id = ? AND order_id = ?", [shop.shop_id, order_id]).fetchall()
    return rows[0]


def test_a_shopify_shop_moved_to_new_york_gets_its_own_clock_times(shop: Shop) -> None:
    """#1001 was created 2024-03-01 10:15 -0500, paid 10:16 -0500 and fulfilled 2024-03-02 09:00 -0500.
    Loaded into the default zone (Asia/Shanghai, UTC+8) they read 23:15, 23:16 and 22:00 the same days.
    Moved to America/New_York (UTC-5 in March) they read the file's own times again."""
    shop.ingest(SHOPIFY, preset="shopify")
    assert times(shop, "#1001") == (dt.datetime(2024, 3, 1, 23, 15), dt.datetime(2024, 3, 1, 23, 16),
                                    dt.datetime(2024, 3, 2, 22, 0))
    loads_before = shop.warehouse.con.execute("SELECT started_at FROM loads").fetchall()
    with pytest.raises(ConfigError, match="clock times in Asia/Shanghai"):
        shop.configure(timezone="America/New_York")
    assert times(shop, "#1001")[0] == dt.datetime(2024, 3, 1, 23, 15)  # refused: nothing moved
    assert shop.settings["timezone"] == "Asia/Shanghai"

    settings = shop.configure(timezone="America/New_York", times="shift")
    assert settings["timezone"] == "America/New_York" and settings["currency"] == "USD"
    assert times(shop, "#1001") == (dt.datetime(2024, 3, 1, 10, 15), dt.datetime(2024, 3, 1, 10, 16),
                                    dt.datetime(2024, 3, 2, 9, 0))
    assert shop.warehouse.con.execute("SELECT started_at FROM loads").fetchall() == loads_before  # UTC stays


def test_setting_the_zone_first_then_loading_gives_the_same_times(shop: Shop) -> None:
    shop.configure(timezone="America/New_York")  # no rows yet: nothing to move, no flag needed
    shop.ingest(SHOPIFY, preset="shopify")
    assert times(shop, "#1001")[0] == dt.datetime(2024, 3, 1, 10, 15)


def test_a_shift_across_midnight_and_summer_time_moves_the_day(shop: Shop) -> None:
    """An order at 2025-07-01 06:00 in Shanghai (UTC+8) is 2025-06-30 22:00 UTC = 23:00 in London (BST, UTC+1):
    its day becomes June 30. One at 2025-01-15 12:00 in Shanghai is 04:00 UTC = 04:00 in London (GMT)."""
    con = shop.warehouse.con
    shop.configure(name="UK")
    con.execute("INSERT INTO orders (shop_id, order_id, created_at) VALUES (?, 'a', '2025-07-01 06:00'), "
                "(?, 'b', '2025-01-15 12:00')", [shop.shop_id, shop.shop_id])
    shop.configure(timezone="Europe/London", currency="gbp", times="shift")
    got = con.execute("SELECT order_id, created_at FROM orders ORDER BY 1").fetchall()
    assert got == [("a", dt.datetime(2025, 6, 30, 23, 0)), ("b", dt.datetime(2025, 1, 15, 4, 0))]
    assert shop.settings == {"name": "UK", "platform": None, "currency": "GBP", "timezone": "Europe/London"}


@pytest.mark.parametrize(("kwargs", "word"), [({"currency": "dollars"}, "ISO 4217"),
                                              ({"timezone": "Mars/Olympus"}, "IANA")])
def test_bad_settings_are_refused_and_change_nothing(shop: Shop, kwargs: dict[str, str], word: str) -> None:
    before = shop.settings
    with pytest.raises(ConfigError, match=word):
        shop.configure(name="changed", **kwargs)  # type: ignore[arg-type]  # str values for str parameters
    assert shop.settings == before


def test_shop_commands(db_path: Path) -> None:
    _register()
    runner = CliRunner()
    db = str(db_path)
    result = runner.invoke(app, ["shop", "set", "--db", db, "--shop", "us1", "--name", "US shop",
                                 "--currency", "USD", "--timezone", "America/New_York", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["timezone"] == "America/New_York"
    runner.invoke(app, ["ingest", str(SHOPIFY), "--preset", "shopify", "--db", db, "--shop", "us1"])
    shown = json.loads(runner.invoke(app, ["shop", "show", "--db", db, "--format", "json"]).output)
    assert [(s["shop_id"], s["currency"], s["orders"]) for s in shown] == [("us1", "USD", 3)]
    refused = runner.invoke(app, ["shop", "set", "--db", db, "--shop", "us1", "--timezone", "Europe/London"])
    assert isinstance(refused.exception, ConfigError) and "--shift-times" in str(refused.exception)
    kept = runner.invoke(app, ["shop", "set", "--db", db, "--shop", "us1", "--timezone", "Europe/London",
                               "--keep-times", "--format", "json"])
    assert json.loads(kept.output)["timezone"] == "Europe/London"
    with connect(db, "us1") as s:
        assert times(s, "#1001")[0] == dt.datetime(2024, 3, 1, 10, 15)  # clock times kept
    nothing = runner.invoke(app, ["shop", "set", "--db", db, "--shop", "us1"])
    assert isinstance(nothing.exception, ConfigError) and "Nothing to change" in str(nothing.exception)
