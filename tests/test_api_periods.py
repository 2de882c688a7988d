"""Periods in the JSON API and the pages: a day, 7 / 30 days, a week, a month or any range, with comparisons, and
the default period (the last complete day with paid sales; 7 days for a small shop).

The shop is ``olist_tail_db`` (tests/conftest.py): an Olist export shaped like the public Olist sample's end,
steady August 2018 sales (150.00 and 2 paying buyers a day, one of them always the same person), one paid order
of 80.00 on 2018-09-03, then unpaid orders only (the last on 2018-10-17, which the dashboard used to open on,
showing R$0.00 everywhere).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from junshi.api import create_app
from junshi.cli import main

TOKEN = "periods-token-0123456789abcdef"
CARD_METRICS = ["sales", "uv", "payment_conversion_rate", "spend_per_buyer", "paid_buyers", "refund_amount"]


@pytest.fixture(scope="module")
def client(olist_tail_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    db = tmp_path_factory.mktemp("periods") / "olist.duckdb"
    shutil.copy(olist_tail_db, db)
    with TestClient(create_app(db, TOKEN), raise_server_exceptions=False) as c:
        c.headers.update({"Authorization": f"Bearer {TOKEN}"})
        yield c


def _cards(overview: dict[str, object]) -> dict[str, dict[str, object]]:
    cards = overview["cards"]
    assert isinstance(cards, list)
    return {c["metric"]: c for c in cards}


def test_the_dashboard_opens_on_the_last_complete_week_with_paid_sales_not_on_a_dead_day(client: TestClient) -> None:
    """The last order (2018-10-17) is unpaid; the last day with paid sales is 2018-09-03. Paying buyers over the
    30 days to it (2018-08-05 .. 2018-09-03): 27 days x 2 + 1 = 55, 1.8 a day < 30: a small shop, so the
    default is the 7 days 2018-08-28 .. 2018-09-03: sales 4 x 150.00 + 80.00 = 680.00, paying buyers u0 + 4 new
    in August + 1 in September = 6."""
    shop = client.get("/api/shop").json()
    assert shop["last_day"] == "2018-10-17"
    assert shop["default_period"] == {
        "start": "2018-08-28", "end": "2018-09-03", "kind": "7d", "days": 7, "label": "2018-08-28 ~ 2018-09-03"}
    o = client.get("/api/overview?lang=en").json()
    assert o["period"]["start"] == "2018-08-28" and o["period"]["end"] == "2018-09-03"
    cards = _cards(o)
    assert cards["sales"]["value"] == pytest.approx(680.0)
    assert cards["paid_buyers"]["value"] == 6
    assert cards["spend_per_buyer"]["value"] == pytest.approx(680.0 / 6)
    previous = cards["sales"]["compare"]["previous"]  # 2018-08-21 .. 2018-08-27: 7 x 150.00
    assert previous["value"] == pytest.approx(1050.0)
    assert previous["change_pct"] == pytest.approx((680.0 - 1050.0) / 1050.0)
    assert [c["key"] for c in o["comparisons"]] == ["previous", "year", "peer"]
    page = client.get("/?lang=en")
    assert page.status_code == 200 and '"start": "2018-08-28"' in page.text


def test_a_month_of_the_api_equals_junshi_kpi_for_that_month(
    client: TestClient, olist_tail_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """/api/overview?start=2018-08-01&end=2018-08-31 gives August's cards: sales 4,650.00, 32 paying buyers,
    spend per buyer 4,650.00 / 32 = 145.3125; the figures `junshi kpi` prints for August."""
    capsys.readouterr()
    main(["kpi", "--metrics", ",".join(CARD_METRICS), "--from", "2018-08-01", "--to", "2018-08-31",
          "--format", "json", "--db", str(olist_tail_db)])
    expected = json.loads(capsys.readouterr().out)["rows"][0]
    o = client.get("/api/overview?start=2018-08-01&end=2018-08-31&lang=zh").json()
    assert o["period"] | {"label": None} == {"start": "2018-08-01", "end": "2018-08-31", "kind": "custom",
                                            "days": 31, "label": None, "kind_label": "自定义"}
    cards = _cards(o)
    for m in CARD_METRICS:
        if expected[m] is None:  # no visit data: no visitor or conversion card (spare cards take their place)
            assert m not in cards, m
        else:
            assert cards[m]["value"] == pytest.approx(expected[m]), m
    assert {"paid_orders", "avg_order_value"} <= set(cards) and len(cards) <= 10
    assert cards["sales"]["value"] == pytest.approx(4650.0)
    assert cards["paid_buyers"]["value"] == 32
    assert cards["spend_per_buyer"]["value"] == pytest.approx(145.3125)
    month = client.get("/api/overview?period=month&date=2018-08-15").json()
    assert _cards(month)["sales"]["value"] == pytest.approx(4650.0)
    assert month["comparisons"][0] | {"label": ""} == {"key": "previous", "label": "", "start": "2018-07-01",
                                                       "end": "2018-07-31"}


def test_shortcuts_and_single_days(client: TestClient) -> None:
    """7d ending 2018-08-10: 7 x 150.00; the week holding Wednesday 2018-08-15 is Monday 13 .. Sunday 19; one day
    compares with the day before, the same weekday a week before and a year before; its trend is the 30 days
    2018-08-05 .. 09-03: 27 days of 150.00, two without orders (0), then 80.00."""
    seven = client.get("/api/overview?period=7d&date=2018-08-10").json()
    assert (seven["period"]["start"], seven["period"]["end"]) == ("2018-08-04", "2018-08-10")
    assert _cards(seven)["sales"]["value"] == pytest.approx(1050.0)
    assert _cards(seven)["paid_buyers"]["value"] == 8  # u0 + 7 new
    week = client.get("/api/overview?period=week&date=2018-08-15").json()
    assert (week["period"]["start"], week["period"]["end"], week["period"]["kind"]) == (
        "2018-08-13", "2018-08-19", "week")
    day = client.get("/api/overview?date=2018-09-03&lang=en").json()
    assert [c["key"] for c in day["comparisons"]] == ["previous", "week", "year", "peer"]
    assert day["comparisons"][1]["start"] == "2018-08-27" and day["tree_compare"] == "week"
    assert _cards(day)["sales"]["value"] == pytest.approx(80.0)
    assert _cards(day)["sales"]["compare"]["previous"]["value"] in (0, None)  # 2018-09-02: nothing sold
    assert _cards(day)["sales"]["compare"]["week"]["value"] == pytest.approx(150.0)
    assert len(day["trend"]["days"]) == 30 and day["trend"]["days"][-1] == "2018-09-03"
    trend = {t["metric"]: t["values"] for t in day["trend"]["series"]}
    assert trend["sales"] == [150.0] * 27 + [0, 0, 80.0]  # 2018-08-05 .. 09-03: days without sales sold nothing
    # no visit data: sales = paying buyers x spend per buyer, in the tree and the trend (not 30 empty visitor days)
    assert list(trend) == ["sales", "paid_buyers", "paid_orders"]
    assert [n["metric"] for n in day["tree"]] == ["sales", "paid_buyers", "spend_per_buyer"]
    assert "paying buyers × spend per buyer" in day["tree_formula"]
    # no visits, refunds, reviews or ad spend: the cards with figures, spare ones after them
    assert list(_cards(day)) == ["sales", "spend_per_buyer", "paid_buyers", "paid_orders", "avg_order_value", "units"]
    month = client.get("/api/overview?start=2018-06-01&end=2018-08-31").json()
    assert len(month["trend"]["days"]) == 92  # a trend covers a period longer than 30 days whole


@pytest.mark.parametrize("path", ["traffic", "products", "transactions", "service", "customers", "diagnosis",
                                  "alerts", "advice"])
def test_every_page_api_takes_a_period(client: TestClient, path: str) -> None:
    r = client.get(f"/api/{path}?start=2018-08-01&end=2018-08-31&lang=en")
    assert r.status_code == 200, r.text
    body = r.json()
    if path == "products":
        assert (body["start"], body["end"]) == ("2018-08-01", "2018-08-31")
        assert body["rows"][0]["sales"] == pytest.approx(31 * (100.0 + 50.0))  # every order is one p1
    if path == "transactions":
        assert body["funnel"][-1] == {"metric": "paid_buyers", "value": 32, "rate": 1.0}  # as many as ordered
    if path == "diagnosis":
        assert body["period"] == {"current": "2018-08-01..2018-08-31", "baseline": "2018-07-01..2018-07-31"}
        assert body["current"] == pytest.approx(4650.0)


@pytest.mark.parametrize(
    ("query", "field"),
    [("start=2018-08-01", "A range needs both"), ("date=2018-08-01&start=2018-08-01&end=2018-08-02", "not both"),
     ("start=2018-08-31&end=2018-08-01", "starts (2018-08-31) after"), ("period=custom", "needs start"),
     ("start=2000-01-01&end=2018-08-01", "at most"), ("period=fortnight", "period")],
)
def test_a_bad_period_gets_a_clear_error(client: TestClient, query: str, field: str) -> None:
    r = client.get(f"/api/overview?{query}&lang=en")
    assert r.status_code in (400, 422), r.text
    err = r.json()["error"]
    assert field in err["en"]["message"] or field in json.dumps(err["details"])
    assert err["zh"]["message"] and err["en"]["message"] != err["zh"]["message"]
    page = client.get(f"/?{query}&lang=en")
    if r.status_code == 400:  # the page still opens, with the message where the figures would be
        assert page.status_code == 200 and err["en"]["message"] in page.text
