"""The JSON API in-process against a real warehouse (a copy of the demo shop): access, errors, numbers, uploads."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import stat
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

import junshi
from junshi import rollup
from junshi.api import create_app
from junshi.api.config import load_or_create_token
from junshi.api.server import is_local, login_url, resolve_token
from junshi.api.uploads import display_name
from junshi.errors import ConfigError
from junshi.vocab import FACTORS

TOKEN = "test-token-0123456789abcdef"
BEARER = {"Authorization": f"Bearer {TOKEN}"}
ROOT = Path(__file__).resolve().parents[1]
SNAPSHOT = ROOT / "tests" / "snapshots" / "openapi.json"
ORDERS_CSV = (
    "order_id,customer_id,created_at,paid_at,pay_amount\n"
    "UP1,CU1,2024-11-30 10:00:00,2024-11-30 10:05:00,100.50\n"
    "UP2,CU2,2024-11-30 11:00:00,2024-11-30 11:01:00,200.00\n"
    "UP3,CU3,2024-11-30 12:00:00,2024-11-29 12:01:00,50.00\n"
)


@pytest.fixture(scope="module")
def api_db(demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A private copy of the demo shop (uploads write to it)."""
    target = tmp_path_factory.mktemp("api") / "demo.duckdb"
    shutil.copy(demo_db, target)
    return target


@pytest.fixture(scope="module")
def anon(api_db: Path) -> Iterator[TestClient]:
    """A client without the token."""
    with TestClient(create_app(api_db, TOKEN, max_upload_bytes=64 * 1024), raise_server_exceptions=False) as c:
        yield c


@pytest.fixture(scope="module")
def client(anon: TestClient) -> TestClient:
    anon.headers.update(BEARER)
    return anon


def assert_error(body: dict[str, object], status: int, kind: str) -> None:
    """The one error shape: type, status, message and hint in the request's language and in both."""
    err = body["error"]
    assert isinstance(err, dict)
    assert set(err) == {"type", "status", "message", "hint", "en", "zh", "details"}
    assert (err["type"], err["status"]) == (kind, status)
    assert err["en"]["message"] and err["zh"]["message"] and err["en"]["message"] != err["zh"]["message"]


# ---------- access ----------


def test_every_page_and_api_call_needs_the_token(api_db: Path) -> None:
    with TestClient(create_app(api_db, TOKEN), raise_server_exceptions=False) as c:
        for path in ["/api/shop", "/api/overview", "/openapi.json", "/api/kpi?metrics=sales"]:
            r = c.get(path)
            assert r.status_code == 401, path
            assert_error(r.json(), 401, "AccessError")
        r = c.get("/api/shop", headers={"Authorization": "Bearer wrong-token-0123456789"})
        assert r.status_code == 401
        for path in ["/", "/traffic", "/data", "/static/junshi.js"]:
            r = c.get(path, follow_redirects=False)
            assert r.status_code == 303 and r.headers["location"].startswith("/login?next="), path
        r = c.get("/?token=wrong-token-0123456789", follow_redirects=False)
        assert r.status_code == 303 and "failed=1" in r.headers["location"]
        assert c.get("/login").status_code == 200


def test_token_in_the_url_sets_a_cookie_then_the_cookie_is_enough(api_db: Path) -> None:
    with TestClient(create_app(api_db, TOKEN)) as c:
        r = c.get(f"/traffic?lang=en&token={TOKEN}", follow_redirects=False)
        assert r.status_code == 303
        assert r.headers["location"] == "/traffic?lang=en"  # the token leaves the address bar
        cookie = r.headers["set-cookie"]
        assert f"junshi_token={TOKEN}" in cookie and "HttpOnly" in cookie and "SameSite=strict" in cookie
        assert c.get("/api/shop").status_code == 200  # the cookie alone now opens the API
        page = c.get("/traffic?lang=en")
        assert page.status_code == 200 and "Traffic" in page.text


