"""Issue 11 done: a shop loaded only from 生意参谋, order-report and 直通车/万相台 files works everywhere.

`kpi`, `diagnose`, `alerts`, `advise`, the customer analyses and every dashboard page and API call give
figures, with no "needs sessions data" where a daily report has the figure, and a multi-day visitor total
carries the note that daily distinct counts were summed.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from conftest import TAOBAO_END, TAOBAO_SHOP
from junshi import Shop, connect
from junshi.api import create_app
from junshi.api.pages.registry import PAGES
from junshi.customers.rfm import GROUP_BY_KEY
from junshi.schema import DAILY_TABLES, TABLES
from test_browser import (
    _logged_in,
    _serve,
    browser,  # noqa: F401  (the fixture, asked for by name)
    drawn_charts,
    open_page,
)
from test_ingest_cli import run

TOKEN = "platform-files-token-0123456789"
WEEK_START = TAOBAO_END - dt.timedelta(days=6)
PROMO_DAY = dt.date(2024, 6, 18)
# metrics the daily reports carry: never "missing" on this shop
DAILY = {c for t in DAILY_TABLES for c in TABLES[t].column_names} & {
    "uv", "pv", "paid_buyers", "paid_orders", "sales", "units", "order_buyers", "cart_visitors", "favorite_visitors",
    "refund_amount"}


@pytest.fixture(scope="module")
def files_db(taobao_files: tuple[Path, Path, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A private copy of the shop loaded from files (the API may write caches and uploads)."""
    target = tmp_path_factory.mktemp("files") / "files.duckdb"
    shutil.copy(taobao_files[2], target)
    return target


@pytest.fixture
def shop(files_db: Path) -> Iterator[Shop]:
    with connect(files_db, TAOBAO_SHOP) as s:
        yield s


def test_only_platform_files_were_loaded(shop: Shop) -> None:
    """No clickstream: the shop has daily reports, orders and ad rows, and no sessions or events."""
    con = shop.warehouse.con
    counts = {t: con.execute(f'SELECT count(*) FROM "{t}" WHERE shop_id = ?', [TAOBAO_SHOP]).fetchall()[0][0]
              for t in ("sessions", "events", "orders", "order_items", "ad_spend", *DAILY_TABLES)}
    assert counts["sessions"] == counts["events"] == 0
    assert all(counts[t] > 0 for t in ("orders", "order_items", "ad_spend", *DAILY_TABLES)), counts


def test_kpi_gives_figures_and_says_a_week_of_visitors_is_summed(shop: Shop) -> None:
    """The last 7 days are 生意参谋's own 最近7天 figures; the 7 days before them can only be summed: noted."""
    metrics = ["uv", "pv", "sales", "payment_conversion_rate", "uv_value", "add_to_cart_rate", "ad_cost", "roas",
               "spend_ratio", "visitor_cost"]
    week = shop.kpi(metrics, start=WEEK_START, end=TAOBAO_END)
    for m in metrics:
        assert week.value(m) is not None and week.value(m) > 0, m
    assert not [n for n in week.notes if n.code in ("missing_data", "daily_sum")], week.notes
    before = shop.kpi(metrics, start=WEEK_START - dt.timedelta(days=7), end=WEEK_START - dt.timedelta(days=1))
    assert all(before.value(m) > 0 for m in metrics)
    assert "uv" in {n.metric for n in before.notes if n.code == "daily_sum"}, before.notes
    day = shop.kpi(["uv", "sales"], start=TAOBAO_END, end=TAOBAO_END)
    assert day.value("uv") > 0 and not [n for n in day.notes if n.code == "daily_sum"]


def test_kpi_by_source_and_product_from_the_daily_reports(shop: Shop) -> None:
    by_source = shop.kpi(["uv", "paid_buyers", "sales"], by=["source"], start=TAOBAO_END, end=TAOBAO_END).to_pandas()
    assert {"搜索", "直通车", "万相台"} <= set(by_source["source"]) and by_source["uv"].sum() > 0
    assert by_source["sales"].sum() > 0
    by_product = shop.kpi(["uv", "units"], by=["product"], start=WEEK_START, end=TAOBAO_END).to_pandas()
    assert (by_product["uv"] > 0).sum() > 10 and by_product["units"].sum() > 0


def test_diagnose_splits_sales_into_visitors_conversion_and_spend(shop: Shop) -> None:
    d = shop.diagnose(TAOBAO_END, vs="week").to_json()
    assert d["current"] > 0 and d["baseline"] > 0
    assert all(d["effects"][f] is not None for f in ("visitors", "conversion", "spend_per_buyer")), d["effects"]
    names = {dim["name"] for dim in d["dimensions"]}
    assert "source" in names and "product" in names, names


def test_alerts_and_advice(shop: Shop) -> None:
    """On 618 (2024-06-18) visitors jump: alerts for the shop, its sources and items, all from the daily
    reports; the last day's advice weighs each source's conversion against its ad spend."""
    alerts = shop.alerts(PROMO_DAY)
    rises = {a.key for a in alerts if a.metric == "uv" and a.code == "metric_rise"}
    assert None in rises and "搜索" in rises, alerts
    assert all(a.numbers for a in alerts)
    advice = shop.advise(TAOBAO_END)
    assert advice and all(a.numbers for a in advice)
    sources = {a.subject.get("source") for a in advice}
    assert sources & {"直通车", "万相台"}, advice


