"""Reports: periods, the numbers of a tiny shop, and each format (HTML, PDF, Excel) on the demo shop."""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
from pathlib import Path

import openpyxl
import pypdfium2
import pytest
from fastapi.testclient import TestClient

from junshi import Shop, connect
from junshi.cli import main
from junshi.errors import ConfigError
from junshi.reports import build_report, period_kind, report_period
from junshi.reports.excel import render_xlsx
from junshi.reports.html import render_html
from junshi.reports.pdf import render_pdf
from junshi.reports.readiness import data_status
from tiny_shop import add_day as _day
from tiny_shop import insert as _insert

D0, D1 = dt.date(2026, 11, 2), dt.date(2026, 11, 9)  # Mondays, a week apart
FORMULA_NAME = '=HYPERLINK("http://evil.example","click")'
DEMO_DAY = dt.date(2024, 11, 11)  # 双11 in the demo shop
PAGE_IMAGES = Path("/tmp/junshi-report-pages")  # kept after the run, for people to look at


@pytest.fixture
def tiny(shop: Shop) -> Shop:
    """D0: 10 visitors, 2 pay 100.00 each; D1 (a week later): 20 visitors, 3 pay 150.00 each.

    sales 200.00 -> 450.00 (+125%); visitors 10 -> 20 (+100%); conversion 0.20 -> 0.15 (-25%);
    spend per buyer 100.00 -> 150.00 (+50%). Product P1's name is a spreadsheet formula.
    """
    shop.warehouse.ensure_shop("default", name="小店")
    _day(shop, D0, 10, 2, 100)
    _day(shop, D1, 20, 3, 150)
    _insert(shop, "products", [{"shop_id": "default", "product_id": "P1", "name": FORMULA_NAME}])
    return shop


def test_periods() -> None:
    """day: vs the same weekday a week before; week: the calendar week up to the day vs the same days a week
    before; month: month to date vs the same days of the month before, clamped to its length; a whole month
    against the whole month before."""
    day = dt.date(2024, 3, 31)  # a Sunday, the last of March
    assert report_period(day, "day") == (day, day, dt.date(2024, 3, 24), dt.date(2024, 3, 24))
    assert report_period(day, "week") == (dt.date(2024, 3, 25), day, dt.date(2024, 3, 18), dt.date(2024, 3, 24))
    assert report_period(dt.date(2024, 3, 27), "week") == (dt.date(2024, 3, 25), dt.date(2024, 3, 27),
                                                           dt.date(2024, 3, 18), dt.date(2024, 3, 20))
    assert report_period(day, "month") == (dt.date(2024, 3, 1), day, dt.date(2024, 2, 1), dt.date(2024, 2, 29))
    assert report_period(dt.date(2024, 3, 30), "month")[2:] == (dt.date(2024, 2, 1), dt.date(2024, 2, 29))
    assert report_period(dt.date(2024, 1, 15), "month")[2:] == (dt.date(2023, 12, 1), dt.date(2023, 12, 15))
    with pytest.raises(ConfigError):
        period_kind("quarter")


def test_tiny_shop_numbers(tiny: Shop) -> None:
    """The cards, the tree and the waterfall carry the docstring's arithmetic; effects sum to the change."""
    r = build_report(tiny, D1, "day", "en")
    sales, uv, conv, spb = (r.card(m) for m in ("sales", "uv", "payment_conversion_rate", "spend_per_buyer"))
    assert sales and sales.value == 450 and sales.baseline == 200 and sales.change_pct == pytest.approx(1.25)
    assert uv and (uv.value, uv.baseline) == (20, 10)
    assert conv and conv.change_pct == pytest.approx(-0.25)
    assert spb and spb.value == pytest.approx(150) and spb.change_pct == pytest.approx(0.5)
    assert [c.metric for c in r.tree] == ["sales", "uv", "payment_conversion_rate", "spend_per_buyer"]
    assert r.waterfall[0][1] == 200 and r.waterfall[-1][1] == 450
    assert sum(amount for _, amount in r.waterfall[1:-1]) == pytest.approx(250)
    traffic = next(s for s in r.sections if s.id == "traffic")
    assert [c.value for c in traffic.rows[0]][:2] == ["搜索", 20]
    assert sales.verdict == "good" and conv.verdict == "bad"


def test_readiness(tiny: Shop) -> None:
    """D1's last order is at 09:00 and nothing later is loaded: maybe incomplete; an order of the next day or
    one in D1's last hour makes it complete."""
    assert not data_status(tiny, D1, "en").complete
    assert data_status(tiny, D0, "en").complete  # D1's data is later
    _day(tiny, D1, 1, 1, 10, hour=23)
    assert data_status(tiny, D1, "en").complete


