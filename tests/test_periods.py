"""junshi.periods: the shortcuts, what each compares with, and the default period of a shop."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from junshi import Shop, rollup
from junshi.errors import MetricError, MissingDataError
from junshi.periods import Kind, Period, choose, default_period, shortcut

D = dt.date


@pytest.mark.parametrize(
    ("kind", "day", "until", "start", "end"),
    [
        ("day", D(2024, 11, 20), None, D(2024, 11, 20), D(2024, 11, 20)),
        ("7d", D(2024, 11, 20), None, D(2024, 11, 14), D(2024, 11, 20)),
        ("30d", D(2024, 11, 20), None, D(2024, 10, 22), D(2024, 11, 20)),
        ("week", D(2024, 11, 20), None, D(2024, 11, 18), D(2024, 11, 24)),  # Wednesday -> Monday .. Sunday
        ("week", D(2024, 11, 20), D(2024, 11, 21), D(2024, 11, 18), D(2024, 11, 21)),  # running: cut at the data
        ("month", D(2024, 2, 10), None, D(2024, 2, 1), D(2024, 2, 29)),
        ("month", D(2024, 11, 3), D(2024, 11, 20), D(2024, 11, 1), D(2024, 11, 20)),
        ("month", D(2024, 10, 3), D(2024, 11, 20), D(2024, 10, 1), D(2024, 10, 31)),  # a finished month is whole
    ],
)
def test_shortcuts(kind: Kind, day: dt.date, until: dt.date | None, start: dt.date, end: dt.date) -> None:
    p = shortcut(kind, day, until)
    assert (p.start, p.end, p.kind) == (start, end, kind)


@pytest.mark.parametrize(
    ("period", "previous", "year"),
    [
        (Period(D(2024, 11, 20), D(2024, 11, 20), "day"), (D(2024, 11, 19), D(2024, 11, 19)),
         (D(2023, 11, 20), D(2023, 11, 20))),
        (Period(D(2024, 11, 14), D(2024, 11, 20), "7d"), (D(2024, 11, 7), D(2024, 11, 13)),
         (D(2023, 11, 14), D(2023, 11, 20))),
        # a whole month against the whole month before, whatever their lengths
        (Period(D(2024, 3, 1), D(2024, 3, 31), "month"), (D(2024, 2, 1), D(2024, 2, 29)),
         (D(2023, 3, 1), D(2023, 3, 31))),
        (Period(D(2024, 9, 1), D(2024, 9, 30), "month"), (D(2024, 8, 1), D(2024, 8, 31)),
         (D(2023, 9, 1), D(2023, 9, 30))),
        # a month to date against the same days of the month before (30 March has no February twin)
        (Period(D(2024, 3, 1), D(2024, 3, 30), "month"), (D(2024, 2, 1), D(2024, 2, 29)),
         (D(2023, 3, 1), D(2023, 3, 30))),
        (Period(D(2024, 11, 1), D(2024, 11, 20), "month"), (D(2024, 10, 1), D(2024, 10, 20)),
         (D(2023, 11, 1), D(2023, 11, 20))),
        (Period(D(2024, 2, 29), D(2024, 3, 2)), (D(2024, 2, 26), D(2024, 2, 28)), (D(2023, 2, 28), D(2023, 3, 2))),
    ],
)
def test_comparisons(period: Period, previous: tuple[dt.date, dt.date], year: tuple[dt.date, dt.date]) -> None:
    assert (period.previous().start, period.previous().end) == previous
    assert (period.year_before().start, period.year_before().end) == year
    compared = period.comparisons("en")
    assert ("week" in compared) == (period.days == 1)


def test_choose_reads_the_address() -> None:
    last = D(2024, 11, 30)
    assert choose(last_day=last) is None  # nothing asked: the caller's default
    assert choose(D(2024, 11, 5), last_day=last) == Period(D(2024, 11, 5), D(2024, 11, 5), "day")
    assert choose(kind="7d", last_day=last) == Period(D(2024, 11, 24), last, "7d")
    assert choose(start=D(2024, 1, 1), end=D(2024, 1, 2)) == Period(D(2024, 1, 1), D(2024, 1, 2), "custom")
    with pytest.raises(MetricError, match="both"):
        choose(start=D(2024, 1, 1))
    with pytest.raises(MetricError, match="at most"):
        choose(start=D(2020, 1, 1), end=D(2024, 1, 1))


def _orders(shop: Shop, tmp_path: Path, buyers_per_day: dict[dt.date, int]) -> None:
    lines = ["order_id,customer_id,created_at,paid_at,pay_amount"]
    for day, n in buyers_per_day.items():
        lines += [f"{day}-{i},{day}-c{i},{day} 10:00:00,{day} 10:01:00,10.00" for i in range(n)]
    path = tmp_path / "orders.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    shop.ingest(path, table="orders")


def test_a_shop_with_30_buyers_a_day_opens_on_a_day_one_with_fewer_on_7_days(shop: Shop, tmp_path: Path) -> None:
    """30 days (2024-05-01 .. 05-30) of 30 paying buyers: 900 / 30 = 30 a day, not small: the last day. One more
    order on 05-31 that is never paid changes nothing. With 29 buyers on 05-30 instead, 899 / 30 < 30: 7 days."""
    days = [D(2024, 5, 1) + dt.timedelta(days=i) for i in range(30)]
    _orders(shop, tmp_path, dict.fromkeys(days, 30))
    (tmp_path / "unpaid.csv").write_text("order_id,customer_id,created_at\nU1,CU,2024-05-31 09:00:00\n")
    shop.ingest(tmp_path / "unpaid.csv", table="orders")
    assert default_period(shop, today=D(2024, 6, 10)) == Period(D(2024, 5, 30), D(2024, 5, 30), "day")
    # today is never complete: on 2024-05-30 the default is the day before (with 29 days of data: 870 / 30 = 29)
    assert default_period(shop, today=D(2024, 5, 30)) == Period(D(2024, 5, 23), D(2024, 5, 29), "7d")
    with shop.warehouse.transaction() as con:  # a change made by hand refreshes the rollups as a load does
        con.execute("DELETE FROM orders WHERE order_id = '2024-05-30-0'")
        rollup.refresh(con, shop.shop_id, ["orders"])
    assert default_period(shop, today=D(2024, 6, 10)) == Period(D(2024, 5, 24), D(2024, 5, 30), "7d")


def test_a_shop_without_paid_sales_has_no_default(shop: Shop, tmp_path: Path) -> None:
    (tmp_path / "unpaid.csv").write_text("order_id,customer_id,created_at\nU1,CU,2024-05-31 09:00:00\n")
    shop.ingest(tmp_path / "unpaid.csv", table="orders")
    with pytest.raises(MissingDataError) as exc:
        default_period(shop, today=D(2024, 6, 10))
    assert exc.value.hint_en and exc.value.zh


def test_trend_and_baseline_periods() -> None:
    """A day's trend is the 30 days ending on it (2026-03-02 back 29 days: 2026-02-01); a 45-day period is its own
    trend; a day compares with the same weekday a week before, a period with the one before it, a year before, or
    the same number of days from a date given (2025-01-01 + 44 days = 2025-02-14)."""
    day = Period(dt.date(2026, 3, 2), dt.date(2026, 3, 2), "day")
    assert day.trend() == Period(dt.date(2026, 2, 1), dt.date(2026, 3, 2), "day")
    long = Period(dt.date(2026, 1, 1), dt.date(2026, 2, 14))
    assert long.trend() == long and len(long.dates()) == 45 and long.dates()[-1] == long.end
    assert day.baseline(None) == day.shifted(7) and long.baseline(None) == long.previous()
    assert day.baseline("previous").start == dt.date(2026, 3, 1) and day.baseline("year").start == dt.date(2025, 3, 2)
    assert long.baseline("2025-01-01") == Period(dt.date(2025, 1, 1), dt.date(2025, 2, 14))