def test_customers_as_on_the_simulated_shop(shop: Shop, taobao_files: tuple[Path, Path, Path]) -> None:
    """The order report carries every purchase (closed orders as cancelled), so RFM, the customer models and
    the churn warning find what they find on the simulated shop's own orders."""
    with connect(taobao_files[0], "default") as raw:
        for name, run in (("rfm", lambda c: c.rfm()), ("clv", lambda c: c.clv()), ("churn", lambda c: c.churn()),
                          ("summary", lambda c: c.summary(TAOBAO_END - dt.timedelta(days=20)))):
            mine, theirs = run(shop.customers), run(raw.customers)
            assert len(mine) == len(theirs) > 0, name
            numbers = mine.select_dtypes("number").columns
            assert mine[numbers].sum().to_numpy() == pytest.approx(theirs[numbers].sum().to_numpy(), rel=1e-6), name
        spec = {"name": "good", "conditions": [{"kind": "rfm_group", "groups": list(GROUP_BY_KEY)[:3]}]}
        assert len(shop.customers.audience(spec)) == len(raw.customers.audience(spec)) > 0


def test_cli_commands(files_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """What a user types: each command succeeds and none says the shop lacks sessions or events data."""
    common = ["--db", str(files_db), "--shop", TAOBAO_SHOP]
    for args in (["kpi", "--metrics", "uv,sales,payment_conversion_rate", "--by", "day",
                  "--from", WEEK_START.isoformat(), "--to", TAOBAO_END.isoformat()],
                 ["diagnose", "--date", TAOBAO_END.isoformat(), "--vs", "week"],
                 ["alerts", "--date", TAOBAO_END.isoformat()], ["advise", "--date", TAOBAO_END.isoformat()],
                 ["customers", "rfm"], ["customers", "clv"], ["customers", "churn"]):
        code, out, err = run(capsys, *args, *common)
        assert code == 0, (args, out, err)
        assert "sessions" not in out and "events data" not in out, (args, out)


def _notes(value: Any) -> Iterator[dict[str, Any]]:
    """Every note object (a dict with a code and a metric) anywhere in a JSON document."""
    if isinstance(value, dict):
        if "code" in value and "metric" in value:
            yield value
        for v in value.values():
            yield from _notes(v)
    elif isinstance(value, list):
        for v in value:
            yield from _notes(v)


def test_every_dashboard_page_and_api_call(files_db: Path) -> None:
    """Every page renders and every GET of the API answers without a missing-data note on a figure the daily
    reports have; the key figures of each page are there (a week's summed visitors with their note)."""
    with TestClient(create_app(files_db, TOKEN, shop=TAOBAO_SHOP)) as c:
        c.headers.update({"Authorization": f"Bearer {TOKEN}"})
        for key, href in ((p.key, p.path) for p in PAGES):
            r = c.get(href)
            assert r.status_code == 200, key
            assert ('id="unfed"' in r.text) == (key == "service"), key  # no Taobao download carries reviews
        paths = [p for p, ops in c.get("/openapi.json").json()["paths"].items() if "get" in ops and "{" not in p]
        bodies = {}
        for path in paths:
            params = {"/api/kpi": {"metrics": "uv,sales"}, "/api/report": {"format": "json"},
                      "/api/abtest": {"column": "campaign", "control": "A", "treatment": "B"}}.get(path, {})
            r = c.get(path, params=params)
            if path == "/api/abtest":  # an A/B readout needs visits: daily reports have none, said plainly
                assert r.status_code == 404 and "No visit" in r.json()["error"]["en"]["message"], r.text[:300]
                continue
            assert r.status_code == 200, (path, r.text[:300])
            bodies[path] = r.json()
            missing = [n for n in _notes(bodies[path]) if n["code"] == "missing_data" and n["metric"] in DAILY]
            assert not missing, (path, missing)
        week = c.get("/api/overview", params={"start": (WEEK_START - dt.timedelta(days=7)).isoformat(),
                                              "end": (WEEK_START - dt.timedelta(days=1)).isoformat()}).json()
        cards = {card["metric"]: card["value"] for card in week["cards"]}
        for m in ("sales", "uv", "payment_conversion_rate", "spend_per_buyer", "paid_buyers", "spend_ratio"):
            assert cards[m] and cards[m] > 0, (m, cards)
        assert "uv" in {n["metric"] for n in week["notes"] if n["code"] == "daily_sum"}, week["notes"]
        sources = {r["source"]: r for r in bodies["/api/traffic"]["sources"]}
        assert all(r["uv"] > 0 for r in sources.values()) and sources["万相台"]["visitor_cost"] > 0, sources
        assert all(step["value"] > 0 for step in bodies["/api/transactions"]["funnel"])
        assert sum(r["uv"] or 0 for r in bodies["/api/products"]["rows"]) > 0
        assert bodies["/api/customers"]["groups"] and bodies["/api/customers"]["repurchase"]["buyers"] > 0
        service = {card["metric"]: card["value"] for card in bodies["/api/service"]["cards"]}
        assert service["hours_to_ship"] > 0


@pytest.fixture(scope="module")
def files_url(taobao_files: tuple[Path, Path, Path], tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real server of the shop loaded from files (tests/test_browser.py's)."""
    yield from _serve(taobao_files[2], tmp_path_factory.mktemp("browser-files"), TAOBAO_SHOP)


@pytest.mark.browser
def test_every_page_draws_in_the_browser(request: pytest.FixtureRequest, files_url: str) -> None:
    """Every page loads without a script error and draws its charts; only the DSR and ratings charts and the ring
    graph stay empty (saying so, not drawing empty axes), since no Taobao download carries reviews or buyers'
    fingerprints."""
    for pg in _logged_in(request.getfixturevalue("browser"), files_url):
        for key, href in ((p.key, p.path) for p in PAGES):
            open_page(pg, f"{files_url}{href}")
            empty = [chart for chart, series in drawn_charts(pg).items() if series <= 0]
            no_download = {"service": ["chart-dsr", "chart-ratings"], "risk": ["chart-ring"]}  # reviews, fingerprints
            assert empty == no_download.get(key, []), (key, empty)