def test_html_is_self_contained_and_bilingual(tiny: Shop) -> None:
    """No script, stylesheet link or remote resource; inline SVG charts; the incomplete warning shows."""
    for lang, heading in (("zh", "核心指标"), ("en", "Key figures")):
        html = render_html(build_report(tiny, D1, "day", lang))
        assert heading in html and "<svg" in html
        assert "<script" not in html.lower() and "<link" not in html.lower()
        assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)
        assert "¥450.00" in html and "+125.00%" in html
        assert 'class="status incomplete"' in html
    assert "可能不完整" in render_html(build_report(tiny, D1, "day", "zh"))


def test_excel_numbers_formats_and_formulas(tiny: Shop) -> None:
    """One sheet per section, numbers as numbers with money/percent formats, frozen headers; a product name
    that is a formula stays text."""
    wb = openpyxl.load_workbook(io.BytesIO(render_xlsx(build_report(tiny, D1, "day", "zh"))))
    assert wb.sheetnames == ["概览", "诊断", "预警", "建议", "流量", "商品排行", "服务", "客户", "趋势"]
    summary = wb["概览"]
    assert all(ws.freeze_panes == "A2" for ws in wb)
    assert [c.value for c in summary[1]] == ["指标", "本期", "基期", "变化"]
    sales = next(row for row in summary.iter_rows(min_row=2) if row[0].value == "支付金额")
    assert sales[1].value == 450 and sales[1].number_format == '"¥"#,##0.00'
    assert sales[3].value == pytest.approx(1.25) and sales[3].number_format == "+0.00%;-0.00%;0.00%"
    products = wb["商品排行"]
    assert products["B2"].value == "'" + FORMULA_NAME and products["B2"].data_type == "s"
    assert not any(str(c.value).startswith("=") for ws in wb for row in ws.iter_rows() for c in row if c.value)


@pytest.fixture(scope="module")
def demo_report_db(demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("reports") / "demo.duckdb"
    shutil.copy(demo_db, target)
    return target


def _ink(image: object) -> float:
    """Share of pixels that are not near-white."""
    gray = image.convert("L")  # type: ignore[attr-defined]  # a PIL image
    hist = gray.histogram()
    return 1 - sum(hist[240:]) / sum(hist)


def test_pdf_pages_render_with_chinese_text(demo_report_db: Path) -> None:
    """Each page rendered to PNG has ink on it; the text layer holds the Chinese headings (a missing CJK font
    would leave empty boxes and no such text)."""
    with connect(demo_report_db) as shop:
        pdf = render_pdf(build_report(shop, DEMO_DAY, "week", "zh"))
    doc = pypdfium2.PdfDocument(pdf)
    assert len(doc) >= 2
    PAGE_IMAGES.mkdir(exist_ok=True)
    text = ""
    for i in range(len(doc)):
        page = doc[i]
        image = page.render(scale=1.5).to_pil()
        image.save(PAGE_IMAGES / f"week-zh-page{i + 1}.png")
        assert _ink(image) > 0.01, f"page {i + 1} is blank"
        text += page.get_textpage().get_text_range()
    headings = ("核心指标", "销售额变化原因", "预警", "建议", "流量", "商品排行", "服务", "客户", "云裳女装旗舰店 周报")
    for heading in headings:
        assert heading in text, heading
    assert "¥" in text and "支付金额" in text


def test_cli_and_api(demo_report_db: Path, tmp_path: Path) -> None:
    """``junshi report`` writes each format; ``/api/report`` serves them with their media types."""
    for fmt, magic in (("html", b"<!DOCTYPE html>"), ("xlsx", b"PK"), ("pdf", b"%PDF")):
        out = tmp_path / f"r.{fmt}"
        main(["--lang", "en", "report", "--date", "2024-11-30", "--format", fmt, "--out", str(out),
              "--db", str(demo_report_db)])
        assert out.read_bytes().startswith(magic)
    from junshi.api import create_app

    with TestClient(create_app(demo_report_db, "t" * 24), headers={"Authorization": "Bearer " + "t" * 24}) as c:
        got = c.get("/api/report", params={"date": "2024-11-30", "format": "json", "lang": "en"})
        assert got.status_code == 200 and got.json()["end"] == "2024-11-30" and got.json()["cards"]
        xlsx = c.get("/api/report", params={"date": "2024-11-30", "format": "xlsx"})
        assert xlsx.headers["content-type"].startswith("application/vnd.openxmlformats")
        assert 'filename="junshi-default-day-2024-11-30.xlsx"' in xlsx.headers["content-disposition"]
        assert c.get("/api/report", params={"format": "doc"}).status_code == 422
