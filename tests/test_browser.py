"""The dashboard in headless Chromium (Debian's, driven by Playwright) against a real server on localhost.

Logs in with the token URL, opens every page in both languages, changes the date and the period (the date
picker's choices), opens a small shop on its last 7 days, drills into a diagnosis,
uploads a file by drag and drop, and checks that the charts drew and the numbers equal the API's.
Screenshots of every page go to test-artifacts/ (gitignored).
"""

from __future__ import annotations

import csv
import io
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from playwright.sync_api import sync_playwright

import junshi
from junshi.api import create_app
from junshi.api.pages.registry import PAGES
from junshi.service.labels import FIELDS

pytestmark = pytest.mark.browser
CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
TOKEN = "browser-token-0123456789abcdef"
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
DAY, OTHER_DAY = "2024-11-20", "2024-11-11"
PAGE_PATHS = {page.key: page.path for page in PAGES}  # every page of the registry


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _serve(source: Path, folder: Path, shop: str = "default") -> Iterator[str]:
    """A real uvicorn server in a thread on a free localhost port, serving a copy of the warehouse ``source``."""
    db = folder / "shop.duckdb"
    shutil.copy(source, db)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(db, TOKEN, shop=shop), host="127.0.0.1", port=port,
                                           log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


@pytest.fixture(scope="module")
def base_url(demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The demo shop's server."""
    yield from _serve(demo_db, tmp_path_factory.mktemp("browser"))


@pytest.fixture(scope="module")
def olist_url(olist_tail_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The server of a small Olist shop whose last order is unpaid (tests/conftest.py)."""
    yield from _serve(olist_tail_db, tmp_path_factory.mktemp("browser-olist"))


RETAIL_DAY = "2011-12-09"
RETAIL_PRODUCTS = 60


@pytest.fixture(scope="module")
def retail_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The server of an orders-only shop (Online Retail's export) that sold 60 products on 2011-12-09: invoice k
    one unit of product Pk (ITEM k) at k.00 GBP, k = 1..60, nothing the day before."""
    work = tmp_path_factory.mktemp("retail60")
    lines = ["InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country"]
    lines += [f"{580000 + k},P{k:02d},ITEM {k:02d},1,{RETAIL_DAY} 10:{k % 60:02d}:00,{k}.00,{13000 + k},United Kingdom"
              for k in range(1, RETAIL_PRODUCTS + 1)]
    (work / "retail.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    with junshi.connect(work / "retail.duckdb") as shop:
        assert not shop.ingest(work / "retail.csv", preset="online-retail").quarantined
    yield from _serve(work / "retail.duckdb", tmp_path_factory.mktemp("browser-retail"))


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    assert Path(CHROMIUM).exists(), "install Debian's chromium (make chromium)"
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def _logged_in(browser: Any, url: str) -> Iterator[Any]:
    """A logged-in page: the token URL sets the cookie and redirects to the clean address."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    pg.goto(f"{url}/?token={TOKEN}")
    assert pg.url == f"{url}/"
    yield pg
    context.close()
    assert not errors, errors


@pytest.fixture
def page(browser: Any, base_url: str) -> Iterator[Any]:
    yield from _logged_in(browser, base_url)


@pytest.fixture
def olist_page(browser: Any, olist_url: str) -> Iterator[Any]:
    yield from _logged_in(browser, olist_url)


@pytest.fixture
def retail_page(browser: Any, retail_url: str) -> Iterator[Any]:
    yield from _logged_in(browser, retail_url)


def open_page(pg: Any, url: str) -> None:
    pg.goto(url)
    pg.wait_for_function("document.body.dataset.ready", timeout=60_000)
    assert pg.evaluate("document.body.dataset.ready") == "1", pg.inner_text("#error")


def drawn_charts(pg: Any) -> dict[str, int]:
    """Chart id -> number of series with data, for every chart on the page (a canvas must be present)."""
    result: dict[str, int] = pg.evaluate(
        """() => Object.fromEntries([...document.querySelectorAll('.chart')].map((el) => {
            const c = echarts.getInstanceByDom(el);
            const series = c ? c.getOption().series.filter((s) => (s.data || []).length) : [];
            return [el.id, el.querySelector('canvas') ? series.length : -1];
        }))"""
    )
    return result


def api(pg: Any, base_url: str, path: str) -> Any:
    """An API call with the page's cookie (the same login)."""
    response = pg.request.get(base_url + path)
    assert response.ok, response.text()
    return response.json()


def test_every_page_in_both_languages_draws_its_charts(page: Any, base_url: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    for lang, title in [("zh", "首页"), ("en", "Overview")]:
        for key, path in PAGE_PATHS.items():
            open_page(page, f"{base_url}{path}?lang={lang}&date={DAY}")
            assert page.get_attribute("body", "data-lang") == lang
            if key == "overview":
                assert page.inner_text("h1") == title
                page.wait_for_function("document.getElementById('alerts').dataset.ready", timeout=60_000)
            charts = drawn_charts(page)
            if key == "risk" and not api(page, base_url, f"/api/risk?date={DAY}")["ring_nodes"]:
                charts.pop("chart-ring")  # no ring in these days: tests below open the ring's week
            assert all(n > 0 for n in charts.values()), (key, lang, charts)
            page.screenshot(path=str(ARTIFACTS / f"{key}-{lang}.png"), full_page=True)


def test_risk_page_shows_the_ring_and_the_figures_without_it(page: Any, base_url: str, demo_truth: Any) -> None:
    """The ring's week: its graph has the ring's buyers, every suspect is a planted fake order, and the cards
    without suspects show sales lower by exactly the suspects' paid amount (as the API says)."""
    ring = demo_truth.event("fake_orders")
    query = f"start={ring.start}&end={ring.end}"
    for lang in ("zh", "en"):
        open_page(page, f"{base_url}/risk?lang={lang}&{query}")
        charts = drawn_charts(page)
        assert charts == {"chart-share": 1, "chart-ring": 1}, charts
        page.screenshot(path=str(ARTIFACTS / f"risk-ring-{lang}.png"), full_page=True)
    r = api(page, base_url, f"/api/risk?{query}")
    assert r["suspects"] > 30 and {o["order_id"] for o in r["suspect_orders"]} <= set(demo_truth.fake_order_ids)
    assert sum(n["kind"] == "buyer" for n in r["ring_nodes"]) == 12
    sales = {c["metric"]: c["value"] for c in r["cards"]}["sales"]
    clean = {c["metric"]: c["value"] for c in r["clean_cards"]}["sales"]
    paid = sum(o["pay_amount"] for o in r["suspect_orders"])
    assert sales - clean == pytest.approx(paid)
    assert page.locator("#clean-cards .card.differs").count() >= 3
    if r["suspects"] > 50:  # the table opens on its first 50 rows
        page.click("#table-suspects [data-action=show-all]")
    assert page.locator("#table-suspects tr").count() == r["suspects"] + 1


def test_overview_numbers_equal_the_api_and_show_their_definition(page: Any, base_url: str) -> None:
    open_page(page, f"{base_url}/?date={DAY}")
    overview = api(page, base_url, f"/api/overview?date={DAY}")
    catalogue = {m["id"]: m for m in api(page, base_url, "/api/metrics?lang=zh")["metrics"]}
    for card in overview["cards"]:
        node = page.locator(f"[data-card={card['metric']}] .val [data-metric]")
        raw = node.get_attribute("data-value")
        assert (float(raw) if raw else None) == card["value"], card["metric"]
        assert catalogue[card["metric"]]["definition"] in node.get_attribute("title")
    sales = page.locator("[data-card=sales] .val").inner_text()
    assert sales.startswith("¥") and f"{overview['cards'][0]['value']:,.2f}" in sales
    assert drawn_charts(page) == {"chart-trend": 3}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_service_page_shows_the_dsr_forecast_and_review_aspects_of_the_api(page: Any, base_url: str,
                                                                                lang: str) -> None:
    """Every panel of 服务 has rows from the demo shop (its couriers, review aspects, DSR peers and overdue
    orders), as the API gives them, headed in the page's language."""
    open_page(page, f"{base_url}/service?lang={lang}&date={DAY}")
    service = api(page, base_url, f"/api/service?date={DAY}&lang={lang}")
    for panel, key in (("table-dsr-forecast", "dsr_forecast"), ("table-aspects", "aspects"),
                       ("table-carriers", "by_carrier"), ("table-overdue", "overdue"), ("table-negative", "negative")):
        assert service[key], f"the demo shop fills {key}"
        assert page.locator(f"#{panel} tbody tr").count() == len(service[key]), panel
    assert all(row["peer"] is not None for row in service["dsr_forecast"])
    first = service["dsr_forecast"][0]
    row = page.locator("#table-dsr-forecast tbody tr").first.inner_text()
    assert first["name"] in row and f"{first['low']:.2f} – {first['high']:.2f}" in row
    for d, text in zip(service["dsr_forecast"], page.locator("#table-dsr-forecast tbody tr").all_inner_texts(),
                       strict=True):
        assert d["certainty"] is None or FIELDS[d["certainty"]].get(lang) in text
    # products are named as on the 商品 page, "name (id)" (they were bare ids)
    named = [p for a in service["aspects"] for p in a["products"]] + [r["product"] for r in service["negative"]]
    assert named and all(p.endswith(")") and " (" in p for p in named)
    assert ", ".join(service["aspects"][0]["products"]) in page.locator("#table-aspects tbody tr").first.inner_text()
    assert page.locator("#table-negative thead th").nth(2).inner_text() == ("商品" if lang == "zh" else "Product")
    headers = page.locator("#table-aspects thead").inner_text()
    assert ("方面" if lang == "zh" else "Aspect") in headers and "f_" not in headers and "undefined" not in headers
    page.screenshot(path=str(ARTIFACTS / f"service-panels-{lang}.png"), full_page=True)


def test_the_marketing_page_shows_the_channels_and_search_terms_of_the_api(page: Any, base_url: str) -> None:
    """推广 over November: a row per ad channel with its spend and guard-rail flags as the API gives them, the
    spend ratio drawn with its band, and the no-result search terms."""
    q = "start=2024-11-01&end=2024-11-30"
    open_page(page, f"{base_url}/marketing?lang=zh&{q}")
    m = api(page, base_url, f"/api/marketing?{q}&lang=zh")
    rows = page.locator("#table-channels tbody tr")
    assert rows.count() == len(m["channels"]) == 3
    first = m["channels"][0]
    assert first["channel"] in rows.first.inner_text()
    assert page.locator(f"#table-channels [data-metric=ad_cost][data-value='{first['ad_cost']}']").count() == 1
    assert page.locator("#table-search-no-results tbody tr").count() == len(m["search_no_results"]) > 0
    # the product the non-buyers looked at is named as on the 商品 page, "name (id)", its count in a column of its own
    looked = [r for r in m["search_no_purchase"] if r["product_id"] and r["product_name"]]
    assert looked
    named = looked[0]
    cells = page.locator("#table-search-no-purchase tbody tr").nth(m["search_no_purchase"].index(named)) \
        .locator("td").all_inner_texts()
    assert cells[4:] == [f"{named['product_name']} ({named['product_id']})", f"{named['product_visitors']:,}"]
    assert page.locator("#table-search-no-purchase thead th").nth(5).inner_text() == "看过它的未成交人数"
    assert drawn_charts(page)["chart-spend-band"] == 1
    page.screenshot(path=str(ARTIFACTS / "marketing-panels-zh.png"), full_page=True)


def test_changing_the_date_reloads_the_figures_of_that_day(page: Any, base_url: str) -> None:
    open_page(page, f"{base_url}/?date={DAY}")
    with page.expect_navigation():
        page.fill("#date", OTHER_DAY)
        page.dispatch_event("#date", "change")
    page.wait_for_function("document.body.dataset.ready")
    assert f"date={OTHER_DAY}" in page.url
    expected = api(page, base_url, f"/api/overview?date={OTHER_DAY}")["cards"][0]["value"]
    assert float(page.get_attribute("[data-card=sales] .val [data-metric]", "data-value")) == expected


def _card_value(pg: Any, metric: str) -> float | None:
    raw = pg.get_attribute(f"[data-card={metric}] .val [data-metric]", "data-value")
    return float(raw) if raw else None


def test_the_date_pickers_choices_switch_the_cards(page: Any, base_url: str) -> None:
    """1天 / 7天 / 30天 / 周 / 月 hold the chosen day; 自定义 takes a range; each reloads the cards of its period,
    equal to the API's, with the comparisons of that period."""
    ARTIFACTS.mkdir(exist_ok=True)
    open_page(page, f"{base_url}/?date={DAY}")
    assert page.get_attribute("#picker button.on", "data-kind") == "day"
    for kind, query in [("7d", f"period=7d&date={DAY}"), ("30d", f"period=30d&date={DAY}"),
                        ("week", f"period=week&date={DAY}"), ("month", f"period=month&date={DAY}"),
                        ("day", f"date={DAY}")]:
        with page.expect_navigation():
            page.click(f"#picker button[data-kind='{kind}']")
        page.wait_for_function("document.body.dataset.ready")
        assert page.url.endswith("/?" + query), page.url
        expected = api(page, base_url, f"/api/overview?{query}")
        assert page.get_attribute("#picker button.on", "data-kind") == kind
        assert page.inner_text("#period-label") == expected["period"]["label"]
        for metric in ["sales", "uv", "paid_buyers"]:
            card = next(c for c in expected["cards"] if c["metric"] == metric)
            assert _card_value(page, metric) == pytest.approx(card["value"]), (kind, metric)
        labels = page.locator("[data-card=sales] .cmp span:first-child").all_inner_texts()
        assert labels == [c["label"] for c in expected["comparisons"]]
        if kind == "month":
            page.screenshot(path=str(ARTIFACTS / "overview-month-zh.png"), full_page=True)
    page.click("#picker button[data-kind='custom']")
    page.fill("#start", "2024-11-01")
    with page.expect_navigation():
        page.fill("#end", "2024-11-11")
        page.dispatch_event("#end", "change")
    page.wait_for_function("document.body.dataset.ready")
    assert page.url.endswith("/?start=2024-11-01&end=2024-11-11")
    expected = api(page, base_url, "/api/overview?start=2024-11-01&end=2024-11-11")
    assert _card_value(page, "sales") == pytest.approx(expected["cards"][0]["value"])
    assert page.get_attribute("#picker button.on", "data-kind") == "custom"
    # the chosen period follows the navigation to another page
    with page.expect_navigation():
        page.click("[data-nav=traffic]")
    page.wait_for_function("document.body.dataset.ready")
    assert page.url.endswith("/traffic?start=2024-11-01&end=2024-11-11")
    assert api(page, base_url, "/api/traffic?start=2024-11-01&end=2024-11-11")["start"] == "2024-11-01"


def test_a_small_shop_opens_on_its_last_7_days_with_sales(olist_page: Any, olist_url: str) -> None:
    """The Olist tail: the last order (2018-10-17) is unpaid; the dashboard opens on 2018-08-28 .. 2018-09-03
    (a small shop: 7 days), sales R$680.00 (4 x 150.00 + 80.00)."""
    ARTIFACTS.mkdir(exist_ok=True)
    for lang in ["zh", "en"]:
        open_page(olist_page, f"{olist_url}/?lang={lang}")
        assert olist_page.get_attribute("#picker button.on", "data-kind") == "7d"
        assert olist_page.inner_text("#period-label") == "2018-08-28 ~ 2018-09-03"
        assert _card_value(olist_page, "sales") == pytest.approx(680.0)
        assert olist_page.locator("[data-card=sales] .val").inner_text().startswith("R$")
        # no visit data: the tree is paying buyers x spend per buyer, and no card of dashes for visitors
        assert olist_page.locator("[data-node=paid_buyers]").count() == 1
        assert olist_page.locator("[data-node=uv], [data-card=uv]").count() == 0
        formula = "支付买家数 × 客单价" if lang == "zh" else "paying buyers × spend per buyer"
        assert formula in olist_page.inner_text("main")
        assert drawn_charts(olist_page) == {"chart-trend": 3}
        olist_page.wait_for_function("document.getElementById('alerts').dataset.ready", timeout=60_000)
        olist_page.screenshot(path=str(ARTIFACTS / f"overview-olist-{lang}.png"), full_page=True)


def test_clicking_a_bar_of_the_waterfall_drills_into_that_cell(page: Any, base_url: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    open_page(page, f"{base_url}/diagnosis?date={DAY}&lang=en")
    diag = api(page, base_url, f"/api/diagnosis?date={DAY}&vs=week&lang=en")
    first = diag["dimensions"][0]["cells"][0]
    x, y = page.evaluate(
        """(value) => {
            const c = echarts.getInstanceByDom(document.getElementById('chart-waterfall'));
            const box = document.getElementById('chart-waterfall').getBoundingClientRect();
            const [px, py] = c.convertToPixel({ seriesIndex: 0 }, [1, value]);
            return [box.left + px, box.top + py];
        }""",
        diag["baseline"] + first["contribution"] / 2,
    )
    page.mouse.click(x, y)
    page.wait_for_function("document.getElementById('drill').dataset.cell")
    assert page.get_attribute("#drill", "data-cell") == first["value"]
    option = page.evaluate(
        "echarts.getInstanceByDom(document.getElementById('chart-waterfall')).getOption().xAxis[0].data"
    )
    assert option[1:-1] == [diag["factor_labels"][k] for k in first["effects"]]
    steps = page.locator("#diag-path li").count()
    assert steps == len(diag["path"])
    shown = page.get_attribute("#diag-signal [data-significant]", "data-significant")
    assert shown == ("none" if diag["significance"] is None else "null" if diag["significant"] is None
                     else str(diag["significant"]).lower())
    page.screenshot(path=str(ARTIFACTS / "diagnosis-drill-en.png"), full_page=True)


def test_the_waterfall_names_products_as_the_product_page_does(page: Any, base_url: str) -> None:
    """Split by product, the waterfall's bars read "name (id)" (they showed the bare id), as the 商品 page's rows."""
    open_page(page, f"{base_url}/diagnosis?date={DAY}&lang=zh")
    diag = api(page, base_url, f"/api/diagnosis?date={DAY}&vs=week&lang=zh")
    cells = next(d for d in diag["dimensions"] if d["name"] == "product")["cells"]
    names = {r["product"]: r["name"] for r in api(page, base_url, f"/api/products?date={DAY}&lang=zh")["rows"]}
    first, pid = cells[0]["display"], cells[0]["value"]
    assert names[pid] == first and first.endswith(f" ({pid})") and len(first) > len(pid) + 3
    page.select_option("#dimension", "product")
    labels = page.evaluate(
        "echarts.getInstanceByDom(document.getElementById('chart-waterfall')).getOption().xAxis[0].data")
    assert labels[1:3] == [c["display"] + (" *" if c["significant"] else "") for c in cells[:2]]


def test_a_file_dropped_on_the_data_page_is_loaded_and_summarised(page: Any, base_url: str) -> None:
    open_page(page, f"{base_url}/data?lang=en")
    page.select_option("#table", "orders")
    page.evaluate(
        """() => {
            const csv = 'order_id,customer_id,created_at,paid_at,pay_amount\\n' +
                'BR1,CB1,2024-11-30 10:00:00,2024-11-30 10:05:00,88.00\\n' +
                'BR2,CB2,2024-11-30 11:00:00,2024-11-29 11:01:00,12.00\\n';
            const dt = new DataTransfer();
            dt.items.add(new File([csv], 'dropped-orders.csv', { type: 'text/csv' }));
            const drop = new DragEvent('drop', { dataTransfer: dt, bubbles: true });
            document.getElementById('dropzone').dispatchEvent(drop);
        }"""
    )
    page.wait_for_function("document.getElementById('load-summary').dataset.done", timeout=60_000)
    cells = page.locator("#load-summary tbody tr").first.locator("td").all_inner_texts()
    assert cells == ["orders", "1", "1"]
    page.wait_for_function("document.querySelectorAll('#table-quarantine tbody tr').length > 0")
    assert "dropped-orders.csv" in page.inner_text("#table-quarantine")
    assert page.locator("#table-catalogue tbody tr").count() == len(api(page, base_url, "/api/metrics")["metrics"])
    page.screenshot(path=str(ARTIFACTS / "data-after-upload.png"), full_page=True)


def test_the_promo_page_shows_the_post_mortem_of_the_api(page: Any, base_url: str, demo_truth: Any) -> None:
    """活动 on a day after the demo's 双11: the incremental-sales card is the API's, the waterfall goes from the
    baseline through the pulled-forward, main-day and hangover steps to the actual sales, one table row per phase."""
    open_page(page, f"{base_url}/promo?lang=zh&date={DAY}")
    promo = api(page, base_url, f"/api/promo?date={DAY}&lang=zh")
    r = promo["review"]
    assert r["day"] == str(demo_truth.promotion.day) and r["start"] == str(demo_truth.promotion.presale_start)
    card = page.locator("[data-card=incremental_sales] .val")
    assert float(card.get_attribute("data-value")) == r["incremental_sales"]
    steps = page.evaluate(
        "echarts.getInstanceByDom(document.getElementById('chart-waterfall')).getOption().xAxis[0].data")
    assert steps == ["基线（无活动）", "需求前移", "大促当天增量", "活动后透支", "实际销售额"]
    assert r["baseline"] + r["pull_forward"] + r["main_lift"] + r["hangover"] == pytest.approx(r["sales"], abs=0.05)
    assert page.locator("#table-phases tbody tr").count() == len(r["phases"]) == 3
    assert promo["live"]["hours"][23]["cumulative"] == pytest.approx(promo["live"]["cumulative_sales"])
    assert promo["plan"]["date"] == "2024-12-12" and promo["plan"]["basis"] == "past_event"
    # the stock table names each product as the 商品 page does: "name (id)"
    first = promo["plan"]["products"][0]
    assert first["name"].endswith(f" ({first['product_id']})") and len(first["name"]) > len(first["product_id"]) + 3
    assert page.locator("#table-plan-products tbody tr td").first.inner_text() == first["name"]
    page.screenshot(path=str(ARTIFACTS / "promo-panels-zh.png"), full_page=True)


FORMAT_VALUES = [0, 3, 1234.5, -1234.5, 0.125, 2.675, 1_000_000.005, -0.004, 0.123456, 99.995, None]
FORMAT_UNITS = ["money", "ratio", "count", "seconds", "hours", "days", "score", "other"]


def test_the_page_formats_numbers_as_python_does(page: Any, base_url: str) -> None:
    """The browser formats with the spec the server inlines (junshi.formats.format_spec): the cards of the real
    page read as junshi.formats formats the API's values, and the page's own fmt/pct give Python's text for every
    unit, signed or not, in CNY, USD, BRL and HKD (symbols, "—" for missing, decimals, rounding half away from
    zero: 2.675 -> 2.68, 0.125 -> 0.13)."""
    from junshi.formats import format_change, format_value

    cases = [(v, u, cur, change) for v in FORMAT_VALUES for u in FORMAT_UNITS
             for cur in ("CNY", "USD", "BRL", "HKD") for change in (False, True)]
    changes = [0.1234, -0.00004, 0.0, 1.5, -0.25, 0.00049, None]
    for lang in ("zh", "en"):
        open_page(page, f"{base_url}/?lang={lang}&date={DAY}")
        overview = api(page, base_url, f"/api/overview?lang={lang}&date={DAY}")
        for card in overview["cards"]:
            shown = page.locator(f"[data-card={card['metric']}] .val").inner_text()
            assert shown == format_value(card["value"], card["unit"], "CNY", lang=lang), card
            before = page.locator(f"[data-card={card['metric']}] .cmp span:nth-child(2)").first.inner_text()
            first = overview["comparisons"][0]["key"]
            assert before == format_change(card["compare"][first]["change_pct"]), card
        browser_text = page.evaluate(
            """async ([cases, changes]) => {
                const m = await import("/static/junshi.js");
                return [cases.map(([v, u, cur, change]) => m.fmt(v, u, { currency: cur, change: change })),
                        changes.map((c) => m.pct(c).text)];
            }""", [cases, changes])
        python_text = [[format_value(v, u, cur, change=change, lang=lang) for v, u, cur, change in cases],
                       [format_change(c) for c in changes]]
        mismatched = [(case, b, p) for case, b, p in zip(cases, browser_text[0], python_text[0], strict=True) if b != p]
        assert not mismatched, mismatched[:10]
        assert browser_text[1] == python_text[1]
    assert format_value(1234.5, "money", "HKD") == "HK$1,234.50" and format_value(-1, "money", "BRL") == "-R$1.00"


def test_the_pages_csv_neutralises_formulas_as_python_does(page: Any, base_url: str) -> None:
    """The dashboard's CSV download makes text safe with junshi.exports.safe_text's rule (the hostile and harmless
    values of test_exports): =HYPERLINK(...) gets a leading ', -12.5 and a=b stay; numbers stay numbers."""
    from junshi.exports import safe_text
    from test_exports import HARMLESS, HOSTILE

    open_page(page, f"{base_url}/data?lang=en")
    texts = HOSTILE + HARMLESS
    browser = page.evaluate("""async (texts) => {
        const m = await import("/static/junshi.js");
        const csv = m.csvOf([{ key: "v", label: "=label" }], [{ v: -5 }, { v: "=1+1" }]);
        return [texts.map(m.safeText), await csv.text()];
    }""", texts)
    assert browser[0] == [safe_text(t) for t in texts] and browser[0][0].startswith("'=HYPERLINK")
    assert browser[1] == "'=label\r\n-5\r\n'=1+1\r\n"  # Blob.text() drops the byte order mark


def test_no_page_of_an_orders_only_shop_draws_empty_axes(retail_page: Any, retail_url: str) -> None:
    """Without visits, ads or searches, each chart of each page either draws a datum or says why not (the 推广
    page's spend ratio and attribution charts drew bare axes)."""
    for path in PAGE_PATHS.values():
        open_page(retail_page, f"{retail_url}{path}?lang=zh&date={RETAIL_DAY}")
        charts = retail_page.evaluate(
            """() => Object.fromEntries([...document.querySelectorAll('.chart')].filter((el) => el.checkVisibility())
              .map((el) => {
                const c = echarts.getInstanceByDom(el);
                const data = c ? c.getOption().series.flatMap((s) => s.data || []) : [];
                const drawn = data.filter((v) => v !== null && v !== undefined && v.value !== null).length;
                return [el.id, c ? drawn : el.innerText];
            }))""")
        # a chart shown without an instance says why in words (暂无, or the risk page's "no ring in these suspects")
        shown = [(isinstance(v, str) and v) or (isinstance(v, int) and v > 0) for v in charts.values()]
        assert all(shown), (path, charts)
    open_page(retail_page, f"{retail_url}/marketing?lang=zh&date={RETAIL_DAY}")
    assert retail_page.inner_text("#chart-spend-band") == retail_page.inner_text("#chart-attribution") == "暂无。"
    # 诊断 without visits: buyers x spend per buyer, no empty visitor and conversion steps
    open_page(retail_page, f"{retail_url}/diagnosis?lang=zh&date={RETAIL_DAY}")
    assert retail_page.inner_text("#dimension option[value='']") == "因素（支付买家数 × 客单价）"
    retail_page.select_option("#dimension", "")
    steps = retail_page.evaluate(
        "echarts.getInstanceByDom(document.getElementById('chart-waterfall')).getOption().xAxis[0].data")
    assert steps[1:-1] == ["支付买家数", "客单价"]


def test_a_long_product_table_shows_its_first_50_rows_all_on_a_click_and_every_row_in_its_csv(
        retail_page: Any, retail_url: str) -> None:
    """60 products sold on 2011-12-09 (``retail_url``): the table opens on the 50 best sellers (ITEM 60 at £60.00
    first, ITEM 11 last), "show all" adds ITEM 10 .. ITEM 01, the CSV holds all 60 rows with raw sales 60 .. 1.
    An orders-only shop: the page says why visitors and conversion are empty. Nothing sold the day before: the
    10 biggest movers up are ITEM 60 .. ITEM 51 (+£60 .. +£51), and the movers down chart says 暂无 instead of
    drawing empty axes."""
    pg = retail_page
    open_page(pg, f"{retail_url}/products?lang=zh&date={RETAIL_DAY}")
    names = pg.locator("#table-products-t tbody tr td:first-child")
    assert names.count() == 50
    assert names.first.inner_text().startswith("ITEM 60") and names.nth(49).inner_text().startswith("ITEM 11")
    assert pg.locator("#table-products-t tbody tr").first.locator("[data-metric=sales]").inner_text() == "£60.00"
    assert "显示前 50 行，共 60 行" in pg.inner_text("#table-products .table-foot")
    with pg.expect_download() as download:
        pg.click("#table-products [data-action=csv]")
    assert download.value.suggested_filename == f"products_{RETAIL_DAY}.csv"
    text = Path(download.value.path()).read_text(encoding="utf-8")
    assert text.startswith("\ufeff")  # so that Excel reads the Chinese headers
    records = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert [float(r["支付金额"]) for r in records] == [float(k) for k in range(RETAIL_PRODUCTS, 0, -1)]
    # no visit, cost or stock data: those columns are left out, the notes say why
    assert list(records[0]) == ["商品", "支付金额", "支付件数"]
    pg.click("#table-products [data-action=show-all]")
    assert names.count() == RETAIL_PRODUCTS and names.last.inner_text().startswith("ITEM 01")
    assert "共 60 行" in pg.inner_text("#table-products .table-foot")
    assert "访客数需要行为数据" in pg.inner_text("#products-notes") and "库存和可售天数需要库存数据" in \
        pg.inner_text("#products-notes")
    up = pg.evaluate("""() => { const o = echarts.getInstanceByDom(document.getElementById('chart-movers-up'))
        .getOption(); return [o.yAxis[0].data, o.series[0].data]; }""")
    assert [n[:7] for n in up[0]] == [f"ITEM {k}" for k in range(60, 50, -1)] and up[1] == list(range(60, 50, -1))
    assert pg.inner_text("#chart-movers-down") == "暂无。"
    assert pg.locator("#chart-movers-down canvas").count() == 0
    ARTIFACTS.mkdir(exist_ok=True)
    pg.screenshot(path=str(ARTIFACTS / "products-retail-zh.png"), full_page=True)
    # 交易: without visits the funnel starts at the 60 ordering buyers (no "访客数: —" steps), all 60 paid
    open_page(pg, f"{retail_url}/transactions?lang=zh&date={RETAIL_DAY}")
    funnel = pg.evaluate("echarts.getInstanceByDom(document.getElementById('chart-funnel')).getOption().series[0].data")
    assert [(s["name"], s["value"]) for s in funnel] == [("下单买家数", 60), ("支付买家数 (100.00%)", 60)]