def test_login_form_checks_the_token_and_never_redirects_off_site(api_db: Path) -> None:
    with TestClient(create_app(api_db, TOKEN)) as c:
        wrong = c.post("/login", data={"token": "nope", "next": "/data"}, follow_redirects=False)
        assert wrong.status_code == 401 and "login-failed" in wrong.text
        ok = c.post("/login", data={"token": TOKEN, "next": "https://evil.example/"}, follow_redirects=False)
        assert ok.status_code == 303 and ok.headers["location"] == "/"
        ok = c.post("/login", data={"token": TOKEN, "next": "/data?lang=en"}, follow_redirects=False)
        assert ok.headers["location"] == "/data?lang=en"
        assert c.get("/api/shop").status_code == 200


def test_the_token_is_created_once_and_stored_privately(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "cfg" / "config.json"
    monkeypatch.setenv("JUNSHI_CONFIG", str(path))
    said: list[str] = []
    first = resolve_token("127.0.0.1", None, said.append)
    assert len(first) >= 32 and str(path) in said[0]
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert json.loads(path.read_text())["token"] == first
    assert load_or_create_token(path) == (first, False)
    assert resolve_token("localhost", None, said.append) == first and len(said) == 1
    assert resolve_token("0.0.0.0", "a-chosen-token-of-length-24", said.append) == "a-chosen-token-of-length-24"
    assert login_url("0.0.0.0", 8765, first) == f"http://127.0.0.1:8765/?token={first}"


def test_listening_beyond_localhost_needs_an_explicit_token(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JUNSHI_CONFIG", str(tmp_path / "config.json"))
    for host in ["0.0.0.0", "192.168.1.5", "::", "example.com"]:
        assert not is_local(host)
        with pytest.raises(ConfigError, match="explicit token"):
            resolve_token(host, None)
    assert is_local("127.0.0.1") and is_local("::1") and is_local("localhost")
    with pytest.raises(ConfigError, match="16"):
        resolve_token("127.0.0.1", "short")
    assert not (tmp_path / "config.json").exists()


# ---------- errors ----------


def test_errors_share_one_shape_in_the_requested_language(client: TestClient) -> None:
    r = client.get("/api/nothing-here")
    assert r.status_code == 404
    assert_error(r.json(), 404, "HTTPError")
    assert r.json()["error"]["message"] == r.json()["error"]["zh"]["message"]  # zh by default
    r = client.get("/api/overview?date=not-a-date&lang=en")
    assert r.status_code == 422
    assert_error(r.json(), 422, "ValidationError")
    assert r.json()["error"]["details"][0]["loc"] == ["query", "date"]
    assert r.json()["error"]["message"] == r.json()["error"]["en"]["message"]
    r = client.get("/api/kpi?metrics=sales,not_a_metric&lang=en")
    assert r.status_code == 400
    assert_error(r.json(), 400, "MetricError")
    assert "not_a_metric" in r.json()["error"]["message"]
    r = client.get("/api/kpi?metrics=sales&by=shop_id;drop table orders")
    assert r.status_code == 400
    assert_error(r.json(), 400, "MetricError")
    r = client.get("/api/kpi?metrics=sales&where=nonsense")
    assert_error(r.json(), 400, "MetricError")
    r = client.delete("/api/shop")
    assert_error(r.json(), 405, "HTTPError")


# ---------- numbers ----------


def test_kpi_and_overview_numbers_are_the_engines(client: TestClient, api_db: Path) -> None:
    shop = client.get("/api/shop").json()
    assert shop["currency"] == "CNY" and shop["last_day"] == "2024-11-30"
    assert shop["default_period"]["kind"] == "day" and shop["default_period"]["end"] == "2024-11-30"  # a big shop
    day = dt.date(2024, 11, 20)
    with junshi.connect(api_db) as s:
        expected = s.kpi(["sales", "uv", "paid_buyers"], by=["source"], start=day, end=day, compare="week").records()
        days = {d: s.kpi(["sales", "uv", "payment_conversion_rate", "spend_per_buyer"], start=d, end=d).records()[0]
                for d in (day, day - dt.timedelta(days=1), day - dt.timedelta(days=7))}
    got = client.get(f"/api/kpi?metrics=sales,uv,paid_buyers&by=source&start={day}&end={day}&compare=week").json()
    assert got["rows"] == expected
    assert [m["id"] for m in got["metrics"]] == ["sales", "uv", "paid_buyers"]

    o = client.get(f"/api/overview?date={day}&lang=en").json()
    cards = {c["metric"]: c for c in o["cards"]}
    assert cards["sales"]["name"] == "Sales"
    for m in ["sales", "uv", "payment_conversion_rate", "spend_per_buyer"]:
        today, yesterday, week = (days[d][m] for d in (day, day - dt.timedelta(days=1), day - dt.timedelta(days=7)))
        assert cards[m]["value"] == pytest.approx(today)
        assert cards[m]["compare"]["previous"]["value"] == pytest.approx(yesterday)
        assert cards[m]["compare"]["week"]["change_pct"] == pytest.approx((today - week) / abs(week))
    assert [(c["key"], c["label"]) for c in o["comparisons"]] == [
        ("previous", "vs previous day"), ("week", "vs same day last week"),
        ("year", "vs same period last year"), ("peer", "vs peer average")]
    tree = {n["metric"]: n["value"] for n in o["tree"]}
    assert tree["sales"] == pytest.approx(tree["uv"] * tree["payment_conversion_rate"] * tree["spend_per_buyer"])
    assert o["trend"]["days"][-1] == str(day) and len(o["trend"]["days"]) == 30
    assert o["trend"]["series"][0]["values"][-1] == pytest.approx(days[day]["sales"])


def test_every_page_api_answers_for_the_demo_shop(client: TestClient) -> None:
    day = "2024-11-20"
    metrics = client.get("/api/metrics?lang=zh").json()
    sales = next(m for m in metrics["metrics"] if m["id"] == "sales")
    assert sales["name"] == "支付金额" and sales["definition"] and sales["definition_en"]
    assert "orders" in sales["needs"]
    traffic = client.get(f"/api/traffic?date={day}").json()
    assert {r["source"] for r in traffic["sources"]} >= {"搜索", "直通车"}
    assert traffic["landing"] and "bounce_rate" in traffic["landing"][0]
    products = client.get(f"/api/products?date={day}").json()
    assert products["rows"][0]["sales"] >= products["rows"][-1]["sales"] or products["rows"][-1]["sales"] is None
    x = client.get(f"/api/transactions?date={day}").json()
    funnel = [s["value"] for s in x["funnel"]]
    assert funnel == sorted(funnel, reverse=True) and funnel[-1] > 0
    service = client.get(f"/api/service?date={day}").json()
    assert {c["metric"] for c in service["cards"]} >= {"dsr_item", "dsr_service", "dsr_logistics"}
    assert all(1 <= r["rating"] <= 5 for r in service["ratings"])
    assert all(n["rating"] <= 2 for n in service["negative"])
    assert [d["metric"] for d in service["dsr_forecast"]] == ["dsr_item", "dsr_service", "dsr_logistics"]
    assert all(1 <= d["low"] <= d["forecast"] <= d["high"] <= 5 for d in service["dsr_forecast"])
    assert all((d["certainty"] is None) == (not d["alert"]) for d in service["dsr_forecast"])
    assert isinstance(client.get(f"/api/alerts?date={day}").json(), list)
    people = client.get(f"/api/customers?date={day}&lang=en").json()
    assert len(people["groups"]) == 8 and people["groups"][0]["name"] == "Champions"
    assert 0 < people["repurchase"]["repurchase_rate"] < 1
    advice = client.get(f"/api/advice?date={day}&lang=en").json()
    assert all(a["text"] and a["priority"] in {"high", "medium", "low"} for a in advice)


def test_diagnosis_effects_add_up_to_the_change(client: TestClient) -> None:
    d = client.get("/api/diagnosis?date=2024-11-20&vs=week&lang=en").json()
    assert d["period"] == {"current": "2024-11-20", "baseline": "2024-11-13"}
    assert sum(d["effects"].values()) == pytest.approx(d["change"], abs=0.011)
    source = next(x for x in d["dimensions"] if x["name"] == "source")
    assert source["label"] == "Source"
    assert sum(c["contribution"] for c in source["cells"]) == pytest.approx(d["change"], abs=0.011)
    assert d["factor_labels"]["conversion"] == FACTORS["conversion"].name("en") == "Payment conversion rate"
    bad = client.get("/api/diagnosis?vs=yesterday-ish")
    assert_error(bad.json(), 422, "ValidationError")


# ---------- uploads and concurrency ----------


def test_upload_of_a_good_file_loads_it_and_quarantines_bad_rows(client: TestClient) -> None:
    before = client.get("/api/kpi?metrics=sales,paid_orders&start=2024-11-30&end=2024-11-30").json()["rows"][0]
    files = [("files", ("../../etc/orders.csv", ORDERS_CSV.encode(), "text/csv"))]
    r = client.post("/api/ingest?table=orders", files=files)
    assert r.status_code == 200, r.text
    report = r.json()
    assert report["committed"] and report["summary"] == [{"table": "orders", "loaded": 2, "quarantined": 1}]
    assert report["files"][0]["source_file"] == "orders.csv"  # as uploaded, without the folders
    assert report["quarantined"][0]["examples"][0]["source_file"] == "orders.csv"
    after = client.get("/api/kpi?metrics=sales,paid_orders&start=2024-11-30&end=2024-11-30").json()["rows"][0]
    assert after["paid_orders"] == before["paid_orders"] + 2  # reads after the load see it (cache renewed)
    assert after["sales"] == pytest.approx(before["sales"] + 300.50)
    q = client.get("/api/quarantine").json()
    assert any(row["reason"] == "paid before created" and row["source_line"] == 3 for row in q["rows"])


@pytest.mark.parametrize(
    ("name", "content", "status", "kind"),
    [
        ("tool.exe", b"MZ\x90\x00", 422, "IngestError"),
        ("orders.csv", b"order_id\x00\x01\x02", 422, "IngestError"),
        ("book.xlsx", b"order_id,amount\n1,2\n", 422, "IngestError"),
        ("data.parquet", b"PK\x03\x04not parquet", 422, "IngestError"),
        ("empty.csv", b"", 422, "IngestError"),
        ("big.csv", b"a,b\n" + b"1,2\n" * 20_000, 413, "UploadTooLarge"),
    ],
)
def test_bad_uploads_are_refused_with_a_clear_error(
    client: TestClient, name: str, content: bytes, status: int, kind: str
) -> None:
    r = client.post("/api/ingest", files=[("files", (name, content, "application/octet-stream"))])
    assert r.status_code == status, r.text
    assert_error(r.json(), status, kind)
    assert r.json()["error"]["en"]["hint"]


def test_file_names_never_become_paths() -> None:
    assert display_name("../../etc/passwd") == "passwd"
    assert display_name("..\\..\\win.ini") == "win.ini"
    assert display_name("..") == "upload"
    assert display_name("a\x00b\n.csv") == "ab.csv"
    assert display_name(None) == "upload"


def test_readers_see_no_half_load_and_a_second_ingest_is_refused(client: TestClient) -> None:
    """A write holds its transaction open; meanwhile reads see the old data and a second upload gets 409."""
    engine = client.app.state.engine  # type: ignore[attr-defined]  # TestClient.app is the FastAPI app
    url = "/api/kpi?metrics=paid_orders&start=2024-11-29&end=2024-11-29"
    before = client.get(url).json()["rows"][0]["paid_orders"]
    inside, release = threading.Event(), threading.Event()

    def slow_load(shop: junshi.Shop) -> None:
        with shop.warehouse.transaction() as con:  # as a load does: the rows, then the rollups, in one transaction
            con.execute(
                "INSERT INTO orders (shop_id, order_id, created_at, paid_at, pay_amount) "
                "VALUES ('default', 'HALF1', TIMESTAMP '2024-11-29 09:00', TIMESTAMP '2024-11-29 09:01', 10)"
            )
            rollup.refresh(con, "default", ["orders"])
            inside.set()
            assert release.wait(30)

    writer = threading.Thread(target=engine.write, args=(slow_load,))
    writer.start()
    try:
        assert inside.wait(30)
        fresh = "/api/kpi?metrics=paid_orders,sales&start=2024-11-29&end=2024-11-29"  # not cached before
        during = client.get(fresh).json()["rows"][0]["paid_orders"]
        assert during == before
        busy = client.post("/api/ingest?table=orders", files=[("files", ("o.csv", ORDERS_CSV.encode(), "text/csv"))])
        assert busy.status_code == 409
        assert_error(busy.json(), 409, "Busy")
    finally:
        release.set()
        writer.join()
    assert client.get(url).json()["rows"][0]["paid_orders"] == before + 1


# ---------- attribution ----------


def test_attribution_endpoints(client: TestClient) -> None:
    """/api/attribution per model equals its column of /api/attribution/compare; each adds up to the orders;
    the ad channels carry the platform's own figures; an unknown model is a 422."""
    q = "start=2024-11-01&end=2024-11-30&half_life_days=3"
    both = client.get(f"/api/attribution/compare?{q}").json()
    assert both["model_names"]["markov"] == {"en": "Markov chain (removal effect)", "zh": "马尔可夫链（移除效应）"}
    assert both["total_conversions"] > 500
    for model in both["models"]:
        one = client.get(f"/api/attribution?model={model}&{q}").json()
        assert one["total_conversions"] == both["total_conversions"]
        assert sum(c["conversions"] for c in one["channels"]) == pytest.approx(one["total_conversions"], abs=1e-6)
        assert {c["channel"]: c["conversions"] for c in one["channels"]} == {
            c["channel"]: c["models"][model]["conversions"] for c in both["channels"]}
    assert {c["channel"] for c in both["channels"] if c["platform"]} == {"直通车", "钻展", "淘宝客"}
    bad = client.get(f"/api/attribution?model=u_shape&{q}")
    assert bad.status_code == 422


# ---------- 推广 marketing ----------


def test_marketing_page_api(client: TestClient, api_db: Path) -> None:
    """/api/marketing on the demo's November: the three simulated ad channels with the spend of `junshi ads channels`
    (shares adding up to 1), the spend ratio band of the inferred stage, every attribution model, the creative tests
    with their verdicts, and the search terms without results are exactly the simulator's no-result keywords."""
    from junshi.marketing.ads import STAGES, performance
    from junshi.simulate.vocab import KEYWORDS

    m = client.get("/api/marketing?start=2024-11-01&end=2024-11-30&lang=en").json()
    with junshi.connect(api_db) as s:
        expected = {r["channel"]: r["ad_cost"] for r in performance(s, "channels", "2024-11-01", "2024-11-30").rows}
    assert {c["channel"]: c["ad_cost"] for c in m["channels"]} == pytest.approx(expected)
    assert set(expected) == {"直通车", "钻展", "淘宝客"}
    assert sum(c["spend_share"] for c in m["channels"]) == pytest.approx(1.0)
    assert m["guard"]["band"] == list(STAGES[m["guard"]["stage"]]) and m["guard"]["break_even_roas"] > 1
    assert m["attribution"]["models"] and m["creatives"] and m["spend_trend"]["series"][0]["metric"] == "spend_ratio"
    assert {r["query"] for r in m["search_no_results"]} == {zh for zh, _en, cat in KEYWORDS if cat < 0}
    assert all(a["text_all"]["zh"] and a["text_all"]["en"] for a in m["advice"])
    assert m["creative_tests"] and all(t["verdict_text"]["zh"] for t in m["creative_tests"])


# ---------- the published schema ----------


def test_openapi_schema_matches_the_snapshot(client: TestClient) -> None:
    """Regenerate on purpose with JUNSHI_UPDATE_SNAPSHOTS=1 after changing the API."""
    schema = client.get("/openapi.json").json()
    text = json.dumps(schema, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    if os.environ.get("JUNSHI_UPDATE_SNAPSHOTS"):
        SNAPSHOT.parent.mkdir(exist_ok=True)
        SNAPSHOT.write_text(text, encoding="utf-8")
    assert SNAPSHOT.read_text(encoding="utf-8") == text


def _routes(routes: list[Any]) -> Iterator[tuple[str, set[str]]]:
    """Path and methods of every route the app serves, those of included routers too (FastAPI keeps those behind
    a lazy router: its effective routes)."""
    for r in routes:
        if isinstance(r, APIRoute):
            yield r.path, set(r.methods)
        contexts = getattr(r, "effective_route_contexts", None)
        for c in contexts() if contexts else ():
            yield c.path, set(c.methods)


def test_every_api_route_names_a_response_schema_with_properties(client: TestClient) -> None:
    """Every /api/* route of the app (taken from the app, so routes added later count too) is in /openapi.json, but
    the internal one the CLI runs commands through while the server holds the warehouse, and its JSON answer names
    a schema with properties (or a list of one)."""
    schema = client.get("/openapi.json").json()
    components = schema["components"]["schemas"]

    def named(ref: dict[str, Any]) -> dict[str, Any]:
        assert "$ref" in ref, ref
        found: dict[str, Any] = components[ref["$ref"].rsplit("/", 1)[1]]
        return found

    routes = [(path, method) for path, methods in _routes(client.app.routes) if path.startswith("/api/")
              for method in sorted(methods)]
    assert {p for p, _ in routes if p not in schema["paths"]} <= {"/api/cli"}
    assert len(routes) >= 20
    for path, method in routes:
        if path == "/api/cli":
            continue
        ok = schema["paths"][path][method.lower()]["responses"]["200"]["content"]["application/json"]["schema"]
        body = named(ok["items"]) if ok.get("type") == "array" else named(ok)
        assert body.get("properties"), (method, path)


def test_every_api_path_is_documented(client: TestClient) -> None:
    doc = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    paths = client.get("/openapi.json").json()["paths"]
    missing = [p for p in paths if f"`{p}`" not in doc]
    assert not missing, f"undocumented in docs/api.md: {missing}"


def test_concurrent_asks_for_one_result_compute_it_once(api_db: Path) -> None:
    """Ten threads ask for the same uncached key while it computes: one computation, ten equal answers."""
    from junshi.api.engine import Engine

    engine = Engine(str(api_db))
    calls: list[int] = []
    started = threading.Event()

    def compute(shop: junshi.Shop) -> int:
        calls.append(1)
        started.set()
        time_to_let_others_queue.wait(5)
        return int(shop.table("orders").count().execute())

    time_to_let_others_queue = threading.Event()
    answers: list[int] = []
    threads = [threading.Thread(target=lambda: answers.append(engine.cached(("n",), compute))) for _ in range(10)]
    for t in threads:
        t.start()
    assert started.wait(5)
    time_to_let_others_queue.set()
    for t in threads:
        t.join()
    engine.close()
    assert len(calls) == 1 and len(answers) == 10 and len(set(answers)) == 1


def test_serve_refuses_a_public_address_without_a_token(api_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from junshi.cli import main

    with pytest.raises(SystemExit) as exit_:
        main(["serve", "--db", str(api_db), "--host", "0.0.0.0"])
    assert exit_.value.code == 2
    assert "explicit token" in capsys.readouterr().err
